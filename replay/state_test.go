package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/internal/timesplit"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// queryMatcher matches a rule's query alone, as a rule set hands the
// replay the rules whose query matched (the replay tests filters,
// exceptions and indicators itself).
type queryMatcher []interface{ MatchEvent(eval.Event) bool }

func newQueryMatcher(t testing.TB, rs []*rules.Rule) queryMatcher {
	t.Helper()
	var m queryMatcher
	for _, r := range rs {
		if r.IsEQL() {
			p, err := r.EQLProgram()
			if err != nil {
				t.Fatal(err)
			}
			m = append(m, p)
			continue
		}
		s, err := replay.NewSearch(r.Query, nil)
		if err != nil {
			t.Fatal(err)
		}
		m = append(m, s)
	}
	return m
}

// line is an event of a test stream: its text and where it was read.
type line struct {
	json []byte
	no   int
}

// replayLines replays lines with rs, restoring state first when not nil
// and returning the state to save when save; the alerts are their
// documents, as JSON.
func replayLines(t testing.TB, rs []*rules.Rule, m queryMatcher, lines []line, state *replay.State, save bool, opts ...replay.RunOption) (alerts []string, reps []*replay.Report, next *replay.State) {
	t.Helper()
	opts = append(slices.Clip(opts), replay.WithAlertFunc(func(a *replay.Alert) error {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		alerts = append(alerts, string(b))
		return nil
	}))
	r, err := replay.NewReplay(rs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if state != nil {
		if _, err := r.Restore(state, "state.json"); err != nil {
			t.Fatal(err)
		}
	}
	var lazy events.Lazy
	var matched []int
	for _, l := range lines {
		lazy.Reset(l.json)
		matched = matched[:0]
		for i, q := range m {
			if q.MatchEvent(&lazy) {
				matched = append(matched, i)
			}
		}
		if err := r.Add(replay.Event{JSON: l.json, File: "events.ndjson", Line: l.no}, matched); err != nil {
			t.Fatal(err)
		}
	}
	if save {
		reps, next, err = r.FinishState()
	} else {
		reps, err = r.Finish()
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range reps {
		checkResumedCounts(t, rep)
	}
	return alerts, reps, next
}

// checkResumedCounts checks that a report's counts add up with the
// matches taken from and left to another run.
func checkResumedCounts(t testing.TB, r *replay.Report) {
	t.Helper()
	if r.Matches+r.MatchesResumed != r.MatchesAlerted+r.MatchesNotAlerted+r.AlertsLost+r.MatchesUnseen+r.DuplicateEvents+r.MatchesPending {
		t.Errorf("%s: matches %d + resumed %d != alerted %d + not alerted %d + lost %d + unseen %d + duplicates %d + pending %d", r.Rule, r.Matches, r.MatchesResumed, r.MatchesAlerted, r.MatchesNotAlerted, r.AlertsLost, r.MatchesUnseen, r.DuplicateEvents, r.MatchesPending)
	}
}

// timeSplits orders the lines by time and returns them with the points
// at which a stream can be cut into batches that come one after another
// (timesplit.Split).
func timeSplits(rs []*rules.Rule, lines []line) ([]line, []int) {
	texts := make([][]byte, len(lines))
	for i, l := range lines {
		texts[i] = l.json
	}
	order, cuts := timesplit.Split(rs, texts)
	sorted := make([]line, len(order))
	for i, j := range order {
		sorted[i] = lines[j]
	}
	return sorted, cuts
}

// checkSplitEqualsOne replays the lines in one run and, for each cut, in
// two runs with the state saved, encoded, decoded and restored between
// them, and compares the alerts (their documents, in any order). It
// returns the alerts of the one run.
func checkSplitEqualsOne(t *testing.T, rs []*rules.Rule, lines []line, cuts []int, opts ...replay.RunOption) []string {
	t.Helper()
	m := newQueryMatcher(t, rs)
	want, _, _ := replayLines(t, rs, m, lines, nil, false, opts...)
	slices.Sort(want)
	for _, c := range cuts {
		first, _, st := replayLines(t, rs, m, lines[:c], nil, true, opts...)
		data, err := st.Encode()
		if err != nil {
			t.Fatal(err)
		}
		st, err = replay.DecodeState(data, "state.json")
		if err != nil {
			t.Fatal(err)
		}
		second, _, _ := replayLines(t, rs, m, lines[c:], st, false, opts...)
		got := slices.Concat(first, second)
		slices.Sort(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("cut at line %d of %d: alerts of the two runs (-one run +split):\n%s", c, len(lines), d)
		}
	}
	return want
}

// readLines reads an NDJSON file's lines.
func readLines(t testing.TB, path string) []line {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []line
	for i, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 && json.Valid(l) {
			out = append(out, line{l, i + 1})
		}
	}
	return out
}

// TestStateRuleTypeScenarios: for every rule type scenario (query,
// threshold with history, cardinality and suppression, new terms,
// suppression per execution and over a duration, overrides, timestamp
// override), two runs split at every cut with --state give the alerts of
// one run.
func TestStateRuleTypeScenarios(t *testing.T) {
	for _, tc := range ruleTypeCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.parse(t)
			rs := []*rules.Rule{r}
			lines, cuts := timeSplits(rs, readLines(t, tc.eventsPath()))
			if len(cuts) == 0 {
				t.Fatal("no cut point")
			}
			if alerts := checkSplitEqualsOne(t, rs, lines, cuts, replay.WithAnyIndex()); len(alerts) == 0 {
				t.Error("no alert: the comparison proves nothing")
			}
		})
	}
}

