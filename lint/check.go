// Package lint checks KQL queries and rule files the way a rule author
// needs them checked: whether Kibana accepts the query, whether it names
// fields of the schema with values Elasticsearch accepts for their types,
// and whether it holds a likely mistake (free text where a value was
// meant, "?" taken for a wildcard, a keyword in the wrong case, a CIDR
// inside another of the same list...). Each [Finding] says where (file,
// line, column, a caret snippet), how bad (error or warning), what (a
// stable code) and why.
//
// Positions in a rule file are told in the file's terms through
// [rules.Source.Value], which locates the query exactly.
package lint

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/schemas"
)

// Severity tells how bad a finding is.
type Severity string

// Severities.
const (
	// Error: Kibana or Elasticsearch refuses the query, it names a field
	// the schema does not have, or the rule file is invalid.
	Error Severity = "error"
	// Warning: the query runs but probably does not do what was meant.
	Warning Severity = "warning"
)

// Finding codes. They are stable: tools may branch on them.
const (
	CodeSyntax           = "syntax"              // Kibana rejects the query
	CodeUnknownField     = "unknown-field"       // the field is not in the schema
	CodeTypeConflict     = "type-conflict"       // Elasticsearch rejects the value for the field's type
	CodeFreeTextAfterAnd = "free-text-after-and" // "f:a and b": b became free text
	CodeFreeTextAfterOr  = "free-text-after-or"  // "f:a or b": b became free text
	CodeQuestionMark     = "question-mark"       // "?" in a value is a literal, never a wildcard
	CodeKeywordCase      = "keyword-case"        // a keyword value in another case than ECS defines
	CodeLeadingWildcard  = "leading-wildcard"    // "*exe": slow, and refused by some Kibana settings
	CodeWildcardSpace    = "wildcard-space"      // "*cmd.exe /c*" on a non-keyword field: OR'ed at the space
	CodeCIDRContained    = "cidr-contained"      // a CIDR (or address) inside another of the same list
	CodeDuplicateValue   = "duplicate-value"     // a value list repeats a value
	CodeEmptyRange       = "empty-range"         // a range that can never hold
	CodeMetadata         = "metadata"            // a problem of the rule file (rules.Load, Validate)
	CodeLongLookBack     = "long-look-back"      // from looks back far more than the interval: every event is searched by that many executions
)

// MaxLookBackRatio is the look-back (from) to interval ratio above which
// a rule gets a CodeLongLookBack warning. Elastic's rules look back 1 to
// 10 intervals; 30 days every minute is 43,200 executions per event.
const MaxLookBackRatio = 100

