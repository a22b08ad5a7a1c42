package ruleset

import (
	"runtime"
	"sync"
	"weak"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// Each query is compiled once a run: [Load] decides whether a rule runs
// by compiling it ([replay.Prepare]) and keeps the program here, keyed by
// the rule; [New] takes it rather than compile the query again. A program
// belongs to one set (the set's [eval.FieldTable] adopts it), so New takes
// it out: a second set of the same rules compiles its own. An entry goes
// when it is taken or when its rule is garbage, so that rules loaded and
// never put in a set cost nothing.
var compiled struct {
	sync.Mutex
	m map[weak.Pointer[rules.Rule]]compiledQuery
}

// compiledQuery is a program and what it was compiled from: a rule whose
// query was changed since is compiled again.
type compiledQuery struct {
	key  string
	prog *eval.Program
}

// compileKey is what a rule's program depends on when compiled with no
// options: the language and type (KQL, or EQL lowered), the query and
// the event category field of an EQL query.
func compileKey(r *rules.Rule) string {
	return string(r.Language) + "\x00" + string(r.Type) + "\x00" + r.Query + "\x00" + r.EQL().EventCategoryOverride
}

// keepProgram keeps prog, r's query compiled with no options, for New.
func keepProgram(r *rules.Rule, prog *eval.Program) {
	if prog == nil {
		return
	}
	wp := weak.Make(r)
	compiled.Lock()
	if compiled.m == nil {
		compiled.m = map[weak.Pointer[rules.Rule]]compiledQuery{}
	}
	_, had := compiled.m[wp]
	compiled.m[wp] = compiledQuery{key: compileKey(r), prog: prog}
	compiled.Unlock()
	if !had {
		runtime.AddCleanup(r, forgetProgram, wp)
	}
}

func forgetProgram(wp weak.Pointer[rules.Rule]) {
	compiled.Lock()
	delete(compiled.m, wp)
	compiled.Unlock()
}

// takeProgram returns the program keepProgram kept for r, if r's query is
// still the one it was compiled from and the set compiles with no
// options (opts), and forgets it; else nil.
func takeProgram(r *rules.Rule, opts []eval.Option) *eval.Program {
	if len(opts) > 0 {
		return nil
	}
	wp := weak.Make(r)
	compiled.Lock()
	c, ok := compiled.m[wp]
	delete(compiled.m, wp)
	compiled.Unlock()
	if !ok || c.key != compileKey(r) {
		return nil
	}
	return c.prog
}
