package rules

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// sameAsMaps checks that decoding data with the direct TOML decoder
// gives what the maps alone give (decodeTOML and decoder.top): the
// rule, its source and warnings, the problems and the error; and that
// validation (parseWith) answers alike. It reports whether the direct
// decoder took the document.
func sameAsMaps(t *testing.T, name string, data []byte) (direct bool) {
	t.Helper()
	src := Source{File: name, Format: FormatTOML, data: data, lines: newLineIndex(data, FormatTOML)}
	d := &decoder{ps: &problems{src: &src}, src: &src}
	direct = d.directTOML(data) != nil
	if !direct && (len(d.ps.list) > 0 || len(src.Warnings) > 0 || len(d.keys) > 0 || d.direct != nil) {
		t.Errorf("%s: the direct decoder left the document with its decoder changed", name)
	}
	// ParseForRun's decoding (noGuides) checks note and setup without
	// making them: the same rule without them, and the direct path
	// taken as often, for a document in error too (no value checked
	// without being made is taken where the made one is not)
	src2 := Source{File: name, Format: FormatTOML, data: data, lines: newLineIndex(data, FormatTOML)}
	d2 := &decoder{ps: &problems{src: &src2}, src: &src2, noGuides: true}
	if (d2.directTOML(data) != nil) != direct {
		t.Errorf("%s: without note and setup the direct decoder took it %v, with them %v", name, !direct, direct)
	}
	opts := []cmp.Option{cmpopts.IgnoreUnexported(Source{}), cmpopts.EquateErrors()}
	wantR, wantPS, wantErr := decodeAs(name, data, FormatTOML, false)
	gotR, gotPS, gotErr := decodeAs(name, data, FormatTOML, true)
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Errorf("%s: error %v, the maps' %v", name, gotErr, wantErr)
		return direct
	}
	if wantErr != nil {
		return direct
	}
	if diff := cmp.Diff(wantR, gotR, opts...); diff != "" {
		t.Errorf("%s: the direct decoder's rule differs from the maps' (-maps +direct):\n%s", name, diff)
	}
	if diff := cmp.Diff(wantPS.list, gotPS.list, opts...); diff != "" {
		t.Errorf("%s: problems differ (-maps +direct):\n%s", name, diff)
	}
	noR, noPS, noErr := decodeWith(name, data, FormatTOML, true, true)
	if noErr != nil {
		t.Errorf("%s: without note and setup: %v", name, noErr)
	} else {
		if direct && (noR.Note != "" || noR.Setup != "") {
			t.Errorf("%s: the direct decoder made the note or setup it was to skip", name)
		}
		want := withoutGuide(*wantR)
		noR.Note, noR.Setup = "", "" // the maps' path makes them
		if _, kept := noR.Extra["transform"]; kept {
			t.Errorf("%s: without the guide the transforms were kept", name)
		}
		if diff := cmp.Diff(want, noR, opts...); diff != "" {
			t.Errorf("%s: without note and setup the rule differs (-maps +direct):\n%s", name, diff)
		}
		if diff := cmp.Diff(wantPS.list, noPS.list, opts...); diff != "" {
			t.Errorf("%s: without note and setup the problems differ (-maps +direct):\n%s", name, diff)
		}
	}
	for _, own := range []bool{false, true} {
		wantPS.ownQuery, gotPS.ownQuery = own, own
		wantR.validate(wantPS)
		gotR.validate(gotPS)
		if w, g := fmt.Sprint(wantPS.err()), fmt.Sprint(gotPS.err()); w != g {
			t.Errorf("%s: validation (ownQuery %v) says %s, the maps' %s", name, own, g, w)
		}
	}
	return direct
}

// TestDirectTOMLTree: every rule file of Elastic's tree decodes by the
// direct decoder as by the maps, and nearly all take the direct path.
func TestDirectTOMLTree(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	files, direct := 0, 0
	EachTreeTOML(t, dir, func(path string, data []byte) {
		files++
		if sameAsMaps(t, path, data) {
			direct++
		}
	})
	t.Logf("%d of %d files took the direct path", direct, files)
	if files < 2192 || direct < files*9/10 {
		t.Errorf("%d of %d files took the direct path, want 90%%", direct, files)
	}
}

// directRule is a rule file of the usual shape, which the direct decoder
// takes whole.
const directRule = `[metadata]
creation_date = "2020/01/01"
integration = ["endpoint", "windows"]
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Elastic"]
description = """
Detects "things".
"""
from = "now-9m"
index = ["logs-endpoint.events.*", 'winlogbeat-*']
language = "kuery"
license = "Elastic License v2"
name = 'A rule'
risk_score = 47
rule_id = "0b29cab4-dbbd-4a3f-9e8e-1287c7c11ae5"
severity = "medium"
tags = []
timestamp_override = "event.ingested"
type = "query"
query = '''
process.name:"cmd.exe"
'''

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

[[rule.threat]]
framework = "MITRE ATT&CK"

[rule.threat.tactic]
id = "TA0005"
name = "Defense Evasion"
reference = "https://attack.mitre.org/tactics/TA0005/"
`

