// Command ftp is kqlrules' main job: it replays every distinct version of
// the bundled "FTP (File Transfer Protocol) Activity to the Internet" rule
// over a sample of ECS network events, as Kibana's detection engine would
// have run each, and shows side by side which events each version alerts
// on and what each version adds or drops, with the reason.
//
//	go run ./examples/ftp               # the bundled sample, internal/sample/ftp_sample.ndjson
//	go run ./examples/ftp PATH...       # event files or directories instead (NDJSON or JSON arrays, .gz too; - is stdin)
//
// Versions that changed only the query's formatting (equal trees, ast.Equal)
// run as one; a version that changed the index patterns runs on its own.
package main

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/sample"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ftp:", err)
		os.Exit(1)
	}
}

// input returns the events to replay, read anew for each version: the
// bundled sample, or the files and directories given (.gz unpacked; "-"
// is standard input, read once and kept), and their names for the report.
func input(args []string) (func() iter.Seq2[events.Record, error], []string, error) {
	if len(args) == 0 {
		return func() iter.Seq2[events.Record, error] {
			return events.Read(sample.FTPSampleName, bytes.NewReader(sample.FTPSample))
		}, []string{sample.FTPSampleName}, nil
	}
	var stdin []byte
	for _, a := range args {
		if a == "-" {
			if stdin != nil {
				continue
			}
			b, err := io.ReadAll(os.Stdin)
			if err != nil {
				return nil, nil, err
			}
			stdin = b
			continue
		}
		if _, err := os.Stat(a); err != nil {
			return nil, nil, err
		}
	}
	return func() iter.Seq2[events.Record, error] {
		return events.ReadFiles(args, bytes.NewReader(stdin))
	}, args, nil
}

// verRun is a run of consecutive versions with the same query tree and
// index patterns, and what replaying it gave.
type verRun struct {
	versions []rules.Version
	prog     *eval.Program
	rep      *replay.Report
	alerted  map[string]*replay.Alert // by event id
}

func (v *verRun) label() string {
	first, last := v.versions[0].Number, v.versions[len(v.versions)-1].Number
	if first == last {
		return fmt.Sprintf("v%d", first)
	}
	return fmt.Sprintf("v%d-%d", first, last)
}

func (v *verRun) releases() string {
	first, last := v.versions[0].Release, v.versions[len(v.versions)-1].Release
	if first == last {
		return first
	}
	return first + "-" + last
}

// sameTree reports whether two queries parse to equal trees.
func sameTree(a, b string) bool {
	x, err1 := kql.Parse(a)
	y, err2 := kql.Parse(b)
	return err1 == nil && err2 == nil && ast.Equal(x, y)
}

// runs groups the history: same tree, split where the index changed.
func runs(h rules.History) []*verRun {
	var out []*verRun
	for _, g := range h.DistinctBy(sameTree) {
		for i, v := range g.Versions {
			if i == 0 || v.Has(rules.ChangeIndex) {
				out = append(out, &verRun{})
			}
			r := out[len(out)-1]
			r.versions = append(r.versions, v)
		}
	}
	return out
}

func run(args []string, w io.Writer) error {
	read, names, err := input(args)
	if err != nil {
		return err
	}
	rule := builtin.FTP()
	vrs := runs(rule.History)
	for _, vr := range vrs {
		v := vr.versions[0]
		var err error
		if vr.prog, err = kqlrules.Compile(v.Query); err != nil {
			return fmt.Errorf("version %d: %w", v.Number, err)
		}
		vr.rep, err = replay.Run(rule, read(), replay.WithVersion(v.Number))
		if err != nil {
			return err
		}
		vr.alerted = map[string]*replay.Alert{}
		for _, a := range vr.rep.Alerts {
			vr.alerted[a.ID] = a
		}
	}

	lb, _ := rule.LookBack()
	first := vrs[0].rep
	fmt.Fprintf(w, "%s\n", rule.Name)
	fmt.Fprintf(w, "rule %s, %d versions, %d distinct (query tree and index), every %s looking back %s, event time %s\n",
		rule.RuleID, len(rule.History), len(vrs), rules.FormatInterval(rule.Interval), rules.FormatInterval(lb), first.TimestampField)
	fmt.Fprintf(w, "events: %s: %d read, %d rejected, %d without a usable time\n",
		strings.Join(names, ", "), first.EventsRead, first.EventsRejected, first.EventsNoTime)

	printAlerts(w, vrs)
	printTable(w, vrs)
	printChanges(w, vrs)
	return nil
}

