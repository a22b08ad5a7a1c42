// Package bench compares kqlrules' evaluator with other ways of running the
// same detection query in Go: a hand-written function (the baseline),
// github.com/expr-lang/expr and github.com/google/cel-go.
//
// It is a module of its own so that the library's go.mod does not carry the
// other engines. The job is Elastic's "FTP (File Transfer Protocol) Activity
// to the Internet" rule's current query over ECS network events decoded as
// map[string]any. Run the comparison with
//
//	cd bench && go test -bench . -benchmem
//
// TestEnginesAgree checks first that every engine gives the same answer on
// the sample events and on every event of the shared Beats corpus, so that
// the benchmarks compare equal work.
package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	"github.com/kqlrules/kqlrules"
)

// FTPQuery is the FTP rule's current KQL query, as Elastic's rule file has it.
const FTPQuery = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`

// The CIDR lists of the query, shared by the hand-written function and the
// expressions (which spell them out as text).
const (
	privateNets = "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16"
	notExternal = "10.0.0.0/8 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 224.0.0.0/4 ::1 FE80::/10 FF00::/8"
)

// Matcher is one engine's compiled form of the query.
type Matcher func(event map[string]any) bool

// CompileKQL parses and compiles FTPQuery with kqlrules and its default
// (ECS) schema.
func CompileKQL() (Matcher, error) {
	p, err := kqlrules.Compile(FTPQuery)
	if err != nil {
		return nil, fmt.Errorf("kqlrules: %w", err)
	}
	return p.Match, nil
}

// ---------------------------------------------------------------------------
// Field access shared by the baseline and the expression engines' helpers.

// visit calls fn with each value of the dotted field name in m, found through
// flat dotted keys, nested maps and mixes of the two, with arrays fanned out
// at every level, until fn returns true. Null values are skipped. It is how
// Elasticsearch flattens a document into fields, and it allocates nothing.
func visit(m map[string]any, name string, fn func(any) bool) bool {
	if v, ok := m[name]; ok && visitValue(v, fn) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if sub, ok := m[name[:i]]; ok && visitBelow(sub, name[i+1:], fn) {
			return true
		}
	}
	return false
}

// visitBelow looks up rest inside v, an object or an array of objects.
func visitBelow(v any, rest string, fn func(any) bool) bool {
	switch v := v.(type) {
	case map[string]any:
		return visit(v, rest, fn)
	case []any:
		for _, e := range v {
			if visitBelow(e, rest, fn) {
				return true
			}
		}
	case []map[string]any:
		for _, e := range v {
			if visit(e, rest, fn) {
				return true
			}
		}
	}
	return false
}

// visitValue passes v, or each element of an array v, to fn.
func visitValue(v any, fn func(any) bool) bool {
	switch v := v.(type) {
	case nil:
		return false
	case []any:
		for _, e := range v {
			if visitValue(e, fn) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range v {
			if fn(e) {
				return true
			}
		}
		return false
	}
	return fn(v)
}

// strValues returns the string values of a keyword field (or an ip field,
// whose values are text in JSON events).
func strValues(m map[string]any, name string) []string {
	var out []string
	visit(m, name, func(v any) bool {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
		return false
	})
	return out
}

// numValues returns the values of a long field as numbers.
func numValues(m map[string]any, name string) []float64 {
	var out []float64
	visit(m, name, func(v any) bool {
		if f, ok := toLong(v); ok {
			out = append(out, f)
		}
		return false
	})
	return out
}

// toLong reads an event value as Elasticsearch indexes it into a long field:
// numbers and numeric text, the fraction truncated.
func toLong(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case json.Number:
		return toLong(string(v))
	case string:
		if v == "" || strings.ContainsFunc(v, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E')
		}) {
			return 0, false
		}
		var err error
		if f, err = strconv.ParseFloat(v, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return math.Trunc(f), true
}

// netSet is a list of prefixes, IPv4 ones unmapped.
type netSet []netip.Prefix

// parseNets parses a space-separated list of CIDRs and addresses.
func parseNets(list string) (netSet, error) {
	var s netSet
	for _, f := range strings.Fields(list) {
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			f = a.String() + "/" + strconv.Itoa(a.BitLen())
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		s = append(s, p.Masked())
	}
	return s, nil
}

func mustNets(list string) netSet {
	s, err := parseNets(list)
	if err != nil {
		panic(err)
	}
	return s
}

// containsText reports whether the text ip is an address inside one of the
// prefixes. An IPv4-mapped IPv6 address is the IPv4 address, and a zone is
// ignored, as Elasticsearch stores addresses; text that is not an address is
// in no prefix.
func (s netSet) containsText(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range s {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// (2) The hand-written baseline.

var (
	handPrivate  = mustNets(privateNets)
	handExternal = mustNets(notExternal)
)

// HandWritten is FTPQuery written out in Go: what a programmer would write
// for this one rule, with the same field access and value coercions.
func HandWritten(e map[string]any) bool {
	return visit(e, "event.category", func(v any) bool {
		s, _ := v.(string)
		return s == "network" || s == "network_traffic"
	}) && visit(e, "network.transport", func(v any) bool {
		s, _ := v.(string)
		return s == "tcp"
	}) && (visit(e, "destination.port", func(v any) bool {
		f, ok := toLong(v)
		return ok && (f == 20 || f == 21)
	}) || visit(e, "event.dataset", func(v any) bool {
		s, _ := v.(string)
		return s == "zeek.ftp"
	})) && visit(e, "source.ip", func(v any) bool {
		s, _ := v.(string)
		return handPrivate.containsText(s)
	}) && !visit(e, "destination.ip", func(v any) bool {
		s, _ := v.(string)
		return handExternal.containsText(s)
	})
}

// ---------------------------------------------------------------------------
// (3) expr-lang/expr.

// ExprSource is FTPQuery in expr's language. What expr cannot say the same
// way is in the helper functions:
//   - field access: expr's e["source.ip"] reads one map key, and
//     e.source.ip one nesting; neither reads both shapes or fans arrays out,
//     so strs/nums do the ECS lookup and return every value as a list;
//   - types: expr has no ip or "long field" type; nums applies the long
//     field's coercion (numeric text, fraction truncated), and the string
//     lists skip values that are not text;
//   - CIDR membership: inNets(ip, Nets(...)) with netip; Nets is a constant
//     expression (expr.ConstExpr), so its list is parsed once at compile time.
const ExprSource = `any(strs(e, "event.category"), # in ["network", "network_traffic"]) and
any(strs(e, "network.transport"), # == "tcp") and
(any(nums(e, "destination.port"), # in [20.0, 21.0]) or any(strs(e, "event.dataset"), # == "zeek.ftp")) and
any(strs(e, "source.ip"), inNets(#, Nets("` + privateNets + `"))) and
none(strs(e, "destination.ip"), inNets(#, Nets("` + notExternal + `")))`

// exprEnv is the environment expr programs run in: the event as e.
type exprEnv struct {
	E map[string]any `expr:"e"`
}

// Nets parses a space-separated CIDR list. expr.ConstExpr needs it to be a
// method of the environment; it runs at compile time.
func (exprEnv) Nets(list string) (netSet, error) { return parseNets(list) }

// CompileExpr compiles ExprSource with expr.
func CompileExpr() (Matcher, error) {
	prog, err := expr.Compile(ExprSource,
		expr.Env(exprEnv{}),
		expr.AsBool(),
		expr.Function("strs", func(p ...any) (any, error) {
			return strValues(p[0].(map[string]any), p[1].(string)), nil
		}, new(func(map[string]any, string) []string)),
		expr.Function("nums", func(p ...any) (any, error) {
			return numValues(p[0].(map[string]any), p[1].(string)), nil
		}, new(func(map[string]any, string) []float64)),
		expr.ConstExpr("Nets"),
		expr.Function("inNets", func(p ...any) (any, error) {
			return p[1].(netSet).containsText(p[0].(string)), nil
		}, new(func(string, netSet) bool)),
	)
	if err != nil {
		return nil, fmt.Errorf("expr: %w", err)
	}
	var machine vm.VM // one VM per Matcher: reused, so not safe for concurrent use
	return func(e map[string]any) bool {
		out, err := machine.Run(prog, exprEnv{E: e})
		return err == nil && out.(bool)
	}, nil
}

// ---------------------------------------------------------------------------
// (4) cel-go.

// CELSource is FTPQuery in CEL. As for expr, field access, the long field's
// coercion and CIDR membership are custom functions: CEL's e["source.ip"]
// reads one key and e.source.ip is an error on a flat event, CEL has no ip
// type, and it has no variadic functions, so inNets takes its CIDR list as
// one constant string, parsed once when the program is planned (through
// cel-go's hook for constant regex arguments, cel.OptimizeRegex).
const CELSource = `strs(e, "event.category").exists(c, c in ["network", "network_traffic"]) &&
strs(e, "network.transport").exists(t, t == "tcp") &&
(nums(e, "destination.port").exists(p, p == 20.0 || p == 21.0) || strs(e, "event.dataset").exists(d, d == "zeek.ftp")) &&
strs(e, "source.ip").exists(a, inNets(a, "` + privateNets + `")) &&
!strs(e, "destination.ip").exists(a, inNets(a, "` + notExternal + `"))`

// celNetsParsed counts the calls of inNets that parsed their list at run
// time, which the tests expect to be none.
var celNetsParsed atomic.Int64

// CompileCEL compiles CELSource with cel-go.
func CompileCEL() (Matcher, error) {
	env, err := cel.NewEnv(
		cel.Variable("e", cel.MapType(cel.StringType, cel.DynType)),
		cel.Function("strs", cel.Overload("strs_map_string",
			[]*cel.Type{cel.MapType(cel.StringType, cel.DynType), cel.StringType}, cel.ListType(cel.StringType),
			cel.BinaryBinding(func(m, name ref.Val) ref.Val {
				ev, ok := m.Value().(map[string]any)
				if !ok {
					return types.NewErr("strs: event is %T", m.Value())
				}
				return types.NewStringList(types.DefaultTypeAdapter, strValues(ev, string(name.(types.String))))
			}))),
		cel.Function("nums", cel.Overload("nums_map_string",
			[]*cel.Type{cel.MapType(cel.StringType, cel.DynType), cel.StringType}, cel.ListType(cel.DoubleType),
			cel.BinaryBinding(func(m, name ref.Val) ref.Val {
				ev, ok := m.Value().(map[string]any)
				if !ok {
					return types.NewErr("nums: event is %T", m.Value())
				}
				return types.DefaultTypeAdapter.NativeToValue(numValues(ev, string(name.(types.String))))
			}))),
		cel.Function("inNets", cel.Overload("inNets_string_string",
			[]*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
			cel.BinaryBinding(func(ip, list ref.Val) ref.Val {
				// Only reached when the list is not a constant.
				celNetsParsed.Add(1)
				s, err := parseNets(string(list.(types.String)))
				if err != nil {
					return types.NewErrFromString(err.Error())
				}
				return types.Bool(s.containsText(string(ip.(types.String))))
			}))),
	)
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	ast, iss := env.Compile(CELSource)
	if iss.Err() != nil {
		return nil, fmt.Errorf("cel: %w", iss.Err())
	}
	prg, err := env.Program(ast,
		cel.EvalOptions(cel.OptOptimize),
		cel.OptimizeRegex(&interpreter.RegexOptimization{
			Function:   "inNets",
			RegexIndex: 1,
			Factory: func(call interpreter.InterpretableCall, list string) (interpreter.InterpretableCall, error) {
				s, err := parseNets(list)
				if err != nil {
					return nil, err
				}
				return interpreter.NewCall(call.ID(), call.Function(), call.OverloadID(), call.Args(), func(args ...ref.Val) ref.Val {
					ip, ok := args[0].(types.String)
					if !ok {
						return types.NoSuchOverloadErr()
					}
					return types.Bool(s.containsText(string(ip)))
				}), nil
			},
		}))
	if err != nil {
		return nil, fmt.Errorf("cel: %w", err)
	}
	return func(e map[string]any) bool {
		out, _, err := prg.Eval(&eventActivation{e: e})
		if err != nil {
			return false
		}
		b, ok := out.(types.Bool)
		return ok && bool(b)
	}, nil
}

// eventActivation is the CEL activation holding one event as e: cheaper
// than the map[string]any activation cel.Program.Eval otherwise builds.
type eventActivation struct{ e map[string]any }

// ResolveName implements interpreter.Activation.
func (a *eventActivation) ResolveName(name string) (any, bool) {
	if name == "e" {
		return a.e, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *eventActivation) Parent() interpreter.Activation { return nil }
