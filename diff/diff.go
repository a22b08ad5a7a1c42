// Package diff tells what an edit of a KQL query changes: whether the new
// query matches the same events as the old one, fewer, more, or some of
// each, with minimal witness events that one matches and the other does
// not ([Queries]), and how the two fare on real events ([Events]). For a
// rule, [Rules] adds what else decides what it alerts on: its index
// patterns and settings ([Versions] for two versions of a rule's history).
// Between git revisions (git.go), [GitRange], [GitChanges] and [ReadSide]
// find the rule files that changed and read each side, rules moved to
// another file paired by their rule_id.
//
// The search is built from the literals the queries mention
// (candidates.go), tries every combination of them or, when there are too
// many, a guided and seeded sample (search.go), and reports witnesses
// minimized and matched again after a JSON round trip (witnesses.go).
package diff

import (
	"fmt"
	"sync"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

// Option changes how [Queries] searches.
type Option func(*config)

type config struct {
	schema     mapping.Schema
	exhaustive int // largest number of combinations tried exhaustively
	budget     int // most candidate events of a guided search
	seed       int64
	category   string // EQL's event category field, "" for event.category
}

func newConfig(opts []Option) config {
	cfg := config{exhaustive: 100_000, budget: 200_000, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.schema == nil {
		cfg.schema = ecs()
	}
	return cfg
}

// Schema sets the field types used to compile both queries (default
// every ECS field, [mapping.ECS], as eval.Compile's default).
func Schema(s mapping.Schema) Option { return func(c *config) { c.schema = s } }

// ecs is the default schema, [mapping.ECS], copied once: Queries only
// reads it.
var ecs = sync.OnceValue(mapping.ECS)

// Budget bounds the search: up to exhaustive combinations are all
// tried (default 100,000); beyond that, a guided search evaluates about
// budget candidate events (default 200,000).
func Budget(exhaustive, budget int) Option {
	return func(c *config) { c.exhaustive, c.budget = exhaustive, budget }
}

// Seed sets the seed of the guided search's random choices (default 1).
func Seed(seed int64) Option { return func(c *config) { c.seed = seed } }

// Queries compares two queries. Equal trees (ast.Equal) are "formatting
// only". Otherwise both are compiled with the same schema and Queries searches
// the events the two can tell apart, built from the literals they mention:
// for each field, each value and its neighbours (a number ±1, a keyword in
// other cases, a CIDR's first, middle and last addresses and the ones just
// outside, IPv4 addresses also in their IPv4-mapped IPv6 form, an address
// of the other family), the field absent, and arrays of two values where
// the field is tested more than once. When the combinations are few they
// are all tried; otherwise the search starts from events that one query
// matches (built by satisfying its tree) and from random events, and
// varies one and two fields at a time. The verdict follows from the
// witnesses found in each direction; "equivalent" means none was found
// (a proof only when Exhaustive is true).
func Queries(old, new ast.Expr, opts ...Option) (*Result, error) {
	cfg := newConfig(opts)
	if old == nil || new == nil {
		return nil, fmt.Errorf("diff: nil query")
	}
	res := &Result{Old: ast.Print(old), New: ast.Print(new)}
	if ast.Equal(old, new) {
		res.Verdict = VerdictFormatting
		return res, nil
	}
	po, err := eval.Compile(old, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("diff: old query: %w", err)
	}
	pn, err := eval.Compile(new, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("diff: new query: %w", err)
	}
	s := newSearch(cfg, po, pn)
	s.collect(old)
	s.collect(new)
	s.prepare(old)
	s.prepare(new)
	s.conclude(res)
	return res, nil
}

// conclude runs the search whose fields, literals and trees are
// collected, and fills in res's verdict and witnesses.
func (s *search) conclude(res *Result) {
	for _, f := range s.fields {
		f.cands, f.origin = candidates(f)
	}
	s.run()
	res.Searched, res.Exhaustive = s.searched, s.exhaustiveDone
	res.Added = s.finish(false)
	res.Removed = s.finish(true)
	switch {
	case len(res.Added) > 0 && len(res.Removed) > 0:
		res.Verdict = VerdictBoth
	case len(res.Added) > 0:
		res.Verdict = VerdictWider
	case len(res.Removed) > 0:
		res.Verdict = VerdictNarrower
	default:
		res.Verdict = VerdictEquivalent
	}
}
