package replay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestPrepareAnswersAsRunner: Prepare, which makes no runner for a rule
// whose executor refuses nothing (plainExecutor), refuses exactly the
// rules the full runner refuses, with the same error, and keeps the same
// parts (a parsed query, a sequence plan); plainExecutor holds only of
// rules whose executor is a query's, a suppressed query's or an EQL event
// query's. Over hand-made rules and every rule of Elastic's tree when
// present.
func TestPrepareAnswersAsRunner(t *testing.T) {
	var rs []*rules.Rule
	base := rules.Rule{Name: "r", RuleID: "id", Interval: time.Minute, From: "now-2m"}
	add := func(f func(r *rules.Rule)) {
		r := base
		f(&r)
		rs = append(rs, &r)
	}
	add(func(r *rules.Rule) { r.Query = "a:1" })
	add(func(r *rules.Rule) { r.Query = "a:1"; r.Interval = time.Microsecond })
	add(func(r *rules.Rule) { r.Query = "a:1"; r.Interval = -time.Minute })
	add(func(r *rules.Rule) { r.Query = "a:1"; r.From = "yesterday" })
	add(func(r *rules.Rule) { r.Query = "a:(1" })
	add(func(r *rules.Rule) {
		r.Query = "a:1"
		r.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}}
	})
	add(func(r *rules.Rule) { r.Query = "a:1"; r.Type = rules.TypeThreshold })
	add(func(r *rules.Rule) { r.Query = "a:1"; r.Type = rules.TypeNewTerms })
	add(func(r *rules.Rule) { r.Query = "a:1"; r.Type = rules.TypeThreatMatch })
	for _, q := range []string{`process where true`, `process where true | head 2`, `sequence [process where true] [file where true]`,
		`sequence by host.name [process where true] until [file where true]`, `sample by host.name [process where true] [file where true]`, `process where (`} {
		add(func(r *rules.Rule) { r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, q })
		add(func(r *rules.Rule) {
			r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, q
			r.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}}
		})
	}
	hand := len(rs)
	dir := filepath.Join(corpus.Dir(), "detection-rules")
	if _, err := os.Stat(dir); corpus.Dir() == "" || err != nil {
		t.Log("Elastic's tree (../shared/detection-rules) is absent: the hand-made rules only")
	} else {
		paths, err := rules.FindFiles(dir) // its rules/ and rules_building_block/
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := rules.Parse(path, data); err == nil {
				rs = append(rs, r)
			}
		}
		if len(rs)-hand < 1000 {
			t.Errorf("only %d rules of the tree", len(rs)-hand)
		}
	}
	plain, filtered := 0, 0
	for _, r := range rs {
		prep, perr := Prepare(r)
		var rn *runner
		err := Supported(r)
		if err == nil {
			rn, err = newRunner(r, nil)
		}
		if (perr == nil) != (err == nil) || perr != nil && perr.Error() != err.Error() {
			t.Errorf("%s (%s): Prepare: %v; runner: %v", r.Name, r.Query, perr, err)
			continue
		}
		if err != nil {
			continue
		}
		switch rn.exec.(type) {
		case queryExec, *suppressExec, *eqlExec:
		default:
			if plainExecutor(r, rn.eqlq) {
				t.Errorf("%s: plainExecutor, but the executor is %T", r.Name, rn.exec)
			}
		}
		if plainExecutor(r, rn.eqlq) {
			plain++
		}
		want := newPreparedOf(r, rn)
		got, wantEQL := prep.parsed, want.parsed
		if got == nil {
			got = &preparedEQL{}
		}
		if wantEQL == nil {
			wantEQL = &preparedEQL{}
		}
		if (got.q == nil) != (wantEQL.q == nil) || prep.text != want.text || (got.plan == nil) != (wantEQL.plan == nil) || got.req != wantEQL.req {
			t.Errorf("%s: Prepare kept q %v, text %v, plan %v, req %v; the runner's %v, %v, %v, %v", r.Name,
				got.q != nil, prep.text != "", got.plan != nil, got.req, wantEQL.q != nil, want.text != "", wantEQL.plan != nil, wantEQL.req)
		}
		if (prep.parsed == nil) != (got.q == nil) {
			t.Errorf("%s: Prepare kept the EQL of a query it did not keep parsed", r.Name)
		}
		if prep.Program().String() != want.Program().String() {
			t.Errorf("%s: Prepare compiled %s, the runner %s", r.Name, prep.Program(), want.Program())
		}
		if (prep.threat == nil) != (want.threat == nil) || (prep.filters == nil) != (want.filters == nil) {
			t.Errorf("%s: Prepare kept filters %v, threat_filters %v; the runner's %v, %v", r.Name,
				prep.filters != nil, prep.threat != nil, want.filters != nil, want.threat != nil)
		}
		if prep.filters != nil || prep.threat != nil {
			filtered++
			// a runner given the Prepared reads the filters from it, and
			// searches as one that reads them itself
			prn, err := newRunner(r, []RunOption{withPrepared(prep)})
			if err != nil {
				t.Fatalf("%s: runner given the Prepared: %v", r.Name, err)
			}
			if got, want := searchText(prn), searchText(rn); got != want {
				t.Errorf("%s: the search given the Prepared is %s, else %s", r.Name, got, want)
			}
		}
	}
	if plain == 0 || filtered == 0 {
		t.Errorf("%d rules had a plain executor, %d filters or threat_filters", plain, filtered)
	}
}

