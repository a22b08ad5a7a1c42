package ruleset_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// fuzzQueries are the rules of FuzzSet: index terms of every kind (values,
// or across fields, exists, ranges, constant_keyword), with the same
// fields under several rules, and rules with no term.
var fuzzQueries = []string{
	`event.category:process and process.name:(cmd.exe or powershell.exe)`,
	`event.category:(network or network_traffic) and destination.port:21`,
	`process.name:cmd.exe or event.action:start`,
	`event.action:start and not process.name:cmd.exe`,
	`source.ip:* or destination.ip:*`,
	`destination.port >= 1024 and network.transport:tcp`,
	`data_stream.dataset:okta.system and event.action:*`,
	`not event.category:process`,
	`file.hash.*:* or process.hash.*:*`,
	`process.name:*.exe`,
	`message:hello`,
	`event.category:process and process.parent.name:(cmd.exe and explorer.exe)`,
	`user.name:(root or admin) or (user.name:root and event.outcome:failure)`,
	`event.code:4624 or event.code:"4625"`,
	`destination.port:(21 or 22) and network.transport:tcp`,
	`destination.port:21 or source.port:"80"`,
	`destination.port:-1`,
}

// FuzzSet: on any JSON event, the set matches exactly the rules whose own
// programs match.
func FuzzSet(f *testing.F) {
	for _, s := range []string{
		`{"event":{"category":"process"},"process":{"name":"cmd.exe"}}`,
		`{"event.category":["network","x"],"destination.port":21,"source.ip":"10.0.0.1"}`,
		`{"event.action":"start","process.name":"powershell.exe"}`,
		`{"process":{"name":["a.exe",1,true]},"event":{"action":null}}`,
		`{"destination.port":"2000","network.transport":"tcp"}`,
		`{"data_stream":{"dataset":"okta.system"},"event.action":{"x":1}}`,
		`{"file":{"hash":{"md5":"x"}},"message":"hello world"}`,
		`{"user.name":"root","event.outcome":"failure","event.code":4625}`,
		`{}`,
		`{"destination.port":21.0,"network.transport":"tcp"}`,
		`{"destination":{"port":["021",22]},"network.transport":"tcp","source.port":"80"}`,
		`{"destination.port":"2.1e1","source.port":80.5}`,
		`{"destination.port":[-1,"-0",1e1,"21",true,null]}`,
		// the set reads the keys' values from a lazy event that tells
		// which fields it has, and through its cache from one that
		// cannot (a key to decode); a field both flat and nested
		`{"event.c\u0061tegory":"process","process.name":"cmd.exe","event.action":"start","destination.port":21}`,
		`{"event":{"category":"process","action":"start"},"event.category":"network","process":{"parent":{"name":"cmd.exe"}},"process.parent.name":"explorer.exe"}`,
		`{"event.category":"process","process.name":{"x":"cmd.exe"},"event.action":["start",{}],"user.name":"root"}`,
	} {
		f.Add(s)
	}
	var rs []*rules.Rule
	var progs []*eval.Program
	for i, q := range fuzzQueries {
		p, err := kqlrules.Compile(q)
		if err != nil {
			f.Fatalf("%s: %v", q, err)
		}
		progs = append(progs, p)
		rs = append(rs, &rules.Rule{Name: q, RuleID: string(rune('a' + i)), Query: q, Type: rules.TypeQuery})
	}
	set, err := ruleset.New(rs)
	if err != nil {
		f.Fatal(err)
	}
	var lazy events.Lazy
	f.Fuzz(func(t *testing.T, doc string) {
		var ev map[string]any
		if json.Unmarshal([]byte(doc), &ev) != nil || ev == nil {
			return
		}
		got := set.MatchMap(ev, nil)
		var want []int
		for i, p := range progs {
			if p.Match(ev) {
				want = append(want, i)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: set %v, programs %v", doc, got, want)
		}
		// a lazy event tells which fields it lacks (the set skips the
		// rules that need one of them) and, read with Reset, remembers
		// the keys of the inputs before
		lazy.Reset([]byte(doc))
		got = set.Match(&lazy, nil)
		want = want[:0]
		for i, p := range progs {
			if p.MatchEvent(events.JSON([]byte(doc))) {
				want = append(want, i)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: set on a lazy event %v, programs %v", doc, got, want)
		}
	})
}
