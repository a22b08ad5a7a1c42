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
	plain, threats := 0, 0
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
		if (prep.threat == nil) != (want.threat == nil) {
			t.Errorf("%s: Prepare kept threat_filters %v, the runner's %v", r.Name, prep.threat != nil, want.threat != nil)
		}
		if rn.threat != nil {
			threats++
			// a runner given the Prepared reads the filters from it, and
			// searches the indicators as one that reads them itself
			prn, err := newRunner(r, []RunOption{withPrepared(prep)})
			if err != nil {
				t.Fatalf("%s: runner given the Prepared: %v", r.Name, err)
			}
			if got, want := threatSearchText(prn), threatSearchText(rn); got != want {
				t.Errorf("%s: the indicator search given the Prepared is %s, else %s", r.Name, got, want)
			}
		}
	}
	if plain == 0 || threats == 0 {
		t.Errorf("%d rules had a plain executor, %d an indicator match's", plain, threats)
	}
}

// threatSearchText is the indicator search of an indicator match rule's
// runner, as text.
func threatSearchText(rn *runner) string {
	s := rn.threat.query
	if s.filters == nil {
		return s.query.String()
	}
	return s.query.String() + " filters " + s.filters.String()
}

// newPreparedOf is what Prepare kept of a full runner before it made
// none for a plain executor.
func newPreparedOf(r *rules.Rule, rn *runner) *Prepared {
	seq, _ := rn.exec.(*seqExec)
	return newPrepared(r, rn.search.Query(), rn.eqlq, seq, rn.threat)
}

// TestPreparedThreatFilters: a runner reads threat_filters from the
// Prepared only when they are the text Prepare read; a rule whose
// filters changed since, or another rule, reads its own, and an error in
// them is the runner's as without the Prepared.
func TestPreparedThreatFilters(t *testing.T) {
	rule := func(filters ...string) *rules.Rule {
		r := &rules.Rule{Name: "r", RuleID: "id", Interval: time.Minute, From: "now-2m", Query: "a:1",
			Type: rules.TypeThreatMatch, ThreatQuery: "b:2",
			ThreatMapping: []rules.ThreatMapping{{Entries: []rules.ThreatMappingEntry{{Field: "a", Type: "mapping", Value: "threat.indicator.a"}}}}}
		for _, f := range filters {
			r.ThreatFilters = append(r.ThreatFilters, json.RawMessage(f))
		}
		return r
	}
	term := func(f, v string) string { return `{"query":{"match_phrase":{"` + f + `":"` + v + `"}}}` }
	searchOf := func(r *rules.Rule, prep *Prepared) (string, error) {
		var opts []RunOption
		if prep != nil {
			opts = append(opts, withPrepared(prep))
		}
		rn, err := newRunner(r, opts)
		if err != nil {
			return "", err
		}
		return threatSearchText(rn), nil
	}
	prepared := rule(term("x", "1"), term("y", "2"))
	prep, err := Prepare(prepared)
	if err != nil {
		t.Fatal(err)
	}
	if prep.threat == nil || len(prep.threat.fs) != 2 {
		t.Fatalf("Prepare kept threat_filters %+v", prep.threat)
	}
	for _, r := range []*rules.Rule{
		prepared,
		rule(term("x", "1"), term("y", "2")), // the same text: the Prepared's filters
		rule(term("x", "1"), term("y", "3")),
		rule(term("x", "1")),
		rule(term("x", "1"), term("y", "2"), term("z", "4")),
		rule(),
		rule(`{"query":`),
	} {
		want, werr := searchOf(r, nil)
		got, gerr := searchOf(r, prep)
		if got != want || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Errorf("%s: given the Prepared %q (%v), else %q (%v)", r.ThreatFilters, got, gerr, want, werr)
		}
	}
	// the Prepared's filters are not appended to in place: the exception
	// filters of one runner are not another's
	if len(prep.threat.fs) != 2 || cap(prep.threat.fs) != 2 {
		t.Errorf("the Prepared's filters changed: %d of %d", len(prep.threat.fs), cap(prep.threat.fs))
	}
}