// printAlerts prints one line per alerted event, with a mark under each
// version that alerts on it.
func printAlerts(w io.Writer, vrs []*verRun) {
	all := map[string]*replay.Alert{}
	for _, vr := range vrs {
		for id, a := range vr.alerted {
			if _, ok := all[id]; !ok {
				all[id] = a
			}
		}
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := all[a].EventTime.Compare(all[b].EventTime); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	fmt.Fprintf(w, "\nAlerts: %d events alerted by at least one version (x: the version alerts)\n", len(ids))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"event", "time", "index", "source", "destination"}
	for _, vr := range vrs {
		head = append(head, vr.label())
	}
	head = append(head, "case")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, id := range ids {
		a := all[id]
		f := a.Event().Fields
		cols := []string{displayID(a), a.EventTime.Format(time.TimeOnly), a.Index, field(f, "source.ip"),
			hostPort(field(f, "destination.ip"), field(f, "destination.port"))}
		for _, vr := range vrs {
			mark := "."
			if vr.alerted[id] != nil {
				mark = "x"
			}
			cols = append(cols, mark)
		}
		cols = append(cols, field(f, "labels.case"))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
}

// printTable prints the per-version counts and the difference from the
// previous row.
func printTable(w io.Writer, vrs []*verRun) {
	fmt.Fprintf(w, "\nVersions\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "versions\tKibana\tchange\tin scope\tmatches\talerts\tadded\tdropped\t")
	var prev *verRun
	for _, vr := range vrs {
		added, dropped := "", ""
		if prev != nil {
			a, d := diff(prev, vr)
			added, dropped = fmt.Sprintf("+%d", len(a)), fmt.Sprintf("-%d", len(d))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t\n", vr.label(), vr.releases(), changes(vr.versions[0]),
			vr.rep.EventsInScope, vr.rep.Matches, vr.rep.AlertCount, added, dropped)
		prev = vr
	}
	tw.Flush()
	fmt.Fprintln(w, "(in scope: the index matches the version's patterns and the event has a time; matches count a re-shipped event twice, alerts once)")
}

func changes(v rules.Version) string {
	s := make([]string, len(v.Changes))
	for i, c := range v.Changes {
		s[i] = string(c)
	}
	return strings.Join(s, "+")
}

// diff returns the event ids alerted by b and not a, and by a and not b.
func diff(a, b *verRun) (added, dropped []string) {
	for id := range b.alerted {
		if a.alerted[id] == nil {
			added = append(added, id)
		}
	}
	for id := range a.alerted {
		if b.alerted[id] == nil {
			dropped = append(dropped, id)
		}
	}
	byTime := func(m map[string]*replay.Alert) func(x, y string) int {
		return func(x, y string) int {
			if c := m[x].EventTime.Compare(m[y].EventTime); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		}
	}
	slices.SortFunc(added, byTime(b.alerted))
	slices.SortFunc(dropped, byTime(a.alerted))
	return added, dropped
}

// printChanges lists, for each version against the one before, the events
// it adds and drops and why.
func printChanges(w io.Writer, vrs []*verRun) {
	fmt.Fprintf(w, "\nWhat each version adds (+) and drops (-)\n")
	for i := 1; i < len(vrs); i++ {
		prev, cur := vrs[i-1], vrs[i]
		added, dropped := diff(prev, cur)
		fmt.Fprintf(w, "%s (%s) against %s: %s", cur.label(), cur.releases(), prev.label(), changes(cur.versions[0]))
		if len(added)+len(dropped) == 0 {
			fmt.Fprintln(w, ": no change in alerts")
			continue
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, id := range added {
			a := cur.alerted[id]
			fmt.Fprintf(tw, "  + %s\t%s\t%s fails: %s\n", displayID(a), field(a.Event().Fields, "labels.case"), prev.label(), why(prev, a))
		}
		for _, id := range dropped {
			a := prev.alerted[id]
			fmt.Fprintf(tw, "  - %s\t%s\t%s fails: %s\n", displayID(a), field(a.Event().Fields, "labels.case"), cur.label(), why(cur, a))
		}
		tw.Flush()
	}
}

func displayID(a *replay.Alert) string {
	if len(a.ID) > 12 {
		return fmt.Sprintf("%s:%d", a.File, a.Line)
	}
	return a.ID
}

// why says why the version does not alert on the alert's event: its index,
// or the first part of its query that fails.
func why(vr *verRun, a *replay.Alert) string {
	if !replay.MatchIndex(vr.rep.Index, a.Index) {
		return fmt.Sprintf("index %s is not in %s", a.Index, strings.Join(vr.rep.Index, ", "))
	}
	t := vr.prog.Explain(a.Event().Fields)
	if t.Held {
		return "the query matches; the alert went to another execution or the cap"
	}
	return failed(t)
}

// failed describes why a trace node did not hold.
func failed(t *eval.Trace) string {
	switch t.Query {
	case "and":
		for _, c := range t.Children {
			if !c.Held {
				return failed(c)
			}
		}
	case "or":
		var parts []string
		for _, c := range t.Children {
			parts = append(parts, failed(c))
		}
		return strings.Join(parts, ", and ")
	case "not":
		return held(t.Children[0]) + " is excluded"
	}
	name, _, _ := strings.Cut(t.Query, ":")
	if len(t.Values) == 0 {
		return "no " + name
	}
	return name + " is " + values(t.Values)
}

// held describes why a trace node held.
func held(t *eval.Trace) string {
	switch t.Query {
	case "and":
		var parts []string
		for _, c := range t.Children {
			parts = append(parts, held(c))
		}
		return strings.Join(parts, " and ")
	case "or":
		for _, c := range t.Children {
			if c.Held {
				return held(c)
			}
		}
	case "not":
		return failed(t.Children[0])
	}
	name, _, _ := strings.Cut(t.Query, ":")
	return name + " " + values(t.Values)
}

func values(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// field returns the first value of a field, flat or nested, as text.
func field(fields map[string]any, name string) string {
	v, ok := eval.First(eval.Map(fields), eval.NewPath(name))
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

func hostPort(ip, port string) string {
	if port == "" {
		return ip
	}
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + port
	}
	return ip + ":" + port
}
