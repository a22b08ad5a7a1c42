package ruleset_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// synthRules are a few query rules of different shapes: an indexed term,
// a range, a rule no term selects, a threshold and one that matches
// nothing.
func synthRules(t testing.TB) []*rules.Rule {
	t.Helper()
	mk := func(id, query string) *rules.Rule {
		return &rules.Rule{RuleID: id, Name: id, Description: "d", Type: rules.TypeQuery, Language: rules.LanguageKuery,
			Query: query, Index: []string{"logs-*"}, Interval: 5 * time.Minute, From: "now-9m", MaxSignals: 100,
			RiskScore: 21, Severity: rules.SeverityLow}
	}
	th := mk("threshold", "event.category:network")
	th.Type = rules.TypeThreshold
	th.Threshold = &rules.Threshold{Field: []string{"host.name"}, Value: 5}
	return []*rules.Rule{
		mk("port21", "destination.port:21"),
		mk("range", "destination.port >= 1000 and host.name:h1"),
		mk("any", "not event.category:process"),
		th,
		mk("never", "destination.port:99999"),
	}
}

// badLines are the bad lines synthEvents writes, in turn: not JSON at
// the start, and lines that are JSON but for one fault, in a value a rule
// reads or one no rule reads, or after the object.
var badLines = []string{
	"{not json", `{"destination.port":21,}`, `{"host":{"name":"h1" "x":1}}`, "{\"event.category\":\"net\twork\"}",
	`{"destination.port":21} x`, `{"x":[1,]}`, `{"x":{"y":01}}`, "{\"host.name\x01\":\"h1\"}",
}

// synthEvents writes n events over a few hours, out of order (every
// seventh event goes back in time), with a bad line at each bad index
// (badLines in turn).
func synthEvents(n int, bad ...int) []byte {
	var b bytes.Buffer
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if k := slices.Index(bad, i); k >= 0 {
			b.WriteString(badLines[k%len(badLines)] + "\n")
			continue
		}
		off := time.Duration(i) * 3 * time.Second
		if i%7 == 0 {
			off -= 20 * time.Minute
		}
		fmt.Fprintf(&b, `{"@timestamp":%q,"_index":"logs-x","_id":"e%d","destination.port":%d,"host.name":"h%d","event.category":%q}`+"\n",
			t0.Add(off).Format(time.RFC3339), i, []int{21, 80, 1234, 21, 5000}[i%5], i%3, []string{"network", "process"}[i%2])
	}
	return b.Bytes()
}

// rawOf reads the text as package events does, for Set.Replay.
func rawOf(text []byte) iter.Seq2[events.Raw, error] {
	return events.ReadRaw("synth.ndjson", bytes.NewReader(text))
}

// uncheckedOf reads the text as rawOf does, leaving each line to be
// checked by Set.Replay, as the command line does.
func uncheckedOf(text []byte) iter.Seq2[events.Raw, error] {
	return events.ReadRawUnchecked("synth.ndjson", bytes.NewReader(text))
}

// runEach is the reference: each rule replayed alone by replay.Run, its
// alerts' UUIDs in order.
func runEach(t *testing.T, rs []*rules.Rule, text []byte, opts ...replay.RunOption) ([]*replay.Report, [][]string) {
	t.Helper()
	var reps []*replay.Report
	var alerts [][]string
	for _, r := range rs {
		var ids []string
		rep, err := replay.Run(r, events.Read("synth.ndjson", bytes.NewReader(text)), append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
			ids = append(ids, a.UUID)
			return nil
		}))...)
		if err != nil {
			t.Fatal(err)
		}
		reps, alerts = append(reps, rep), append(alerts, ids)
	}
	return reps, alerts
}