// TestStateScenarios: the filter, exception and indicator match scenarios
// split at every cut.
func TestStateScenarios(t *testing.T) {
	for _, name := range []string{"filters", "legacy_filters", "threat_window", "multi_entry", "negate_entry", "exceptions"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "scenarios", name)
			r, opts := loadScenario(t, dir)
			rs := []*rules.Rule{r}
			lines, cuts := timeSplits(rs, readLines(t, filepath.Join(dir, "events.ndjson")))
			if alerts := checkSplitEqualsOne(t, rs, lines, cuts, opts...); len(alerts) == 0 {
				t.Error("no alert")
			}
			if len(cuts) == 0 {
				t.Fatal("no cut point")
			}
		})
	}
}

// TestStateEQL: an EQL event query, its tail of max_signals, and with
// alert suppression over a duration, split at every cut.
func TestStateEQL(t *testing.T) {
	var lines []line
	for i := range 40 {
		ev := fmt.Sprintf(`{"@timestamp":"2024-05-01T10:%02d:%02dZ","event":{"category":"process"},"process":{"name":"%c"},"host":{"name":"h%d"},"n":%d}`, i/4, (i%4)*15, 'a'+i%3, i%2, i)
		lines = append(lines, line{[]byte(ev), i + 1})
	}
	for _, extra := range []string{"", "max_signals = 2\n", "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 7\n"} {
		r := eqlRule(t, `process where process.name != "c"`, extra)
		rs := []*rules.Rule{r}
		sorted, cuts := timeSplits(rs, lines)
		if alerts := checkSplitEqualsOne(t, rs, sorted, cuts, replay.WithAnyIndex()); len(alerts) == 0 {
			t.Errorf("%q: no alert", extra)
		}
	}
}

// stateOf returns the state of a run of r over lines.
func stateOf(t *testing.T, rs []*rules.Rule, lines []line, opts ...replay.RunOption) *replay.State {
	t.Helper()
	_, _, st := replayLines(t, rs, newQueryMatcher(t, rs), lines, nil, true, opts...)
	return st
}

func scenarioRule(t *testing.T, name string) *rules.Rule {
	t.Helper()
	for _, tc := range ruleTypeCases() {
		if tc.name == name {
			return tc.parse(t)
		}
	}
	t.Fatalf("no scenario %s", name)
	return nil
}