// directCases are rule files at the edges of what the direct decoder
// takes, and beyond: each is directRule with one change (old → new).
var directCases = []struct{ old, new string }{
	{"", ""},
	{"[rule]\n", "[rule]\nenabled = true\nmax_signals = 5\nversion = 3\ninterval = \"10m\"\n"},
	{"[rule]\n", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-7d\"\n\n[rule]\n"},
	{"[rule]\n", "[[transform.osquery]]\nlabel = \"x\"\n\n[rule]\nevent_category_override = \"event.type\"\n"},
	{"integration = [\"endpoint\", \"windows\"]", "integration = \"endpoint\""},
	{"tags = []", "tags = [\"a\", # comment\n  \"b\",\n]"},
	{"tags = []", "tags = [\"a\", 1]"},
	{"tags = []", "tags = \"a\""},
	{"risk_score = 47", "risk_score = \"47\""},
	{"risk_score = 47", "risk_score = 4294967296"},
	{"risk_score = 47", ""},
	{"risk_score = 47", "risk_score = 47\nrisk_score = 21"},
	{"name = 'A rule'", "name = 'A rule'\n\"name\" = \"again\""},
	{"name = 'A rule'", "name = 1"},
	{"from = \"now-9m\"", "interval = \"5 minutes\""},
	{"maturity = \"production\"", "maturity = \"production\"\nunknown_key = 1"},
	{"maturity = \"production\"", "maturity = 'production'\nmaturity = \"x\""},
	{"maturity = \"production\"", "maturity = true"},
	{"[metadata]\n", "[metadata.sub]\na = 1\n[metadata]\n"},
	{"[metadata]\n", "metadata = {maturity = \"x\"}\n[other]\n"},
	{"[rule]\n", "rule = {name = \"x\"}\n[x]\n"},
	{"[rule]\n", "[rule]\nthreat = []\n"},
	{"[rule]\n", "[rule]\nthreat = [{framework = \"x\"}]\n"},
	{"[rule]\n", "[rule]\n[rule]\n"},
	{"[rule]\n", "[[rule]]\n"},
	{"[rule]\n", "[rule.threat.tactic]\nid = \"x\"\n[rule]\n"},
	{"[rule]\n", "[[rule.threat]]\nframework = \"x\"\n[rule]\n"},
	{"[rule]\n", "[rule.investigation_fields]\nfield_names = [\"a\"]\n[rule]\n"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat]]\nframework = \"MITRE ATT&CK\"\nframework = \"x\"\n[[rule.threat.technique]]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat]]\nframework = 1\n[[rule.threat.technique]]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat]]\nextra = \"x\"\n[[rule.threat.technique]]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat]]\ntactic = {id = \"x\"}\n[[rule.threat.technique]]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[rule.threat]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat]]\n[[rule.threat.techniques]]"},
	{"[[rule.threat.technique.subtechnique]]", "[rule.threat.technique.subtechnique]"},
	{"[[rule.threat.technique.subtechnique]]", "[[rule.threat.technique.subtechnique.x]]"},
	{"id = \"T1059.001\"", "id = \"T1059.001\"\nid = \"x\""},
	{"id = \"T1059\"", "id = \"T1059\"\nsubtechnique = []"},
	{"id = \"TA0002\"", "id = \"TA0002\"\nid = \"x\""},
	{"id = \"TA0002\"", "id = \"TA0002\"\n[rule.threat.tactic]"},
	{"id = \"TA0002\"", "id = \"TA0002\"\nother = \"x\""},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n\n[rule.threat.tactic]", "[rule.threat.tactic]"},
	{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[[rule.threat.technique]]", "[[rule.threat.technique]]"},
	{"[metadata]\n", "[[history]]\nversion = 1\nquery = \"a:b\"\n[metadata]\n"},
	{"[metadata]\n", "[other]\nx = 1\n[metadata]\n"},
	{"query = '''", "query = \"\"\"a\\tb\"\"\"\nnote = '''"},
	{"[rule]\n", "[rule]\ntype = \"eql\"\nlanguage = \"eql\"\n"},
	{"\n", "\r\n"},
	{"[metadata]", "\ufeff[metadata]"},
	{"name = 'A rule'", "name = 'A rule' # comment"},
	{"name = 'A rule'", "name = 'A rule' x"},
	{"tags = []", "tags = [\"a\"] x"},
	{"id = \"T1059\"", "id = \"T1059\" x"},
	{"[[rule.threat]]", "[ [rule.threat]]"},
	{"[[rule.threat]]", "[[ rule . \"threat\" ]]"},
	{"[rule]\n", "[ rule ]\n"},
	{"[rule]\n", "['rule']\n"},
	{"[metadata]\n", "[transform]\n[[transform.osquery]]\nlabel = \"a\"\nquery = \"\"\"x\\ty\"\"\"\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nlabel = \"a\"\nproviders = [[{excluded = false, field = \"f\", value = \"v\", n = 12345}], [{a = {b = [1, \"c\"]}}]]\nrelativeFrom = \"now-48h/h\"\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nproviders = [[{a = 1, a = 2}]]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nproviders = [{a = {b = 1, b = 2}}]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nproviders = [{a = {b = 1}, b = {a = 2}, c = \"x\\q\"}]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nx = {}\ny = { }\nz = [ ]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.investigate]]\nx = {a = 1}\n[transform.investigate.x]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nosquery = {a = 1}\n[[transform.osquery]]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nosquery = [{a = 1}]\n[[transform.osquery]]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nosquery = \"x\"\n[transform.osquery]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nx = 1\nx = 2\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nx = [1,\n  # c\n  2,]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nx = [1 2]\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nx = {a = 1,}\n[metadata]\n"},
	{"[metadata]\n", "[transform]\nx = 1.5\n[metadata]\n"},
	{"[metadata]\n", "[transform]\n[transform]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.osquery]]\nlabel = '''a'''\nq = \"\\u00e9\"\n[transform]\n[metadata]\n"},
	{"[metadata]\n", "[[transform.osquery]]\nq = \"\"\"a\\\n  b\\z\"\"\"\n[metadata]\n"},
	{"[metadata]\n", "[transform.a.b]\nc = true\n[transform.a]\nd = false\n[metadata]\n"},
}