// TestSetReplayPipeline: thousands of events over many batches, bad
// lines mid-stream (checked by the reader, or unchecked and checked by
// the pipeline), time and arrival order, every worker count: the
// pipeline's reports (with the bad lines' errors) and alerts are those of
// each rule replayed alone.
func TestSetReplayPipeline(t *testing.T) {
	rs := synthRules(t)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	bad := []int{1, 777, 1200, 2048, 3001, 3500, 4100, 4999}
	text := synthEvents(5000, bad...)
	for _, order := range []struct {
		name string
		opts []replay.RunOption
	}{{"time", nil}, {"arrival", []replay.RunOption{replay.WithArrivalOrder()}}, {"time spilled", []replay.RunOption{replay.WithSortMemory(64 << 10)}}} {
		wantReps, wantAlerts := runEach(t, rs, text, order.opts...)
		if wantReps[0].AlertCount == 0 || wantReps[3].AlertCount == 0 {
			t.Fatalf("%s: the reference alerts nothing: the test proves little", order.name)
		}
		for workers := 1; workers <= 8; workers++ {
			read, how := rawOf, "checked"
			if workers%2 == 0 {
				read, how = uncheckedOf, "unchecked"
			}
			alerts := make([][]string, len(rs))
			progress := 0
			res, err := set.Replay(context.Background(), read(text), ruleset.ReplayConfig{
				Workers:  workers,
				Progress: func(n int) { progress = n },
				Options: append(slices.Clone(order.opts), replay.WithAlertFunc(func(a *replay.Alert) error {
					i := slices.Index(rs, a.Rule())
					alerts[i] = append(alerts[i], a.UUID)
					return nil
				})),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.EventsRead != 5000 || res.EventsRejected != len(bad) || progress != 5000 {
				t.Errorf("%s, %d workers, %s: read %d rejected %d progress %d, want 5000 %d 5000", order.name, workers, how, res.EventsRead, res.EventsRejected, progress, len(bad))
			}
			for i, r := range rs {
				if !reflect.DeepEqual(res.Reports[i], wantReps[i]) {
					t.Errorf("%s, %d workers, %s, %s: report\n%+v\nRun's\n%+v", order.name, workers, how, r.Name, res.Reports[i], wantReps[i])
				}
				if !slices.Equal(alerts[i], wantAlerts[i]) {
					t.Errorf("%s, %d workers, %s, %s: %d alerts, Run's %d", order.name, workers, how, r.Name, len(alerts[i]), len(wantAlerts[i]))
				}
			}
		}
	}
}

// TestSetReplayTimeOrder: in time order, the events in any order give the
// same alerts.
func TestSetReplayTimeOrder(t *testing.T) {
	rs := synthRules(t)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	text := synthEvents(3000)
	lines := bytes.SplitAfter(text, []byte("\n"))
	slices.Reverse(lines)
	reversed := bytes.Join(lines, nil)
	count := func(text []byte) []int {
		res, err := set.Replay(context.Background(), rawOf(text), ruleset.ReplayConfig{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		var n []int
		for _, r := range res.Reports {
			n = append(n, r.AlertCount)
		}
		return n
	}
	if a, b := count(text), count(reversed); !slices.Equal(a, b) || a[0] == 0 {
		t.Errorf("alerts forward %v, reversed %v", a, b)
	}
}

// TestSetReplayCancel: a cancelled context ends the run with its error
// and the reports so far; an alert function's error ends it too.
func TestSetReplayCancel(t *testing.T) {
	rs := synthRules(t)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	text := synthEvents(20000)
	ctx, cancel := context.WithCancel(context.Background())
	res, err := set.Replay(ctx, rawOf(text), ruleset.ReplayConfig{Workers: 3, Progress: func(n int) {
		if n >= 1000 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || res == nil || res.EventsRead >= 20000 || res.EventsRead < 1000 {
		t.Errorf("cancelled: err %v, read %v", err, res)
	}
	stop := errors.New("stop")
	_, err = set.Replay(context.Background(), rawOf(text), ruleset.ReplayConfig{Workers: 3,
		Options: []replay.RunOption{replay.WithArrivalOrder(), replay.WithAlertFunc(func(*replay.Alert) error { return stop })}})
	if !errors.Is(err, stop) {
		t.Errorf("alert function: %v", err)
	}
	// a read error that is not a bad line ends the run
	broken := func(yield func(events.Raw, error) bool) {
		for raw, err := range rawOf(text[:10000]) {
			if !yield(raw, err) {
				return
			}
		}
		yield(events.Raw{}, os.ErrClosed)
	}
	if _, err = set.Replay(context.Background(), broken, ruleset.ReplayConfig{}); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read error: %v", err)
	}
}

// TestTreeReplay loads Elastic's whole rules tree and replays it through
// the pipeline over the Beats corpus: each rule's report and alerts are
// those of replay.Run for that rule alone (every query rule, one in five of
// the other types); the corpus and its lines reversed give the same alerts
// in time order (more than 400), and arrival order gives the 21 alerts of
// the arrival model.
func TestTreeReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: every query rule of the tree run alone too")
	}
	files, err := ruleset.Load(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2192 {
		t.Errorf("%d rule files, want the 2192 of rules/ and rules_building_block/", len(files))
	}
	seqs := 0 // the sequences and samples replayed
	for _, f := range files {
		if f.Status == ruleset.Loaded && f.Rule.Type == rules.TypeEQL {
			if q, err := f.Rule.EQLQuery(); err == nil && !isEventQuery(q) {
				seqs++
			}
		}
		switch {
		case f.Status == ruleset.Failed:
			t.Errorf("%s: %v", f.Where(), f.Err)
		case f.Status == ruleset.Skipped && f.Reason == "":
			t.Errorf("%s: skipped without a reason", f.Where())
		case f.Status == ruleset.Loaded && f.Rule.Language != rules.LanguageKuery && f.Rule.Type != rules.TypeEQL:
			t.Errorf("%s: a %s rule in %s loaded", f.Where(), f.Rule.Type, f.Rule.Language)
		case f.Status == ruleset.Skipped && f.Rule.Type == rules.TypeEQL:
			t.Errorf("%s: an EQL rule skipped: %s", f.Where(), f.Reason)
		case f.Status == ruleset.Skipped && f.Rule.Type == rules.TypeQuery && f.Rule.Language == rules.LanguageKuery &&
			!strings.Contains(f.Reason, "not supported") && !strings.Contains(f.Reason, "not replayed"):
			t.Errorf("%s: a KQL query rule skipped: %s", f.Where(), f.Reason)
		}
	}
	if seqs != 220 {
		t.Errorf("%d EQL sequences and samples replayed, want the tree's 217 and 3", seqs)
	}
	rs := ruleset.Rules(files)
	set, err := ruleset.FromFiles(files) // as run --rules makes it
	if err != nil {
		t.Fatal(err)
	}
	path := corpus.Path(t, "corpus/beats_events.ndjson")
	replayFile := func(path string, opts ...replay.RunOption) (*ruleset.Result, map[string][]string, int) {
		alerts := map[string][]string{} // rule_id: alert UUIDs
		n := 0
		res, err := set.Replay(context.Background(), events.ReadRawFiles([]string{path}, nil), ruleset.ReplayConfig{
			Options: append(opts, replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
				id := a.Rule().RuleID
				alerts[id] = append(alerts[id], a.UUID)
				n++
				return nil
			})),
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, alerts, n
	}
	res, alerts, total := replayFile(path)
	// the race detector makes each pass many times slower: the passes
	// over the reversed corpus and in arrival order are left to the
	// normal run
	if !raceEnabled {
		checkOrders(t, path, replayFile, alerts, total)
	}

	// Each comparison costs a run of its own over the corpus: every query
	// rule and one in five of the other types (new terms keep a history)
	// are compared, one in twenty of each under the race detector, which
	// makes matching many times slower; the FTP rule always.
	queryStep, otherStep, eqlStep := 1, 5, 40
	if raceEnabled {
		queryStep, otherStep, eqlStep = 20, 100, 400
	}
	var recs []events.Record // decoded once for every Run
	for rec, err := range events.ReadFiles([]string{path}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	queries, others, eqls, sawFTP := 0, 0, 0, false
	for i, r := range rs {
		ftp := strings.Contains(r.Name, "FTP (File Transfer Protocol)")
		sawFTP = sawFTP || ftp
		switch r.Type {
		case rules.TypeQuery:
			if queries++; queries%queryStep != 0 && !ftp {
				continue
			}
		case rules.TypeEQL: // 861 EQL event queries: one in forty
			if eqls++; eqls%eqlStep != 0 {
				continue
			}
		default:
			if others++; others%otherStep != 0 {
				continue
			}
		}
		var own []string
		want, err := replay.Run(r, recordsOf(recs), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
			own = append(own, a.UUID)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Reports[i], want) {
			t.Errorf("%s: the set's report differs from Run's:\n got %+v\nwant %+v", r.Name, res.Reports[i], want)
		}
		if !slices.Equal(alerts[r.RuleID], own) {
			t.Errorf("%s: alerts %v, Run's %v", r.Name, alerts[r.RuleID], own)
		}
		if ftp && res.Reports[i].AlertCount != 11 {
			t.Errorf("%s: %d alerts, want 11", r.Name, res.Reports[i].AlertCount)
		}
	}
	if !sawFTP {
		t.Error("the FTP rule is not among the replayed rules")
	}
}

// checkOrders checks that the corpus and its lines reversed give the same
// alerts in time order, more than 400, and that arrival order gives the 21
// alerts of the arrival model.
func checkOrders(t *testing.T, path string, replayFile func(string, ...replay.RunOption) (*ruleset.Result, map[string][]string, int), alerts map[string][]string, total int) {
	// the same lines reversed: the same alerts in time order
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(bytes.TrimRight(data, "\n"), []byte("\n"))
	slices.Reverse(lines)
	for i, l := range lines {
		lines[i] = append(bytes.TrimRight(slices.Clip(l), "\n"), '\n')
	}
	rev := filepath.Join(t.TempDir(), "reversed.ndjson")
	if err := os.WriteFile(rev, bytes.Join(lines, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	_, revAlerts, revTotal := replayFile(rev)
	if total <= 400 || revTotal != total {
		t.Errorf("time order: %d alerts, reversed %d; want the same, more than 400", total, revTotal)
	}
	for id, uuids := range alerts {
		a, b := slices.Sorted(slices.Values(uuids)), slices.Sorted(slices.Values(revAlerts[id]))
		if !slices.Equal(a, b) {
			t.Errorf("rule %s: %d alerts, reversed %d", id, len(a), len(b))
		}
	}
	if _, _, n := replayFile(path, replay.WithArrivalOrder()); n != 21 {
		t.Errorf("arrival order: %d alerts, want 21", n)
	}
}

// recordsOf returns decoded events as a sequence for replay.Run.
func recordsOf(recs []events.Record) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// isEventQuery reports whether an EQL query is an event query (not a
// sequence or a sample).
func isEventQuery(q *eql.Query) bool {
	_, ok := q.Body.(*eql.EventFilter)
	return ok
}

// TestSetReplayConcurrent: replays of two sets of different sizes at once,
// profiled, share the pipeline's reused batches (and the per-rule times
// they carry): each gives the reports it gives alone, and one sampled time
// a rule of its own set.
func TestSetReplayConcurrent(t *testing.T) {
	rs := synthRules(t)
	text := synthEvents(3000, 10)
	var sets []*ruleset.Set
	for _, r := range [][]*rules.Rule{rs, rs[:2]} {
		set, err := ruleset.New(r)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, set)
	}
	replayOf := func(set *ruleset.Set) (*ruleset.Result, error) {
		return set.Replay(context.Background(), rawOf(text), ruleset.ReplayConfig{Workers: 2, Profile: true})
	}
	var want [][]*replay.Report
	for _, set := range sets {
		res, err := replayOf(set)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res.Reports)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			set := sets[g%2]
			res, err := replayOf(set)
			switch {
			case err != nil:
			case len(res.Spent) != set.Len():
				err = fmt.Errorf("set of %d rules: %d times spent", set.Len(), len(res.Spent))
			case !reflect.DeepEqual(res.Reports, want[g%2]):
				err = fmt.Errorf("set of %d rules: reports differ from a replay alone", set.Len())
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