// TestStateRefused: a state that is not this replay's is an error naming
// the file, never ignored.
func TestStateRefused(t *testing.T) {
	r := scenarioRule(t, "threshold_history")
	lines := readLines(t, filepath.Join("testdata", "ruletypes", "threshold_history.ndjson"))
	st := stateOf(t, []*rules.Rule{r}, lines, replay.WithAnyIndex())
	good, err := st.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "not a kqlrules replay state"},
		{"truncated", string(good[:len(good)/2]), "not a kqlrules replay state"},
		{"foreign", `{"rules": []}`, `kind ""`},
		{"foreign kind", `{"kind": "terraform", "version": 1}`, `kind "terraform"`},
		{"array", `[1, 2]`, "not a kqlrules replay state"},
		{"version", strings.Replace(string(good), `"version":1`, `"version":99`, 1), "version 99"},
		{"order", strings.Replace(string(good), `"order":"time"`, `"order":"sideways"`, 1), "order \"sideways\""},
		{"unknown field", strings.Replace(string(good), `"rules":[`, `"extra":1,"rules":[`, 1), "unknown field"},
		{"no fingerprint", regexp.MustCompile(`"fingerprint":"[0-9a-f]+"`).ReplaceAllString(string(good), `"fingerprint":""`), "no fingerprint"},
		{"trailing", string(good) + "{}", "not a kqlrules replay state"},
		{"gzip", "\x1f\x8b\x08garbage", "corrupt gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := replay.DecodeState([]byte(tc.data), "hour.state")
			var se *replay.StateError
			if !errors.As(err, &se) || se.File != "hour.state" || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "hour.state: ") {
				t.Errorf("got %v, want a StateError naming hour.state and saying %q", err, tc.want)
			}
		})
	}

	restore := func(rs []*rules.Rule, opts ...replay.RunOption) (*replay.Resumed, error) {
		rp, err := replay.NewReplay(rs, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return rp.Restore(st, "hour.state")
	}
	// the rule changed: its fingerprint differs
	changed := *r
	changed.Query = "event.category:authentication"
	if _, err := restore([]*rules.Rule{&changed}, replay.WithAnyIndex()); err == nil || !strings.Contains(err.Error(), "hour.state: replay state: rule "+r.RuleID+" (Scenario) changed") {
		t.Errorf("changed rule: %v", err)
	}
	// the other order
	if _, err := restore([]*rules.Rule{r}, replay.WithAnyIndex(), replay.WithArrivalOrder()); err == nil || !strings.Contains(err.Error(), "time order") {
		t.Errorf("arrival order: %v", err)
	}
	// added and removed rules are reported
	other := *r
	other.RuleID, other.Name = "other", "Other"
	res, err := restore([]*rules.Rule{&other}, replay.WithAnyIndex())
	if err != nil {
		t.Fatal(err)
	}
	if want := (&replay.Resumed{Added: []string{"other"}, Removed: []string{r.RuleID}}); !cmp.Equal(want, res) {
		t.Errorf("resumed %+v, want %+v", res, want)
	}
	res, err = restore([]*rules.Rule{r, &other}, replay.WithAnyIndex())
	if err != nil {
		t.Fatal(err)
	}
	if want := (&replay.Resumed{Restored: []string{r.RuleID}, Added: []string{"other"}}); !cmp.Equal(want, res) {
		t.Errorf("resumed %+v, want %+v", res, want)
	}
	// once, before the first event
	rp, err := replay.NewReplay([]*rules.Rule{r}, replay.WithAnyIndex())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Restore(st, "hour.state"); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Restore(st, "hour.state"); err == nil {
		t.Error("a second Restore: no error")
	}
	// a corrupt rule state: a schedule off the rule's interval, a hit
	// that is not an event
	for _, bad := range []struct {
		edit func(rule map[string]any)
		want string
	}{
		{func(rule map[string]any) {
			sc := rule["schedule"].(map[string]any)
			sc["next"] = sc["next"].(float64) + 1
		}, "not on the rule's interval"},
		{func(rule map[string]any) { rule["hits"].([]any)[0].(map[string]any)["event"] = []int{1} }, "an event must be a JSON object"},
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		bad.edit(m["rules"].([]any)[0].(map[string]any))
		text, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		st, err := replay.DecodeState([]byte(text), "hour.state")
		if err != nil {
			t.Fatal(err)
		}
		rp, err := replay.NewReplay([]*rules.Rule{r}, replay.WithAnyIndex())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.Restore(st, "hour.state"); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.HasPrefix(err.Error(), "hour.state: ") {
			t.Errorf("%v, want %q", err, bad.want)
		}
	}
}

