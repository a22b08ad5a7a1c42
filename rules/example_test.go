package rules_test

import (
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/rules"
)

func Example() {
	r, err := rules.Load("builtin/ftp.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	lb, _ := r.LookBack()
	fmt.Printf("%s (v%d), every %v looking back %v\n", r.Name, r.Version, r.Interval, lb)
	v, _ := r.History.AtRelease("7.10.1")
	fmt.Printf("in force at 7.10.1: v%d from %s, index %v\n", v.Number, v.Release, v.Index)
	for _, g := range r.History.Distinct() {
		fmt.Println("same query:", g.Numbers())
	}

	_, err = rules.Parse("bad.toml", []byte("[rule]\nname = \"x\"\nrisk_score = 210\n"))
	var perr *rules.Error
	if errors.As(err, &perr) {
		for _, p := range perr.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// FTP (File Transfer Protocol) Activity to the Internet (v8), every 5m0s looking back 9m0s
	// in force at 7.10.1: v5 from 7.10.0, index [filebeat-* packetbeat-* logs-endpoint.events.*]
	// same query: [1 2]
	// same query: [3]
	// same query: [4 5]
	// same query: [6 7 8]
	// bad.toml:1: rule.rule_id: required
	// bad.toml:1: rule.description: required
	// bad.toml:1: rule.type: required
	// bad.toml:1: rule.severity: required
	// bad.toml:3: rule.risk_score: must be 0..100, got 210
}
