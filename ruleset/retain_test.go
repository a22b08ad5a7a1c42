package ruleset

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestLoadedRuleDropsFileText checks that what Load keeps of a rule
// loaded or skipped (the File: the rule, the compiled program, the
// parsed EQL query and its plan) holds no string or byte slice that
// points into the file's text: the decoder's strings share the file's
// memory, a rule set that kept them would keep every file's text (the
// tree's 16 MB) alive, and Load's workers read their next file into the
// same memory (loadFiles). It walks everything reachable from the File,
// unexported fields too, for a sample of Elastic's tree (KQL and EQL
// rules of every type, and skipped ES|QL and machine learning rules).
func TestLoadedRuleDropsFileText(t *testing.T) {
	found, err := rules.FindFiles(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	var shared rules.Strings // the rules share strings, as Load's do
	for i := 0; i < len(found); i += 23 {
		path := found[i]
		data, err := rules.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := rules.ParseForRun(path, data)
		f := outcome(File{Path: path}, r, err, &shared, func() error { return nil })
		if f.Status == Failed {
			continue
		}
		if f.Status == Loaded {
			loaded++
		}
		if f.Status == Loaded && (f.Rule.Note != "" || f.Rule.Setup != "") {
			t.Errorf("%s: the loaded rule keeps its note or setup", path)
		}
		if _, kept := f.Rule.Extra["transform"]; kept {
			t.Errorf("%s: the rule keeps its guide's transforms", path)
		}
		w := &retainWalk{lo: uintptr(unsafe.Pointer(unsafe.SliceData(data))), seen: map[[2]uintptr]bool{}}
		w.hi = w.lo + uintptr(len(data))
		w.walk(reflect.ValueOf(&f).Elem(), "File")
		if len(w.into) > 0 {
			t.Errorf("%s: %d values point into the file's text, such as %s", filepath.Base(path), len(w.into), strings.Join(w.into[:min(3, len(w.into))], ", "))
		}
	}
	if loaded < 50 {
		t.Fatalf("only %d rules of the sample loaded", loaded)
	}
}

// TestDetachWalkFindsText checks the walk of TestLoadedRuleDropsFileText
// (a rule as Parse gives it points into its file) and that
// [rules.Rule.Detach] copies every string of a rule with most fields.
func TestDetachWalkFindsText(t *testing.T) {
	data := []byte(richTOML)
	r, err := rules.Parse("rich.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	w := &retainWalk{lo: uintptr(unsafe.Pointer(unsafe.SliceData(data))), seen: map[[2]uintptr]bool{}}
	w.hi = w.lo + uintptr(len(data))
	w.walk(reflect.ValueOf(r).Elem(), "Rule")
	if len(w.into) == 0 {
		t.Fatal("the walk found no string of a parsed rule in its file")
	}
	w.into = nil
	w.seen = map[[2]uintptr]bool{}
	r.Detach()
	w.walk(reflect.ValueOf(r).Elem(), "Rule")
	if len(w.into) > 0 {
		t.Errorf("after Detach: %v", w.into)
	}
}

// retainWalk finds the strings and byte slices reachable from a value
// that point into [lo, hi).
type retainWalk struct {
	lo, hi uintptr
	seen   map[[2]uintptr]bool // pointers and maps walked, with their type
	into   []string            // where
}

func (w *retainWalk) in(p uintptr, n int) bool {
	return n > 0 && p >= w.lo && p < w.hi
}

func (w *retainWalk) walk(v reflect.Value, where string) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if w.in(uintptr(unsafe.Pointer(unsafe.StringData(s))), len(s)) {
			w.into = append(w.into, where+"="+strings.TrimSpace(s[:min(len(s), 40)]))
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		key := [2]uintptr{v.Pointer(), typeID(v.Type())}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		w.walk(v.Elem(), where)
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), where)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.walk(v.Field(i), where+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 && w.in(v.Pointer(), v.Len()) {
			w.into = append(w.into, where+" (bytes)")
			return
		}
		key := [2]uintptr{v.Pointer(), typeID(v.Type())}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		for i := range v.Len() {
			w.walk(v.Index(i), where+"[]")
		}
	case reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), where+"[]")
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		key := [2]uintptr{v.Pointer(), typeID(v.Type())}
		if w.seen[key] {
			return
		}
		w.seen[key] = true
		it := v.MapRange()
		for it.Next() {
			w.walk(it.Key(), where+"{key}")
			w.walk(it.Value(), where+"{}")
		}
	}
}

// typeID tells types apart in the walk's seen set.
func typeID(t reflect.Type) uintptr {
	return reflect.ValueOf(t).Pointer()
}

const richTOML = `[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"
integration = ["endpoint"]
promotion = true
bypass_bbr_timing = "yes"

[rule]
author = ["Test"]
description = "A test rule."
false_positives = ["Admins."]
references = ["https://example.com"]
index = ["logs-*"]
name = "Test rule"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
severity = "low"
type = "query"
language = "kuery"
query = "event.category:process and process.name:(a or b)"
note = "Investigate."
setup = "Set it up."
license = "Elastic License v2"
timestamp_override = "event.ingested"
building_block_type = "default"
rule_name_override = "message"
tags = ["Domain: Endpoint", "Tactic: Execution"]

[rule.investigation_fields]
field_names = ["host.name", "user.name"]

[[rule.severity_mapping]]
field = "event.severity"
operator = "equals"
value = "9"
severity = "critical"

[[rule.risk_score_mapping]]
field = "event.risk_score"
operator = "equals"
value = ""

[rule.alert_suppression]
group_by = ["host.id"]
missing_fields_strategy = "doNotSuppress"
[rule.alert_suppression.duration]
unit = "m"
value = 30

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1059"
name = "Command and Scripting Interpreter"
reference = "https://attack.mitre.org/techniques/T1059/"
[[rule.threat.technique.subtechnique]]
id = "T1059.001"
name = "PowerShell"
reference = "https://attack.mitre.org/techniques/T1059/001/"

[rule.threat.tactic]
id = "TA0002"
name = "Execution"
reference = "https://attack.mitre.org/tactics/TA0002/"
`