// TestStateFile: WriteFile and ReadStateFile round trip, gzip'd or not;
// a missing file is fs.ErrNotExist (a first run).
func TestStateFile(t *testing.T) {
	r := scenarioRule(t, "newterms_window")
	lines := readLines(t, filepath.Join("testdata", "ruletypes", "newterms_window.ndjson"))
	st := stateOf(t, []*rules.Rule{r}, lines[:len(lines)/2], replay.WithAnyIndex())
	dir := t.TempDir()
	for _, name := range []string{"s.json", "s.json.gz"} {
		p := filepath.Join(dir, name)
		if err := st.WriteFile(p); err != nil {
			t.Fatal(err)
		}
		got, err := replay.ReadStateFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(st, got) {
			t.Errorf("%s: %s", name, cmp.Diff(st, got))
		}
	}
	if _, err := replay.ReadStateFile(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzDecodeState: the state decoder, and restoring what it accepts,
// never panic.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"kind":"kqlrules replay state","version":1,"order":"time","rules":[]}`))
	f.Add([]byte(`{"kind":"kqlrules replay state","version":1,"order":"time","rules":[{"rule_id":"0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11","fingerprint":"x","schedule":{"started":true,"next":5},"hits":[{"t":1,"index":"i","id":"a","event":{"a":1}}],"executor":{"history":{"a":[1,2]}}}]}`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Add([]byte(`{"kind":"kqlrules replay state","version":2}`))
	r, err := rules.ParseTOML("t.toml", []byte(ruleTOML("threshold", "host.name:*", "now-10m", "[rule.threshold]\nfield = \"host.name\"\nvalue = 2\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n")))
	if err != nil {
		f.Fatal(err)
	}
	rp, err := replay.NewReplay([]*rules.Rule{r})
	if err != nil {
		f.Fatal(err)
	}
	_, good, _ := rp.FinishState()
	if data, err := good.Encode(); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := replay.DecodeState(data, "f")
		if err != nil {
			return
		}
		// with the fingerprint of the rule, restoring it must not panic
		for i := range st.Rules {
			st.Rules[i].RuleID, st.Rules[i].Fingerprint = r.RuleID, good.Rules[0].Fingerprint
		}
		rp, err := replay.NewReplay([]*rules.Rule{r})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.Restore(st, "f"); err != nil {
			return
		}
		rp.Add(replay.Event{JSON: []byte(`{"@timestamp":"2024-01-01T00:00:00Z","host":{"name":"a"}}`), File: "e", Line: 1}, []int{0})
		rp.Finish()
	})
}

// propertyRules are rules of every type the replay resumes: a query rule,
// a threshold with its signal history, a threshold with suppression over
// a duration, new terms, suppression per execution and over a duration,
// and an EQL event query with max_signals 2.
func propertyRules(t *testing.T, interval, from string) []*rules.Rule {
	t.Helper()
	var rs []*rules.Rule
	for i, tc := range []struct{ typ, query, extra string }{
		{"query", "event.category:network", ""},
		{"threshold", "event.category:network", "[rule.threshold]\nfield = \"host.name\"\nvalue = 2\n"},
		{"threshold", "event.category:*", "[rule.threshold]\nfield = \"user.name\"\nvalue = 2\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 12\n"},
		{"new_terms", "event.category:*", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\", \"user.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-40m\"\n"},
		{"query", "event.category:process", "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\nmissing_fields_strategy = \"suppress\"\n"},
		{"query", "event.category:network", "[rule.alert_suppression]\ngroup_by = [\"user.name\"]\nmissing_fields_strategy = \"doNotSuppress\"\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 9\n"},
		{"eql", `process where host.name != "h0"`, "language = \"eql\"\nmax_signals = 2\n"},
	} {
		text := strings.Replace(ruleTOML(tc.typ, tc.query, from, tc.extra), `interval = "5m"`, `interval = "`+interval+`"`, 1)
		text = strings.Replace(text, "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11", fmt.Sprintf("rule-%d", i), 1)
		r, err := rules.ParseTOML(fmt.Sprintf("r%d.toml", i), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// synthLine is a generated event: its second from 10:00, host, user
// (missing for -1), category and _id (ids repeat: duplicates).
type synthLine struct {
	Sec, Host, User, Cat, ID int
}

func (s synthLine) json() []byte {
	user := ""
	if s.User >= 0 {
		user = fmt.Sprintf(`,"user":{"name":"u%d"}`, s.User)
	}
	return fmt.Appendf(nil, `{"_index":"logs-a","_id":"e%d","@timestamp":"2024-05-01T%02d:%02d:%02dZ","event":{"category":%q},"host":{"name":"h%d"}%s}`,
		s.ID, 10+s.Sec/3600, s.Sec/60%60, s.Sec%60, []string{"network", "process"}[s.Cat], s.Host, user)
}

// TestStateSplitProperty is a property over random events, schedules and
// cut points: two runs with the state between them give the alerts of one
// run, in time order (events in any order within each batch) and in
// arrival order (events sorted).
func TestStateSplitProperty(t *testing.T) {
	seed := proptest.Seed(t, "./replay")
	p := gopter.DefaultTestParametersWithSeed(seed)
	p.MinSuccessfulTests = 60
	genLine := gopter.CombineGens(gen.IntRange(0, 2*3600-1), gen.IntRange(0, 2), gen.IntRange(-1, 2), gen.IntRange(0, 1), gen.IntRange(0, 40)).
		Map(func(v []any) synthLine { return synthLine{v[0].(int), v[1].(int), v[2].(int), v[3].(int), v[4].(int)} })
	props := gopter.NewProperties(p)
	props.Property("split equals one run", prop.ForAll(
		func(evs []synthLine, cutAt float64, interval, from string, arrival bool) string {
			rs := propertyRules(t, interval, from)
			m := newQueryMatcher(t, rs)
			lines := make([]line, len(evs))
			for i, e := range evs {
				lines[i] = line{e.json(), i + 1}
			}
			sorted, cuts := timeSplits(rs, lines)
			if len(cuts) == 0 {
				return ""
			}
			c := cuts[int(cutAt*float64(len(cuts)))%len(cuts)]
			var opts []replay.RunOption
			if arrival {
				opts = append(opts, replay.WithArrivalOrder())
			} else {
				// time order: any order within each run
				slices.Reverse(sorted[:c])
				slices.Reverse(sorted[c:])
			}
			want, _, _ := replayLines(t, rs, m, sorted, nil, false, opts...)
			first, _, st := replayLines(t, rs, m, sorted[:c], nil, true, opts...)
			data, err := st.Encode()
			if err != nil {
				return err.Error()
			}
			if st, err = replay.DecodeState(data, "s"); err != nil {
				return err.Error()
			}
			second, _, _ := replayLines(t, rs, m, sorted[c:], st, false, opts...)
			got := slices.Concat(first, second)
			slices.Sort(want)
			slices.Sort(got)
			if d := cmp.Diff(want, got); d != "" {
				return fmt.Sprintf("cut at %d of %d: -one run +split:\n%s", c, len(sorted), d)
			}
			return ""
		},
		gen.SliceOfN(60, genLine),
		gen.Float64Range(0, 1),
		gen.OneConstOf("1m", "5m", "7m"),
		gen.OneConstOf("now-5m", "now-6m", "now-15m"),
		gen.Bool(),
	))
	if !props.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}
