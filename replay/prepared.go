package replay

import (
	"bytes"
	"encoding/json"
	"slices"
	syncatomic "sync/atomic"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// Prepared is a rule's query as [Prepare] compiled it, with what it built
// on the way: each query is compiled (and an EQL query parsed) once a run
// when the caller hands this value on rather than the rule alone.
// [NewReplayPrepared] runs its program and takes its parsed EQL query
// (and a sequence's or a sample's plan) rather than parse and compile
// them again.
//
// A program belongs to at most one owner that changes it (an
// [eval.FieldTable] adopts it): [Prepared.Take] hands it out once. A
// Prepared is safe for concurrent use.
type Prepared struct {
	prog *eval.Program
	key  preparedKey // what prog was compiled from; zero for PreparedProgram
	// an EQL query: its text, and what else was kept of it (parsed)
	text   string
	parsed *preparedEQL
	// filters and threat: the rule's filters and an indicator match
	// rule's threat_filters as Prepare read them (KibanaFilters), which
	// a runner of the rule takes rather than read them again; nil when
	// the rule has none
	filters, threat *preparedFilters
	taken           syncatomic.Bool
}

// preparedFilters is a list of Kibana filters (raw, the rule's own) and
// what KibanaFilters read of it. The filters are only read once parsed:
// runners share them.
type preparedFilters struct {
	raw []json.RawMessage
	fs  []esdsl.Filter
}

// newPreparedFilters keeps fs, what KibanaFilters read of raw, or nil
// for no filters.
func newPreparedFilters(raw []json.RawMessage, fs []esdsl.Filter) *preparedFilters {
	if len(fs) == 0 {
		return nil
	}
	return &preparedFilters{raw: raw, fs: slices.Clip(fs)}
}

// read returns KibanaFilters of raw: the filters kept, when they were
// read from the same text, else read now. The slice is the caller's to
// append to.
func (f *preparedFilters) read(raw []json.RawMessage) ([]esdsl.Filter, error) {
	if f != nil && slices.EqualFunc(f.raw, raw, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		return f.fs, nil
	}
	return KibanaFilters(raw)
}

// ruleFilters returns KibanaFilters of raw, the filters of the rule
// being run: those Prepare read, when it read the same text, else read
// now.
func (p *Prepared) ruleFilters(raw []json.RawMessage) ([]esdsl.Filter, error) {
	if p == nil {
		return KibanaFilters(raw)
	}
	return p.filters.read(raw)
}

// threatFilters is ruleFilters for raw, the rule's threat_filters.
func (p *Prepared) threatFilters(raw []json.RawMessage) ([]esdsl.Filter, error) {
	if p == nil {
		return KibanaFilters(raw)
	}
	return p.threat.read(raw)
}

// preparedEQL is what a Prepared keeps of an EQL query but its text: the
// query parsed from it, and for a sequence or a sample its plan compiled
// with no options for req. A parsed query is only read once parsed, and
// a plan is safe for concurrent use: runners share them. The parsed
// query of an event query without pipes is not kept (a Prepared's parsed
// nil, text set): its program is all a runner needs (programOnly), and a
// tree of a thousand EQL rules kept them all; nor is a preparedEQL, whose
// size a Prepared of KQL or of such an event query would take for
// nothing.
type preparedEQL struct {
	q    *eql.Query
	plan *eql.SequencePlan
	req  eql.Request
}

// PreparedProgram returns a Prepared of a program compiled elsewhere
// (with the options the replay is given): a replay given it runs prog,
// and parses an EQL query again. Take never hands prog out.
func PreparedProgram(prog *eval.Program) *Prepared {
	p := &Prepared{prog: prog}
	p.taken.Store(true)
	return p
}

// Program returns the compiled query, to read or match with; a caller
// that changes it (adopts it into an [eval.FieldTable]) takes it with
// [Prepared.Take] instead. Program of a nil Prepared is nil.
func (p *Prepared) Program() *eval.Program {
	if p == nil {
		return nil
	}
	return p.prog
}

// Take returns the program for a caller that will own it — a rule set
// adopts it into its table of fields — the first time it is called, if
// r is the rule as it was prepared (language, type, query and event
// category field unchanged); else nil, and the caller compiles its own.
// Of concurrent callers one gets the program.
func (p *Prepared) Take(r *rules.Rule) *eval.Program {
	if p == nil || p.prog == nil || p.key != keyOf(r) || !p.taken.CompareAndSwap(false, true) {
		return nil
	}
	return p.prog
}

// preparedKey is what a rule's program depends on when compiled with no
// options: the language and type (KQL, or EQL lowered), the query and
// the event category field of an EQL query. Its strings are the rule's
// own (no copy of the query is made).
type preparedKey struct {
	language rules.Language
	typ      rules.Type
	query    string
	category string
}

func keyOf(r *rules.Rule) preparedKey {
	return preparedKey{r.Language, r.Type, r.Query, r.EQL().EventCategoryOverride}
}

// newPrepared returns what Prepare built for r with no options: its
// program, and its parsed EQL query (q, nil for KQL) and the executor of a
// sequence or a sample (seq, nil for any other), whose plan it keeps, the
// rule's filters read (filters), and the threat_filters read by an
// indicator match rule's matcher (tm, nil for any other).
func newPrepared(r *rules.Rule, prog *eval.Program, q *eql.Query, seq *seqExec, filters []esdsl.Filter, tm *threatMatcher) *Prepared {
	p := &Prepared{prog: prog, key: keyOf(r), filters: newPreparedFilters(r.Filters, filters)}
	if tm != nil {
		p.threat = newPreparedFilters(r.ThreatFilters, tm.filters)
	}
	if q != nil {
		p.text = r.Query
		if !q.IsEventQuery() || len(q.Pipes) > 0 {
			p.parsed = &preparedEQL{q: q}
			if seq != nil {
				p.parsed.plan, p.parsed.req = seq.plan, seq.req
			}
		}
	}
	return p
}

// parsedOf returns the EQL query Prepare parsed, if it was parsed from
// text; else nil.
func (p *Prepared) parsedOf(text string) *eql.Query {
	if p != nil && p.parsed != nil && p.text == text {
		return p.parsed.q
	}
	return nil
}

// programOnly reports whether Prepare compiled the EQL query text as an
// event query without pipes, whose program is the whole search: a
// runner given it neither parses the query nor keeps it parsed.
func (p *Prepared) programOnly(text string) bool {
	return p != nil && p.prog != nil && p.parsed == nil && p.text != "" && p.text == text
}

// planOf returns the sequence plan Prepare compiled, if it was compiled
// from q for req with no options; else nil.
func (p *Prepared) planOf(q *eql.Query, req eql.Request) *eql.SequencePlan {
	if p != nil && p.parsed != nil && p.parsed.q == q && p.parsed.req == req {
		return p.parsed.plan
	}
	return nil
}