// TestDirectTOMLCases checks the direct decoder on rule files at its
// edges: where it takes one, the answer is the maps'; and it does take
// the plain ones.
func TestDirectTOMLCases(t *testing.T) {
	for i, c := range directCases {
		doc := strings.Replace(directRule, c.old, c.new, 1)
		if c.old != "" && doc == directRule {
			t.Fatalf("case %d: %q is not in the rule", i, c.old)
		}
		direct := sameAsMaps(t, fmt.Sprintf("case %d", i), []byte(doc))
		if i < 6 && !direct {
			t.Errorf("case %d: the direct decoder left the plain rule to the maps:\n%s", i, doc)
		}
	}
}

// FuzzDirectTOML compares the direct decoder with the maps on any
// document (seeds: the cases above and the fast decoder's).
func FuzzDirectTOML(f *testing.F) {
	for _, c := range directCases {
		f.Add(strings.Replace(directRule, c.old, c.new, 1))
	}
	for _, c := range fastTOMLCases {
		f.Add(c)
		f.Add("[rule]\nrisk_score = 1\n" + c)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 1<<14 {
			return
		}
		sameAsMaps(t, "fuzz", []byte(doc))
	})
}

// withoutGuide is r as ParseForRun keeps it: no note, no setup, no
// transforms of the guide's placeholders (Extra["transform"]).
func withoutGuide(r Rule) *Rule {
	r.Note, r.Setup = "", ""
	if _, ok := r.Extra["transform"]; ok {
		extra := maps.Clone(r.Extra)
		delete(extra, "transform")
		if len(extra) == 0 {
			extra = nil
		}
		r.Extra = extra
	}
	return &r
}

// TestDirectTOMLTablesReused decodes documents one after another with
// the direct decoder, which reuses the maps of the root, [rule] and
// [metadata] of a document done for the next: a rule keeps values of
// them (Extra) but never the maps, so a later document neither sees the
// keys of an earlier one nor changes the rule decoded from it.
func TestDirectTOMLTablesReused(t *testing.T) {
	// each document has its own key of Metadata.Extra and of Extra, and
	// its own value of a key of Extra they all have
	docs := []struct{ metaKey, ruleKey, value string }{
		{"comments", "namespace", "first"},
		{"os_type", "data_view_id", "second"},
		{"promotion", "created_by", "third"},
	}
	var got []*Rule
	for _, d := range docs {
		data := []byte(`[metadata]
creation_date = "2020/01/01"
maturity = "production"
updated_date = "2020/01/01"
` + d.metaKey + ` = "` + d.value + `"

[rule]
author = ["Elastic"]
description = "d"
language = "kuery"
license = "Elastic License v2"
name = "n"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "query"
query = "a:b"
meta = {x = "` + d.value + `"}
` + d.ruleKey + ` = "` + d.value + `"
`)
		if !sameAsMaps(t, d.value, data) {
			t.Fatalf("%s: the direct decoder did not take the document", d.value)
		}
		r, _, err := decodeAs(d.value, data, FormatTOML, true)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	for i, d := range docs {
		r := got[i]
		if len(r.Extra) != 2 || r.Extra[d.ruleKey] != d.value {
			t.Errorf("%s: Extra %v: want meta and %s", d.value, r.Extra, d.ruleKey)
		}
		if m, _ := r.Extra["meta"].(map[string]any); m["x"] != d.value {
			t.Errorf("%s: Extra[meta] = %v", d.value, r.Extra["meta"])
		}
		if len(r.Metadata.Extra) != 1 || r.Metadata.Extra[d.metaKey] != d.value {
			t.Errorf("%s: Metadata.Extra %v: want only %s", d.value, r.Metadata.Extra, d.metaKey)
		}
	}
}
