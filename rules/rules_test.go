package rules_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const ftpPath = "builtin/ftp.toml"

// The FTP rule's queries, character for character from the seed.
const (
	ftpV1 = "network.transport: tcp and destination.port: (20 or 21) and ( network.direction: outbound or ( source.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) ) )"
	ftpV3 = `network.transport:tcp and destination.port:(20 or 21) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`
	ftpV4 = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`
	ftpV6 = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`
	ftpV8 = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and
  source.ip:(
    10.0.0.0/8 or
    172.16.0.0/12 or
    192.168.0.0/16
  ) and
  not destination.ip:(
    10.0.0.0/8 or
    127.0.0.0/8 or
    169.254.0.0/16 or
    172.16.0.0/12 or
    192.168.0.0/16 or
    224.0.0.0/4 or
    "::1" or
    "FE80::/10" or
    "FF00::/8"
  )
`
)

var (
	ftpIndex  = []string{"filebeat-*", "packetbeat-*", "logs-endpoint.events.*"}
	ftpThreat = []rules.Threat{
		{Framework: "MITRE ATT&CK", Tactic: rules.Tactic{ID: "TA0011", Name: "Command and Control", Reference: "https://attack.mitre.org/tactics/TA0011/"}},
		{Framework: "MITRE ATT&CK", Tactic: rules.Tactic{ID: "TA0010", Name: "Exfiltration", Reference: "https://attack.mitre.org/tactics/TA0010/"},
			Techniques: []rules.Technique{{ID: "T1048", Name: "Exfiltration Over Alternative Protocol", Reference: "https://attack.mitre.org/techniques/T1048/"}}},
	}
)

func loadFTP(t *testing.T) *rules.Rule {
	t.Helper()
	r, err := rules.Load(ftpPath)
	if err != nil {
		t.Fatalf("Load(%s): %v", ftpPath, err)
	}
	return r
}

// TestLoadFTP asserts every field of the bundled FTP rule file.
func TestLoadFTP(t *testing.T) {
	r := loadFTP(t)
	byIndex := func(n int, rel string, ch []rules.Change, q string, idx []string) rules.Version {
		return rules.Version{Number: n, Release: rel, Changes: ch, Query: q, Index: idx}
	}
	v1Index := []string{"auditbeat-*", "filebeat-*", "packetbeat-*", "winlogbeat-*"}
	fb := []string{"filebeat-*"}
	want := &rules.Rule{
		RuleID:            "87ec6396-9ac4-4706-bcf0-2ebb22002f43",
		Name:              "FTP (File Transfer Protocol) Activity to the Internet",
		Type:              "query",
		Language:          "kuery",
		Query:             ftpV8,
		Index:             ftpIndex,
		Severity:          "low",
		RiskScore:         21,
		Interval:          5 * time.Minute,
		From:              "now-9m",
		MaxSignals:        100,
		TimestampOverride: "event.ingested",
		Tags:              []string{"Elastic", "Host", "Network", "Threat Detection", "Command and Control"},
		Threat:            ftpThreat,
		Author:            []string{"Elastic"},
		License:           "Elastic License v2",
		Version:           8,
		Metadata: rules.Metadata{
			CreationDate:    "2020/02/18",
			UpdatedDate:     "2021/04/15",
			DeprecationDate: "2021/04/15",
			Maturity:        "deprecated",
		},
		History: rules.History{
			byIndex(1, "7.6.0", []rules.Change{"created"}, ftpV1, v1Index),
			byIndex(2, "7.6.1", []rules.Change{"index"}, ftpV1, fb),
			byIndex(3, "7.7.0", []rules.Change{"query"}, ftpV3, fb),
			byIndex(4, "7.9.0", []rules.Change{"query", "index"}, ftpV4, ftpIndex),
			byIndex(5, "7.10.0", []rules.Change{"formatting"}, ftpV4, ftpIndex),
			byIndex(6, "7.11.0", []rules.Change{"query"}, ftpV6, ftpIndex),
			byIndex(7, "7.11.2", []rules.Change{"formatting"}, ftpV6, ftpIndex),
			byIndex(8, "7.12.0", []rules.Change{"formatting"}, ftpV8, ftpIndex),
		},
	}
	// Our own prose: present, not Elastic's.
	for field, text := range map[string]string{"description": r.Description, "note": r.Note} {
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s is empty", field)
		}
		if strings.Contains(text, "has been around in its current form") {
			t.Errorf("%s copies Elastic's prose", field)
		}
	}
	if len(r.FalsePositives) == 0 {
		t.Errorf("no false positives")
	}
	inferred := map[int][]string{1: {"index"}, 2: {"index"}, 4: {"index"}, 5: {"index"}, 6: {"index"}, 7: {"index"}}
	for _, v := range r.History {
		if v.Note == "" {
			t.Errorf("version %d has no note", v.Number)
		}
		if !cmp.Equal(v.Inferred, inferred[v.Number], cmpopts.EquateEmpty()) {
			t.Errorf("version %d: inferred %q, want %q", v.Number, v.Inferred, inferred[v.Number])
		}
	}
	ignore := cmp.Options{
		cmpopts.IgnoreFields(rules.Rule{}, "Description", "FalsePositives", "Note", "Source"),
		cmpopts.IgnoreFields(rules.Version{}, "Note", "Inferred"),
	}
	if d := cmp.Diff(want, r, ignore); d != "" {
		t.Errorf("FTP rule (-want +got):\n%s", d)
	}
	if r.Source.File != ftpPath || r.Source.Format != rules.FormatTOML {
		t.Errorf("source %q %q", r.Source.File, r.Source.Format)
	}
	if len(r.Source.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Source.Warnings)
	}
	if lb, err := r.LookBack(); err != nil || lb != 9*time.Minute {
		t.Errorf("LookBack = %v, %v; want 9m", lb, err)
	}
	if a, err := r.AdditionalLookBack(); err != nil || a != 4*time.Minute {
		t.Errorf("AdditionalLookBack = %v, %v; want 4m", a, err)
	}
	if !r.Deprecated() {
		t.Errorf("not deprecated")
	}
}

// TestFTPAgainstSeed compares the bundled rule with Elastic's file and the
// rule reference page: same ids, name, query, indices, tags, threat mapping,
// and the one-line page text is the TOML query with its line breaks as
// spaces.
func TestFTPAgainstSeed(t *testing.T) {
	seed, err := rules.Load(corpus.Path(t, "seed/ftp_rule_detection_rules.toml"))
	if err != nil {
		t.Fatalf("loading the seed: %v", err)
	}
	r := loadFTP(t)
	same := cmp.Options{cmpopts.IgnoreFields(rules.Rule{}, "Description", "FalsePositives", "Note", "Source", "History", "Version", "Interval", "MaxSignals")}
	// The seed gives no interval or max_signals; the defaults are what the
	// rule reference page shows (5 minutes, 100).
	if seed.Interval != r.Interval || seed.MaxSignals != r.MaxSignals {
		t.Errorf("seed schedule %v/%d, ours %v/%d", seed.Interval, seed.MaxSignals, r.Interval, r.MaxSignals)
	}
	if d := cmp.Diff(seed, r, same); d != "" {
		t.Errorf("bundled rule differs from the seed (-seed +ours):\n%s", d)
	}
	page, err := os.ReadFile(corpus.Path(t, "seed/ftp_rule.txt"))
	if err != nil {
		t.Fatal(err)
	}
	oneLine := strings.Join(strings.Fields(seed.Query), " ")
	if oneLine != ftpV6 || !strings.Contains(string(page), "Rule query\nedit"+ftpV6+"\n") {
		t.Errorf("the page's one-line query is not the TOML query with its line breaks as spaces:\n%s", oneLine)
	}
	for _, q := range []string{ftpV1, ftpV3, ftpV4} {
		if !strings.Contains(string(page), "Updated query, changed from:\n"+q+"\n") {
			t.Errorf("history query not on the page verbatim: %s", q)
		}
	}
}

func TestHistoryLookups(t *testing.T) {
	h := loadFTP(t).History
	queries := map[int]string{1: ftpV1, 2: ftpV1, 3: ftpV3, 4: ftpV4, 5: ftpV4, 6: ftpV6, 7: ftpV6, 8: ftpV8}
	for n, want := range queries {
		got, err := h.QueryAt(n)
		if err != nil || got != want {
			t.Errorf("QueryAt(%d) = %q, %v; want %q", n, got, err, want)
		}
	}
	for _, n := range []int{0, 9, -1} {
		if _, err := h.QueryAt(n); !errors.Is(err, rules.ErrNoVersion) {
			t.Errorf("QueryAt(%d): err %v, want ErrNoVersion", n, err)
		}
	}
	if idx, err := h.IndexAt(2); err != nil || !cmp.Equal(idx, []string{"filebeat-*"}) {
		t.Errorf("IndexAt(2) = %q, %v", idx, err)
	}

	for _, tc := range []struct {
		release string
		want    int    // version number; 0 for none
		err     string // error text when want is 0
	}{
		{"7.5.0", 0, "release 7.5.0: no such version: the rule was first released in 7.6.0"},
		{"7.6.0", 1, ""},
		{"7.6.1", 2, ""},
		{"7.6.2", 2, ""},
		{"7.8", 3, ""},
		{"7.9.0", 4, ""},
		{"7.10.1", 5, ""}, // numerically after 7.9 and 7.10.0
		{"7.11.1", 6, ""},
		{"7.11.2", 7, ""},
		{"7.12.0", 8, ""},
		{"8.0.0", 8, ""},
		{"7.x", 0, `release "7.x": must be numbers separated by dots, such as 7.10.0`},
		{"", 0, `release "": empty`},
	} {
		v, err := h.AtRelease(tc.release)
		if tc.want == 0 {
			if err == nil || err.Error() != tc.err {
				t.Errorf("AtRelease(%q) = v%d, %v; want error %q", tc.release, v.Number, err, tc.err)
			}
			if strings.Contains(tc.err, "no such version") != errors.Is(err, rules.ErrNoVersion) {
				t.Errorf("AtRelease(%q): errors.Is(ErrNoVersion) wrong for %v", tc.release, err)
			}
			continue
		}
		if err != nil || v.Number != tc.want {
			t.Errorf("AtRelease(%q) = v%d, %v; want v%d", tc.release, v.Number, err, tc.want)
		}
	}
	if v, ok := h.Latest(); !ok || v.Number != 8 {
		t.Errorf("Latest = %v, %v", v.Number, ok)
	}

	var got [][]int
	for _, g := range h.Distinct() {
		got = append(got, g.Numbers())
		if q, _ := h.QueryAt(g.Versions[0].Number); g.Query != q {
			t.Errorf("group %v query is not its first version's", g.Numbers())
		}
	}
	if want := [][]int{{1, 2}, {3}, {4, 5}, {6, 7, 8}}; !cmp.Equal(got, want) {
		t.Errorf("Distinct = %v, want %v", got, want)
	}
	// A comparison that sees every query as different still groups the
	// formatting-only versions.
	got = nil
	for _, g := range h.DistinctBy(func(a, b string) bool { return false }) {
		got = append(got, g.Numbers())
	}
	if want := [][]int{{1}, {2}, {3}, {4, 5}, {6, 7, 8}}; !cmp.Equal(got, want) {
		t.Errorf("DistinctBy(never) = %v, want %v", got, want)
	}
}

func TestCompareReleases(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"7.9.0", "7.10.0", -1}, {"7.10.1", "7.10.0", 1}, {"7.10", "7.10.0", 0}, {"8.0.0", "7.17.9", 1},
	} {
		if got, err := rules.CompareReleases(tc.a, tc.b); err != nil || got != tc.want {
			t.Errorf("CompareReleases(%s, %s) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestParseFromAndInterval(t *testing.T) {
	for _, tc := range []struct {
		from string
		want time.Duration
		err  string
	}{
		{"now-9m", 9 * time.Minute, ""},
		{"now-30s", 30 * time.Second, ""},
		{"now-119m", 119 * time.Minute, ""},
		{"now-24h", 24 * time.Hour, ""},
		{"now-2d", 48 * time.Hour, ""},
		{"now", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now"`},
		{"now-9", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now-9": no unit after 9`},
		{"now-9w", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now-9w": unit "w" is not s, m, h or d`},
		{"now-0m", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now-0m": amount must be positive`},
		{"now-m", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now-m": no amount before the unit`},
		{"now-99999999999999999999d", 0, `must be date math now-<n><unit> with unit s, m, h or d, got "now-99999999999999999999d": amount 99999999999999999999 is too large`},
	} {
		got, err := rules.ParseFrom(tc.from)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseFrom(%q) error %v, want %q", tc.from, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFrom(%q) = %v, %v; want %v", tc.from, got, err, tc.want)
		}
	}
	for s, want := range map[string]time.Duration{"5m": 5 * time.Minute, "1h": time.Hour, "60m": time.Hour, "10s": 10 * time.Second, "1d": 24 * time.Hour} {
		if got, err := rules.ParseInterval(s); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v", s, got, err)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Second: "90s", 48 * time.Hour: "2d"} {
		if got := rules.FormatInterval(d); got != want {
			t.Errorf("FormatInterval(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestBadFiles loads every file under testdata/bad and compares the error
// with its golden file (-update rewrites them).
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := rules.Load(f)
			if err == nil {
				t.Fatalf("Load(%s) succeeded: %+v", f, r)
			}
			if r != nil {
				t.Errorf("Load returned a rule with its error")
			}
			var rerr *rules.Error
			if !errors.As(err, &rerr) || len(rerr.Problems) == 0 {
				t.Fatalf("error %T %v is not a *rules.Error with problems", err, err)
			}
			for _, p := range rerr.Problems {
				if p.File != f {
					t.Errorf("problem %q names file %q", p, p.File)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + filepath.Ext(f) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("messages (-want +got):\n%s", d)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d bad files", n)
	}
}

const goodTOML = `[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"

[rule]
author = ["Test"]
description = "A test rule."
index = ["logs-*"]
name = "Test rule"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
severity = "low"
type = "query"
query = "destination.port:21"
`

// TestMessages pins the messages the issue names, inline.
func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"risk_score 210", "risk_score = 21", "risk_score = 210", "r.toml:11: rule.risk_score: must be 0..100, got 210"},
		{"missing name", "name = \"Test rule\"\n", "", "r.toml:6: rule.name: required"},
		{"bad severity", `severity = "low"`, `severity = "severe"`, `r.toml:13: rule.severity: must be one of low, medium, high, critical, got "severe"`},
		{"bad syntax", `severity = "low"`, `severity = "low`, `r.toml:13: TOML syntax: strings cannot contain newlines (after key "rule.severity")`},
		{"several", "risk_score = 21\n", "risk_score = -1\ninterval = \"5\"\nfrom = \"9m\"\n",
			"r.toml:11: rule.risk_score: must be 0..100, got -1\n" +
				`r.toml:12: rule.interval: must be <n><unit> with unit s, m, h or d, such as 5m, got "5": no unit after 5` + "\n" +
				`r.toml:13: rule.from: must be date math now-<n><unit> with unit s, m, h or d, got "9m"`},
		{"language of an eql rule", `type = "query"`, "type = \"eql\"\nlanguage = \"kuery\"", `r.toml:15: rule.language: type eql takes language eql, got "kuery"`},
		{"eql rule without language", `type = "query"`, `type = "eql"`, `r.toml:6: rule.language: required for type eql`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(goodTOML, tc.from, tc.to, 1)
			if src == goodTOML {
				t.Fatalf("no change")
			}
			_, err := rules.Parse("r.toml", []byte(src))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
	r, err := rules.Parse("r.toml", []byte(goodTOML))
	if err != nil {
		t.Fatalf("good rule: %v", err)
	}
	if r.Interval != rules.DefaultInterval || r.From != rules.DefaultFrom || r.MaxSignals != rules.DefaultMaxSignals || r.Language != rules.LanguageKuery {
		t.Errorf("defaults: %v %q %d %q", r.Interval, r.From, r.MaxSignals, r.Language)
	}
}

// TestValidateGoRule validates a rule built in Go: no file, no lines.
func TestValidateGoRule(t *testing.T) {
	r := &rules.Rule{RuleID: "x", Name: "n", Type: "query", Severity: "high", RiskScore: 0, From: "now-6m", Interval: time.Minute, MaxSignals: 1}
	err := r.Validate()
	want := "rule.description: required\nrule.query: required for a query rule"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if len(r.Source.Warnings) != 1 || r.Source.Warnings[0].String() != `rule.rule_id: not a UUID: "x"` {
		t.Errorf("warnings %v", r.Source.Warnings)
	}
}

// TestUnknownKeysTolerated checks that the optional keys of detection-rules
// files load, kept in Extra, and that unknown ones are warned about.
func TestUnknownKeysTolerated(t *testing.T) {
	src := goodTOML + `building_block_type = "default"
note = "n"
setup = "s"
surprise = 1

[rule.investigation_fields]
field_names = ["host.name"]

[rule.new_terms]
field = "new_terms_fields"
value = ["host.name"]

[metadata.extra_table]
x = 1
`
	src = strings.Replace(src, "[metadata]\n", "[metadata]\nintegration = \"endpoint\"\nrelated_endpoint_rules = [\"a\"]\nwhatever = true\n", 1)
	r, err := rules.Parse("u.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var warns []string
	for _, w := range r.Source.Warnings {
		warns = append(warns, w.String())
	}
	want := []string{
		"u.toml:4: metadata.whatever: unknown metadata key, kept in Metadata.Extra",
		"u.toml:22: rule.surprise: unknown rule key, kept in Extra",
		"u.toml:31: metadata.extra_table: unknown metadata key, kept in Metadata.Extra",
	}
	if d := cmp.Diff(want, warns); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if r.BuildingBlockType != "default" || r.Note != "n" || r.Setup != "s" || !cmp.Equal(r.Metadata.Integration, []string{"endpoint"}) {
		t.Errorf("modelled optional keys: %+v", r)
	}
	if _, ok := r.Extra["investigation_fields"].(map[string]any); !ok {
		t.Errorf("investigation_fields not kept: %v", r.Extra)
	}
	if r.Extra["surprise"] != int64(1) || r.Metadata.Extra["related_endpoint_rules"] == nil {
		t.Errorf("extras: %v %v", r.Extra, r.Metadata.Extra)
	}
}

// TestJSONRoundTrip writes the FTP rule as JSON and reads it back.
func TestJSONRoundTrip(t *testing.T) {
	r := loadFTP(t)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"rule_id": r.RuleID, "risk_score": 21.0, "max_signals": 100.0, "interval": "5m", "from": "now-9m", "timestamp_override": "event.ingested"} {
		if flat[k] != want {
			t.Errorf("JSON %s = %v, want %v", k, flat[k], want)
		}
	}
	back, err := rules.ParseJSON("ftp.json", b)
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, b)
	}
	if d := cmp.Diff(r, back, cmpopts.IgnoreFields(rules.Rule{}, "Source")); d != "" {
		t.Errorf("round trip (-toml +json):\n%s", d)
	}
	// The same in detection-rules' nested JSON shape.
	nested := `{"metadata": {"creation_date": "2024/01/02", "maturity": "production"}, "rule": {"rule_id": "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11", "name": "n", "description": "d", "type": "query", "query": "a:1", "risk_score": 5, "severity": "medium", "interval": "1h", "from": "now-65m"}}`
	nr, err := rules.Parse("n.json", []byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	if nr.Interval != time.Hour || nr.Metadata.Maturity != "production" || nr.Source.Format != rules.FormatJSON {
		t.Errorf("nested JSON: %+v", nr)
	}
}

// TestCorpus loads every line of the shared extract of Elastic's kuery
// rules as a JSON rule.
func TestCorpus(t *testing.T) {
	path := corpus.Path(t, "corpus/elastic_kuery_rules.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	var lines, loaded, deprecated, nonUUID int
	types := map[rules.Type]int{}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for sc.Scan() {
		lines++
		name := filepath.Base(path) + ":" + itoa(lines)
		r, err := rules.ParseJSON(name, sc.Bytes())
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		loaded++
		types[r.Type]++
		if r.Deprecated() {
			deprecated++
		}
		if r.Source.Format != rules.FormatExtract || r.Query == "" || r.Language != "kuery" {
			t.Errorf("%s: format %q, language %q", name, r.Source.Format, r.Language)
		}
		if _, err := r.LookBack(); err != nil || r.Interval <= 0 || r.MaxSignals <= 0 {
			t.Errorf("%s: schedule %v %q %d: %v", name, r.Interval, r.From, r.MaxSignals, err)
		}
		for _, w := range r.Source.Warnings {
			if w.Field == "rule.rule_id" && !uuid.MatchString(r.RuleID) {
				nonUUID++
				continue
			}
			t.Errorf("unexpected warning %v", w)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d corpus rules load (%v; %d deprecated; %d with a rule_id that is not a UUID)", loaded, lines, types, deprecated, nonUUID)
	if lines != 792 || loaded != 792 {
		t.Errorf("loaded %d of %d lines, want 792 of 792", loaded, lines)
	}
	if want := map[rules.Type]int{"query": 507, "new_terms": 245, "threshold": 31, "threat_match": 9}; !cmp.Equal(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// FuzzParse feeds arbitrary bytes to Parse as TOML and as JSON: no panic,
// and either a rule that validates or an *Error with problems.
func FuzzParse(f *testing.F) {
	for _, p := range []string{ftpPath, "testdata/bad/several.toml", "testdata/bad/several.json", "testdata/bad/history_inconsistent.toml", "testdata/bad/syntax.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(goodTOML))
	f.Add([]byte(`{"rule_id":"x","risk_score":1e400,"threat":[{"tactic":"TA0001","techniques":[1]}],"file":"f"}`))
	f.Add([]byte("[rule]\nthreat = [{tactic = 1}]\nhistory = 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.toml", "f.json"} {
			r, err := rules.Parse(name, data)
			if err != nil {
				var rerr *rules.Error
				if r != nil || !errors.As(err, &rerr) || len(rerr.Problems) == 0 {
					t.Fatalf("%s: rule %v, error %T %v", name, r, err, err)
				}
				continue
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("%s: Parse accepted a rule Validate rejects: %v", name, err)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("%s: marshal: %v", name, err)
			}
		}
	})
}

// TestThreatProblems pins the problems and warnings of a threat table of
// the wrong shape, whose field names the decoder makes only for them.
func TestThreatProblems(t *testing.T) {
	src := goodTOML + `
[[rule.threat]]
framework = 1
odd = true

[rule.threat.tactic]
id = 2
name = "Command and Control"
reference = "https://attack.mitre.org/tactics/TA0011/"
extra = "x"

[[rule.threat.technique]]
id = "T1071"
name = 3
reference = "https://attack.mitre.org/techniques/T1071/"
more = 1

[[rule.threat.technique.subtechnique]]
id = 4
name = "Web Protocols"
reference = "https://attack.mitre.org/techniques/T1071/001/"

[[rule.threat.technique]]
id = "T1105"
name = "Ingress Tool Transfer"
reference = "https://attack.mitre.org/techniques/T1105/"
subtechnique = 5

[[rule.threat]]
framework = "MITRE ATT&CK"
tactic = "TA0011"
technique = [1]
`
	_, err := rules.Parse("r.toml", []byte(src))
	var re *rules.Error
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a *rules.Error", err)
	}
	want := `r.toml:18: rule.threat[0].framework: must be a string, got integer 1
r.toml:22: rule.threat[0].tactic.id: must be a string, got integer 2
r.toml:29: rule.threat[0].technique[0].name: must be a string, got integer 3
r.toml:34: rule.threat[0].technique[0].subtechnique[0].id: must be a string, got integer 4
r.toml:42: rule.threat[0].technique[1].subtechnique: must be an array of tables, got integer
r.toml:46: rule.threat[1].tactic: must be a table, got string "TA0011"
r.toml:46: rule.threat[1].tactic.id: required
r.toml:46: rule.threat[1].tactic.name: required
r.toml:46: rule.threat[1].tactic.reference: required
r.toml:47: rule.threat[1].technique[0]: must be a table, got integer 1`
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	r, _ := rules.Decode("r.toml", []byte(src))
	var warns []string
	for _, w := range r.Source.Warnings {
		warns = append(warns, w.String())
	}
	wantWarns := `r.toml:19: rule.threat[0].odd: unknown threat key, ignored
r.toml:25: rule.threat[0].tactic.extra: unknown key, ignored
r.toml:31: rule.threat[0].technique[0].more: unknown technique key, ignored`
	if got := strings.Join(warns, "\n"); got != wantWarns {
		t.Errorf("warnings\n%s\nwant\n%s", got, wantWarns)
	}
}

// TestThreatValidation pins the problems of threat fields whose values
// are wrong: ids, references, names, a subtechnique under another
// technique.
func TestThreatValidation(t *testing.T) {
	src := goodTOML + `
[[rule.threat]]
framework = "MITRE ATT&CK"

[rule.threat.tactic]
id = "TX0011"
name = ""
reference = "ftp://attack.mitre.org/tactics/TA0011/"

[[rule.threat.technique]]
id = "T1071"
name = "Application Layer Protocol"
reference = "https://attack.mitre.org/techniques/T1071/"

[[rule.threat.technique.subtechnique]]
id = "T1105.001"
name = "Web Protocols"
reference = "attack.mitre.org"

[[rule.threat.technique]]
id = "1105"
reference = "https://attack.mitre.org/techniques/T1105/"
`
	_, err := rules.Parse("r.toml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := `r.toml:21: rule.threat[0].tactic.id: must be a tactic id such as TA0011, got "TX0011"
r.toml:22: rule.threat[0].tactic.name: required
r.toml:23: rule.threat[0].tactic.reference: must be an http(s) URL, got "ftp://attack.mitre.org/tactics/TA0011/"
r.toml:31: rule.threat[0].technique[0].subtechnique[0].id: subtechnique T1105.001 is not under technique T1071
r.toml:33: rule.threat[0].technique[0].subtechnique[0].reference: must be an http(s) URL, got "attack.mitre.org"
r.toml:35: rule.threat[0].technique[1].name: required
r.toml:36: rule.threat[0].technique[1].id: must be a technique id such as T1048, got "1105"`
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestThreatValidationExtract is TestThreatValidation for a line of a
// rule extract, whose threats abbreviate tactics and techniques to ids.
func TestThreatValidationExtract(t *testing.T) {
	line := `{"file": "rules/x.toml", "name": "X", "rule_id": "43303fd4-4839-4e48-b2b2-803ab060758d", "type": "query", "language": "kuery", "index": ["logs-*"], "query": "a:b", "severity": "low", "risk_score": 21, "maturity": "production", "creation_date": "2020/02/18", "updated_date": "2022/09/13", "locked_version": 1, "tags": [], "threat": [{"framework": "MITRE ATT&CK", "tactic": "TX0011", "techniques": ["T1071", "1105"]}]}`
	_, err := rules.ParseJSON("x.jsonl", []byte(line))
	if err == nil {
		t.Fatal("no error")
	}
	want := `x.jsonl:1: rule.threat[0].tactic.id: must be a tactic id such as TA0011, got "TX0011"
x.jsonl:1: rule.threat[0].techniques[1].id: must be a technique id such as T1048, got "1105"`
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
