package main

import (
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	in := "# ECS 9.4.0, test\nname\ttype\tnormalize\n@timestamp\tdate\t\nsource.ip\tip\t\nhost.ip\tip\tarray\n"
	src, err := generate(strings.NewReader(in), "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`const ecsProvenance = "ECS 9.4.0, test"`, `"date\n"`, `"\t@timestamp\n"`, `"\thost.ip source.ip\n"`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("output lacks %s:\n%s", want, src)
		}
	}
	for _, bad := range []string{"", "name\ttype\n", "a b\tkeyword\n", "onlyname\n"} {
		if _, err := generate(strings.NewReader(bad), "x"); err == nil {
			t.Errorf("generate(%q): no error", bad)
		}
	}
}