// Finding is one problem found in a query or a rule file.
type Finding struct {
	// File is the file name, "" for a query given on its own.
	File string `json:"file,omitempty"`
	// Line and Column (1-based, columns in runes) locate the finding in
	// the file, or in the query when File is ""; 0 when unknown.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Offset is the rune offset in the query, -1 for a finding about
	// the file rather than its query.
	Offset   int      `json:"offset"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	// Field is the query field concerned, or for metadata findings the
	// rule-file field ("rule.risk_score").
	Field string `json:"field,omitempty"`
	// Msg says what is wrong, in the rule author's words.
	Msg string `json:"message"`
	// Suggestion is a replacement for the field or value, when there is
	// one ("did you mean destination.port?").
	Suggestion string `json:"suggestion,omitempty"`
	// Snippet is the source line with a caret under the spot, two lines
	// joined by "\n"; "" when there is no position.
	Snippet string `json:"snippet,omitempty"`
}

// Diagnostic returns the finding in the form every command prints
// (rules.Diagnostic), its snippet included.
func (f Finding) Diagnostic() rules.Diagnostic {
	return rules.Diagnostic{File: f.File, Line: f.Line, Col: f.Column, Severity: string(f.Severity), Msg: f.Msg, Code: f.Code, Snippet: f.Snippet}
}

// String formats the finding as "file:line:col: severity: message [code]",
// leaving out what is unknown; Diagnostic adds the snippet.
func (f Finding) String() string {
	d := f.Diagnostic()
	d.Snippet = ""
	return d.String()
}

// Checker checks queries and rule files against a schema. It is safe for
// use by one goroutine at a time (it caches suggestions).
type Checker struct {
	schema   mapping.Schema
	names    []string        // schema names, sorted
	prefixes map[string]bool // every proper dotted prefix of a schema name
	suggest  map[string]string

	stars     [][]string               // schema names holding '*' (o365.audit.Parameters.*), split at it
	custom    mapping.Schema           // the schema given to NewChecker, nil for the built-in one
	repo      *schemas.Repo            // UseRepo's checkout
	findRepos bool                     // FindRepos: each rule file's own checkout
	repos     map[string]*schemas.Repo // by checkout folder
	subs      map[string]*Checker      // by schemas.Target.Key
	ids       map[string]string        // rule_id: the file (and line) of the first rule checked with it
}

// NewChecker returns a Checker for schema s; a nil s means the built-in
// table of every ECS field, [mapping.ECS].
func NewChecker(s mapping.Schema) *Checker {
	custom := s
	if s == nil {
		s = mapping.ECS()
	}
	c := &Checker{schema: s, custom: custom, names: s.Fields(), prefixes: map[string]bool{}, suggest: map[string]string{}}
	for _, n := range c.names {
		if strings.Contains(n, "*") {
			c.stars = append(c.stars, strings.Split(n, "*"))
		}
		for i := 0; i < len(n); i++ {
			if n[i] == '.' {
				c.prefixes[n[:i]] = true
			}
		}
	}
	return c
}

// LoadSchema reads a schema file: the ECS table format (ecs_fields.tsv,
// see [mapping.LoadECS]) or an Elasticsearch mapping in JSON (see
// [mapping.LoadMapping]), told apart by the first non-blank character ('{'
// for JSON).
func LoadSchema(path string) (mapping.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	trimmed := strings.TrimLeft(string(head[:n]), " \t\r\n\ufeff")
	var s mapping.Schema
	if strings.HasPrefix(trimmed, "{") {
		s, err = mapping.LoadMapping(f)
	} else {
		s, err = mapping.LoadECS(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Query checks one query. Positions are the query's own lines and columns.
func (c *Checker) Query(src string) []Finding {
	return c.query(src, nil, "")
}

// File reads and checks a file: a rule file (.toml, .json, .ndjson,
// .jsonl; see [rules.Load]) or, for any other name, a file holding one
// query (such as .kql). The error is for a file that cannot be read.
func (c *Checker) File(path string) ([]Finding, error) {
	data, err := rules.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml", ".json", ".ndjson", ".jsonl":
		return c.Rule(path, data), nil
	}
	return c.query(string(data), rules.WholeFile(data), path), nil
}

// Rule checks a rule file's content: its metadata as [rules.Parse] would
// (every problem, and the decoder's warnings), the syntax of every query
// in its history, and everything [Checker.Query] checks on its query
// (for language kuery), with positions in the file.
func (c *Checker) Rule(name string, data []byte) []Finding {
	r, derr := rules.Decode(name, data)
	return c.rule(name, data, r, derr)
}

// rule is Rule for a file already decoded.
func (c *Checker) rule(name string, data []byte, r *rules.Rule, derr error) []Finding {
	var out []Finding
	addProblems := func(err error, sev Severity, seen map[string]bool) {
		var re *rules.Error
		if !errors.As(err, &re) {
			if err != nil {
				out = append(out, Finding{File: name, Offset: -1, Severity: sev, Code: CodeMetadata, Msg: err.Error()})
			}
			return
		}
		for _, p := range re.Problems {
			if seen != nil && seen[p.Field] && p.Field != "" {
				continue
			}
			if seen != nil {
				seen[p.Field] = true
			}
			out = append(out, metaFinding(name, data, p, sev))
		}
	}
	if r == nil {
		addProblems(derr, Error, nil)
		return sortFindings(out)
	}
	seen := map[string]bool{}
	addProblems(derr, Error, seen)
	var queryFindings []Finding
	kuery := r.IsKQL() && strings.TrimSpace(r.Query) != ""
	if kuery {
		src := c.locate(r, "rule.query", r.Query)
		queryFindings = c.ruleQuery(name, r, src)
	}
	eqlQuery := r.Language == rules.LanguageEQL && strings.TrimSpace(r.Query) != ""
	if eqlQuery {
		src := c.locate(r, "rule.query", r.Query)
		queryFindings = c.eqlRuleQuery(name, r, src)
		if strings.Contains(r.Query, "maxspan") || r.AlertSuppression != nil { // parsed again only then
			if q, err := eql.Parse(r.Query); err == nil {
				queryFindings = append(queryFindings, sequenceSchedule(name, r, q, src)...)
				if f, ok := sequenceSuppression(name, data, r, q); ok {
					queryFindings = append(queryFindings, f)
				}
			}
		}
	}
	var historyFindings []Finding
	if r.IsKQL() {
		for i, v := range r.History {
			if strings.TrimSpace(v.Query) == "" {
				continue
			}
			if _, err := kql.Parse(v.Query); err != nil {
				key := fmt.Sprintf("history[%d].query", i)
				for _, f := range c.syntax(v.Query, c.locate(r, key, v.Query), name, err) {
					f.Field = key
					f.Msg = key + ": " + f.Msg
					historyFindings = append(historyFindings, f)
				}
			}
		}
	}
	verr := r.Validate()
	var re *rules.Error
	if errors.As(verr, &re) {
		for _, p := range re.Problems {
			if p.Field == "rule.query" && (kuery || eqlQuery) && hasCode(queryFindings, CodeSyntax) {
				continue // the syntax finding says it, with a caret
			}
			if slices.ContainsFunc(historyFindings, func(f Finding) bool { return f.Field == p.Field }) {
				continue
			}
			if seen[p.Field] && p.Field != "" {
				continue
			}
			seen[p.Field] = true
			out = append(out, metaFinding(name, data, p, Error))
		}
	}
	for _, w := range r.Source.Warnings {
		out = append(out, metaFinding(name, data, w, Warning))
	}
	if f, ok := longLookBack(name, r); ok && !seen["rule.from"] {
		out = append(out, f)
	}
	out = append(out, queryFindings...)
	out = append(out, historyFindings...)
	return sortFindings(out)
}

// longLookBack warns of a look-back more than MaxLookBackRatio intervals
// long: each event is in the window of that many executions.
func longLookBack(name string, r *rules.Rule) (Finding, bool) {
	lb, err := r.LookBack()
	if err != nil || r.Interval <= 0 || lb <= MaxLookBackRatio*r.Interval {
		return Finding{}, false
	}
	f := Finding{File: name, Offset: -1, Severity: Warning, Code: CodeLongLookBack, Field: "rule.from",
		Msg: fmt.Sprintf("rule.from: %s looks back %d times the interval (%s): every event is searched by that many executions",
			r.From, int64(lb/r.Interval), rules.FormatInterval(r.Interval))}
	if v, err := r.Source.Value("rule.from"); err == nil {
		f.Line = v.Line
	}
	return f, true
}

func hasCode(fs []Finding, code string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == code })
}

// locate finds the query in the file, or returns nil when it cannot be
// found exactly (positions are then the query's own).
func (c *Checker) locate(r *rules.Rule, key, text string) *rules.Value {
	v, err := r.Source.Value(key)
	if err != nil || v.Text != text {
		return nil
	}
	return v
}

func metaFinding(name string, data []byte, p rules.Problem, sev Severity) Finding {
	f := Finding{File: name, Line: p.Line, Offset: -1, Severity: sev, Code: CodeMetadata, Field: p.Field, Msg: p.Msg}
	if p.Field != "" {
		f.Msg = p.Field + ": " + p.Msg
	}
	return f
}

func sortFindings(fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return fs
}

// at places a finding at the query's rune offset off.
func at(src string, qs *rules.Value, file string, off int, f Finding) Finding {
	f.File, f.Offset = file, off
	if qs != nil {
		p := qs.Position(off)
		f.Line, f.Column = p.Line, p.Column
		f.Snippet = p.Snippet(qs.File())
	} else {
		p := ast.Pos(off).Position(src)
		f.Line, f.Column = p.Line, p.Column
		f.Snippet = p.Snippet(src)
	}
	return f
}

func (c *Checker) syntax(src string, qs *rules.Value, file string, err error) []Finding {
	var pe *kql.Error
	if !errors.As(err, &pe) {
		return []Finding{{File: file, Offset: 0, Severity: Error, Code: CodeSyntax, Msg: err.Error()}}
	}
	return []Finding{at(src, qs, file, pe.Offset, Finding{Severity: Error, Code: CodeSyntax, Msg: pe.Msg})}
}

// query checks src, locating findings through qs when it is not nil.
func (c *Checker) query(src string, qs *rules.Value, file string) []Finding {
	x, err := kql.Parse(src)
	if err != nil {
		return sortFindings(c.syntax(src, qs, file, err))
	}
	w := &walker{c: c}
	w.check(x)
	if _, err := eval.Compile(x, eval.WithSchema(c.schema)); err != nil {
		list := eval.CompileErrors(err)
		if list == nil {
			w.add(0, Finding{Severity: Error, Code: CodeTypeConflict, Msg: err.Error()})
		}
		for _, e := range list {
			msg := e.Msg
			if !strings.Contains(msg, e.Field) {
				msg = e.Field + ": " + msg
			}
			w.add(int(e.Pos), Finding{Severity: Error, Code: CodeTypeConflict, Field: e.Field, Msg: msg})
		}
	}
	out := make([]Finding, len(w.found))
	for i, f := range w.found {
		out[i] = at(src, qs, file, f.Offset, f)
	}
	return sortFindings(out)
}

// walker collects findings over a tree.
type walker struct {
	c     *Checker
	found []Finding
	// names holds the full field name of each match, range and nested
	// query of the tree (ast.FieldRef.Name).
	names map[ast.Expr]string
}

func (w *walker) add(off int, f Finding) {
	f.Offset = off
	w.found = append(w.found, f)
}

// check checks the and/or chains of x, then each of its field
// references. The chains go first: their findings come before those of
// their arguments at the same place.
func (w *walker) check(x ast.Expr) {
	refs := slices.Collect(ast.Fields(x))
	w.names = make(map[ast.Expr]string, len(refs))
	for _, r := range refs {
		w.names[r.Node] = r.Name()
	}
	inAnd := map[ast.Expr]bool{} // the arguments of and-chains, whose ranges were checked together
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AndExpr:
			w.chain(n.Args, "and")
			w.ranges(n.Args)
			for _, a := range n.Args {
				inAnd[a] = true
			}
		case *ast.OrExpr:
			w.chain(n.Args, "or")
		}
		return true
	})
	for _, r := range refs {
		switch n := r.Node.(type) {
		case *ast.MatchExpr:
			if ast.IsMatchAll(n) {
				continue
			}
			w.field(n.Field, r.Name())
			w.values(r.Name(), n.Value)
		case *ast.RangeExpr:
			w.field(n.Field, r.Name())
			if !inAnd[n] {
				w.ranges([]ast.Expr{n})
			}
		case *ast.NestedExpr:
			w.field(n.Path, r.Name())
		case *ast.TextExpr:
			w.literal("", n.Value)
		}
	}
}

// chain warns about free text that follows a field test in an and/or chain.
func (w *walker) chain(args []ast.Expr, op string) {
	for i := 1; i < len(args); i++ {
		t, ok := args[i].(*ast.TextExpr)
		if !ok {
			continue
		}
		m, ok := args[i-1].(*ast.MatchExpr)
		if !ok || m.Field.Kind == ast.Wildcard {
			continue
		}
		code := CodeFreeTextAfterAnd
		if op == "or" {
			code = CodeFreeTextAfterOr
		}
		field := ast.Print(m.Field)
		f := Finding{Severity: Warning, Code: code, Field: w.names[m],
			Msg: fmt.Sprintf("%s is free text, searched in every field: \"%s %s %s\" does not give %s a second value",
				ast.Print(t.Value), ast.Print(m), op, ast.Print(t.Value), field)}
		if lit, ok := m.Value.(*ast.Literal); ok {
			f.Suggestion = fmt.Sprintf("%s:(%s %s %s)", field, ast.Print(lit), op, ast.Print(t.Value))
			f.Msg += "; did you mean " + f.Suggestion + "?"
		}
		w.add(int(t.Pos()), f)
	}
}

// known reports whether the schema has the field, a field under it, a
// flattened field above it, above it an object field of which the
// schema lists no sub-field (an open object such as ECS's labels, whose
// keys are free), or a name with '*' that matches it, '*' standing for
// any text, dots included (integration schemas list such names,
// "o365.audit.Parameters.*", and detection-rules' KQL parser accepts
// the fields they match).
func (c *Checker) known(full string) bool {
	if c.schema.Lookup(full) != mapping.Unknown || c.prefixes[full] {
		return true
	}
	for _, g := range c.stars {
		if ast.MatchWildcard(g, full) {
			return true
		}
	}
	for i := len(full) - 1; i > 0; i-- {
		if full[i] == '.' {
			switch c.schema[full[:i]] {
			case mapping.Flattened:
				return true
			case mapping.Object:
				if !c.prefixes[full[:i]] {
					return true
				}
			}
		}
	}
	return false
}

func (w *walker) field(l *ast.Literal, full string) {
	if l.IsStar() {
		return
	}
	if l.Kind == ast.Wildcard {
		g := strings.Split(full, "*")
		for _, n := range w.c.names {
			if ast.MatchWildcard(g, n) {
				return
			}
		}
		w.add(int(l.Pos()), Finding{Severity: Error, Code: CodeUnknownField, Field: full,
			Msg: fmt.Sprintf("no field of the schema matches %s", full)})
		return
	}
	if w.c.known(full) {
		return
	}
	f := Finding{Severity: Error, Code: CodeUnknownField, Field: full,
		Msg: fmt.Sprintf("unknown field %s: the schema has no such field", full)}
	if s := w.c.suggestion(full); s != "" {
		f.Suggestion = s
		f.Msg += "; did you mean " + s + "?"
	}
	w.add(int(l.Pos()), f)
}

// suggestion returns the schema field closest to name in edit distance
// (transpositions count one), preferring the same top-level group, or ""
// when none is close.
func (c *Checker) suggestion(name string) string {
	if s, ok := c.suggest[name]; ok {
		return s
	}
	group, _, _ := strings.Cut(name, ".")
	maxDist := min(4, max(2, len(name)/8))
	best, bestScore := "", math.MaxInt
	for _, n := range c.names {
		if d := len(n) - len(name); d > maxDist || -d > maxDist || strings.Contains(n, "*") {
			continue
		}
		d := osaDistance(name, n, maxDist)
		if d > maxDist {
			continue
		}
		score := 2 * d
		if g, _, _ := strings.Cut(n, "."); g != group {
			score++
		}
		if score < bestScore {
			best, bestScore = n, score
		}
	}
	c.suggest[name] = best
	return best
}

// osaDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), or
// a value above limit once it must exceed it.
func osaDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// values checks the values of field:value.
func (w *walker) values(full string, v ast.Value) {
	switch v := v.(type) {
	case *ast.Literal:
		w.literal(full, v)
	case *ast.OrValue:
		w.list(full, flatten(v))
		for _, a := range v.Args {
			w.values(full, a)
		}
	case *ast.AndValue:
		w.list(full, flatten(v))
		for _, a := range v.Args {
			w.values(full, a)
		}
	case *ast.NotValue:
		w.values(full, v.X)
	}
}

// flatten returns the literals directly in a value list, through nested
// lists of the same operator.
func flatten(v ast.Value) []*ast.Literal {
	var out []*ast.Literal
	var walk func(ast.Value)
	walk = func(x ast.Value) {
		switch x := x.(type) {
		case *ast.Literal:
			out = append(out, x)
		case *ast.OrValue:
			if _, ok := v.(*ast.OrValue); ok {
				for _, a := range x.Args {
					walk(a)
				}
			}
		case *ast.AndValue:
			if _, ok := v.(*ast.AndValue); ok {
				for _, a := range x.Args {
					walk(a)
				}
			}
		}
	}
	switch v := v.(type) {
	case *ast.OrValue:
		for _, a := range v.Args {
			walk(a)
		}
	case *ast.AndValue:
		for _, a := range v.Args {
			walk(a)
		}
	}
	return out
}

// literal checks one value literal; full is "" for free text.
func (w *walker) literal(full string, l *ast.Literal) {
	typ := mapping.Unknown
	if full != "" {
		typ = w.c.schema.Lookup(full)
	}
	if typ == mapping.IP || typ.Numeric() || typ == mapping.Boolean || typ.IsDate() {
		return // eval.Compile reports what these types refuse
	}
	if !l.Quoted && (l.Kind == ast.String || l.Kind == ast.Wildcard) {
		text := l.Text
		if l.Kind == ast.Wildcard {
			text = strings.Join(l.Parts, "")
		}
		if strings.Contains(text, "?") {
			w.add(int(l.Pos()), Finding{Severity: Warning, Code: CodeQuestionMark, Field: full,
				Msg: fmt.Sprintf("%s: ? is a literal character in KQL, not a wildcard (only * is)", ast.Print(l))})
		}
	}
	if l.Kind == ast.Wildcard && typ != mapping.Keyword && strings.ContainsAny(l.Value(), " \t\r\n") {
		// Kibana's is.ts sends a wildcard on any field whose esTypes are
		// not exactly keyword as a query_string query, and
		// wildcard.toQueryStringQuery leaves whitespace unescaped: the
		// query parser ORs the pieces.
		pieces := strings.Fields(l.Value())
		w.add(int(l.Pos()), Finding{Severity: Warning, Code: CodeWildcardSpace, Field: full,
			Msg: fmt.Sprintf("%s on a %s field is sent as a query_string query, which splits it at the space into OR'ed patterns (%s): to require every piece, write %s",
				ast.Print(l), typeName(typ), strings.Join(pieces, " or "), allPieces(pieces))})
	}
	if l.HasLeadingWildcard() {
		w.add(int(l.Pos()), Finding{Severity: Warning, Code: CodeLeadingWildcard, Field: full,
			Msg: fmt.Sprintf("%s starts with a wildcard: slow on large indices, and refused when Kibana's query:allowLeadingWildcards is off", ast.Print(l))})
	}
	allowed, ok := ecsAllowed[full]
	if !ok {
		return
	}
	var parts []string
	switch l.Kind {
	case ast.String:
		parts = []string{l.Text}
	case ast.Wildcard:
		if l.IsStar() {
			return
		}
		parts = l.Parts
	default:
		return
	}
	for _, a := range allowed {
		if ast.MatchWildcard(parts, a) {
			return
		}
	}
	lower := make([]string, len(parts))
	for i, p := range parts {
		lower[i] = strings.ToLower(p)
	}
	for _, a := range allowed {
		if ast.MatchWildcard(lower, strings.ToLower(a)) {
			f := Finding{Severity: Warning, Code: CodeKeywordCase, Field: full,
				Msg: fmt.Sprintf("%s:%s matches no ECS value: ECS defines %q, and keyword values are case-sensitive", full, ast.Print(l), a)}
			if l.Kind == ast.String {
				f.Suggestion = a
			}
			w.add(int(l.Pos()), f)
			return
		}
	}
}

// list checks the literals of one value list for repeats and for CIDRs
// inside others.
func (w *walker) list(full string, lits []*ast.Literal) {
	typ := w.c.schema.Lookup(full)
	type entry struct {
		lit *ast.Literal
		key string
		p   netip.Prefix
		ip  bool
	}
	var es []entry
	for _, l := range lits {
		e := entry{lit: l, key: l.Kind.String() + ":" + l.Value()}
		switch {
		case l.Kind == ast.Wildcard:
		case typ == mapping.IP || typ == mapping.Unknown:
			if p, err := cidr.ParseAddrOrPrefix(l.Value()); err == nil {
				e.p, e.ip, e.key = p, true, "ip:"+p.String()
			}
		case typ.Numeric():
			if f, ok := eval.ParseNumber(l.Value()); ok {
				e.key = "num:" + strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		if typ == mapping.Keyword || typ == mapping.Unknown || typ == mapping.Wildcard || typ == mapping.ConstantKeyword {
			if l.Kind == ast.String {
				e.key = "s:" + l.Text // quoted or not, the same keyword
			}
		}
		es = append(es, e)
	}
	for j, e := range es {
		for i := range j {
			if es[i].key == e.key {
				w.add(int(e.lit.Pos()), Finding{Severity: Warning, Code: CodeDuplicateValue, Field: full,
					Msg: fmt.Sprintf("%s repeats a value of the list (%s)", ast.Print(e.lit), ast.Print(es[i].lit))})
				break
			}
		}
	}
	for j, e := range es {
		if !e.ip {
			continue
		}
		for i, o := range es {
			if i == j || !o.ip || o.p.Bits() >= e.p.Bits() || o.p.Addr().Is4() != e.p.Addr().Is4() {
				continue
			}
			if o.p.Contains(e.p.Addr()) {
				w.add(int(e.lit.Pos()), Finding{Severity: Warning, Code: CodeCIDRContained, Field: full,
					Msg: fmt.Sprintf("%s lies inside %s, also in the list: it adds nothing", ast.Print(e.lit), ast.Print(o.lit))})
				break
			}
		}
	}
}

// bounds is a numeric interval.
type bounds struct {
	lo, hi       float64
	loInc, hiInc bool
	last         *ast.RangeExpr
}

func (b *bounds) empty() bool {
	return b.lo > b.hi || (b.lo == b.hi && !(b.loInc && b.hiInc))
}

// ranges checks the numeric ranges that one and-chain (or one range on its
// own) puts on each field: can they hold together, and within the type?
func (w *walker) ranges(args []ast.Expr) {
	byField := map[string]*bounds{}
	var order []string
	for _, a := range args {
		r, ok := a.(*ast.RangeExpr)
		if !ok || r.Field.Kind == ast.Wildcard || r.Value.Kind != ast.String {
			continue
		}
		full := w.names[r]
		typ := w.c.schema.Lookup(full)
		if !typ.Numeric() && typ != mapping.Unknown {
			continue
		}
		v, ok := eval.ParseNumber(r.Value.Text)
		if !ok {
			continue
		}
		b := byField[full]
		if b == nil {
			b = &bounds{lo: math.Inf(-1), hi: math.Inf(1), loInc: true, hiInc: true}
			if lo, hi, ok := typ.IntRange(); ok {
				b.lo, b.hi = lo, hi
			}
			byField[full] = b
			order = append(order, full)
		}
		switch r.Op {
		case ast.Gt, ast.Gte:
			inc := r.Op == ast.Gte
			if v > b.lo || (v == b.lo && !inc) {
				b.lo, b.loInc = v, inc
			}
		default:
			inc := r.Op == ast.Lte
			if v < b.hi || (v == b.hi && !inc) {
				b.hi, b.hiInc = v, inc
			}
		}
		b.last = r
	}
	for _, full := range order {
		b := byField[full]
		if !b.empty() {
			continue
		}
		msg := fmt.Sprintf("%s can never hold", ast.Print(b.last))
		if len(args) > 1 {
			msg = fmt.Sprintf("the ranges on %s in this and-chain can never hold together", full)
		}
		if _, _, ok := w.c.schema.Lookup(full).IntRange(); ok {
			msg += fmt.Sprintf(" (%s is a %s field)", full, w.c.schema.Lookup(full))
		}
		w.add(int(b.last.Pos()), Finding{Severity: Warning, Code: CodeEmptyRange, Field: full, Msg: msg})
	}
}

// typeName names a field type in a message; an unknown one is a field of
// the data view Kibana does not know.
func typeName(t mapping.Type) string {
	if t == mapping.Unknown {
		return "non-keyword (unknown)"
	}
	return t.String()
}

// allPieces writes the pieces of a spaced wildcard as one wildcard each,
// ANDed: "*cmd.exe" and "/c*" give "*cmd.exe* and */c*".
func allPieces(pieces []string) string {
	out := make([]string, len(pieces))
	for i, p := range pieces {
		if !strings.HasPrefix(p, "*") {
			p = "*" + p
		}
		if !strings.HasSuffix(p, "*") {
			p += "*"
		}
		out[i] = p
	}
	return "(" + strings.Join(out, " and ") + ")"
}