// searchText is the search of a runner, and the indicator search of an
// indicator match rule's, as text.
func searchText(rn *runner) string {
	text := func(s *Search) string {
		if s.filters == nil {
			return s.query.String()
		}
		return s.query.String() + " filters " + s.filters.String()
	}
	if rn.threat == nil {
		return text(rn.search)
	}
	return text(rn.search) + " indicators " + text(rn.threat.query)
}

// newPreparedOf is what Prepare kept of a full runner before it made
// none for a plain executor.
func newPreparedOf(r *rules.Rule, rn *runner) *Prepared {
	seq, _ := rn.exec.(*seqExec)
	filters, err := KibanaFilters(r.Filters)
	if err != nil {
		panic(err) // the runner read them
	}
	return newPrepared(r, rn.search.Query(), rn.eqlq, seq, filters, rn.threat)
}

// TestPreparedFilters: a runner reads filters and threat_filters from the
// Prepared only when they are the text Prepare read; a rule whose
// filters changed since reads its own, an error in them is the runner's
// as without the Prepared, and the exception filters a runner adds to
// them are its own.
func TestPreparedFilters(t *testing.T) {
	term := func(f, v string) string { return `{"query":{"match_phrase":{"` + f + `":"` + v + `"}}}` }
	raw := func(filters []string) []json.RawMessage {
		var out []json.RawMessage
		for _, f := range filters {
			out = append(out, json.RawMessage(f))
		}
		return out
	}
	rule := func(filters, threat []string) *rules.Rule {
		return &rules.Rule{Name: "r", RuleID: "id", Interval: time.Minute, From: "now-2m", Query: "a:1",
			Type: rules.TypeThreatMatch, ThreatQuery: "b:2", Filters: raw(filters), ThreatFilters: raw(threat),
			ThreatMapping:  []rules.ThreatMapping{{Entries: []rules.ThreatMappingEntry{{Field: "a", Type: "mapping", Value: "threat.indicator.a"}}}},
			ExceptionsList: []rules.ExceptionList{{ListID: "l"}}}
	}
	exceptions := func(v string) RunOption {
		return WithExceptions([]ExceptionItem{{ListID: "l", Entries: []ExceptionEntry{{Field: "user.name", Operator: "included", Type: "match", Value: v}}}})
	}
	searchOf := func(r *rules.Rule, prep *Prepared, v string) (string, error) {
		opts := []RunOption{exceptions(v)}
		if prep != nil {
			opts = append(opts, withPrepared(prep))
		}
		rn, err := newRunner(r, opts)
		if err != nil {
			return "", err
		}
		return searchText(rn), nil
	}
	two := []string{term("x", "1"), term("y", "2")}
	prepared := rule(two, two)
	prep, err := Prepare(prepared)
	if err != nil {
		t.Fatal(err)
	}
	if prep.filters == nil || len(prep.filters.fs) != 2 || prep.threat == nil || len(prep.threat.fs) != 2 {
		t.Fatalf("Prepare kept filters %+v, threat_filters %+v", prep.filters, prep.threat)
	}
	for _, fs := range [][]string{
		two,
		{term("x", "1"), term("y", "2")}, // the same text: the Prepared's filters
		{term("x", "1"), term("y", "3")},
		{term("x", "1")},
		{term("x", "1"), term("y", "2"), term("z", "4")},
		nil,
		{`{"query":`},
	} {
		for _, r := range []*rules.Rule{rule(fs, two), rule(two, fs)} {
			for _, v := range []string{"alice", "bob"} {
				want, werr := searchOf(r, nil, v)
				got, gerr := searchOf(r, prep, v)
				if got != want || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
					t.Errorf("%s, %s, %s: given the Prepared %q (%v), else %q (%v)", r.Filters, r.ThreatFilters, v, got, gerr, want, werr)
				}
			}
		}
	}
	// the Prepared's filters are not appended to in place
	if len(prep.filters.fs) != 2 || cap(prep.filters.fs) != 2 || len(prep.threat.fs) != 2 || cap(prep.threat.fs) != 2 {
		t.Errorf("the Prepared's filters changed: %d of %d, %d of %d", len(prep.filters.fs), cap(prep.filters.fs), len(prep.threat.fs), cap(prep.threat.fs))
	}
}
