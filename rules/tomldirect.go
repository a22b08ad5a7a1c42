package rules

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// directTOML decodes a detection-rules TOML file straight into a rule,
// without the maps of decodeTOML for what nearly every file holds: the
// string, list-of-strings and integer keys of [metadata] and [rule]
// (metaString, ruleString, ruleStrings, ruleInt) and the
// [[rule.threat]] tables with their tactic, techniques and
// subtechniques. Every other key and table is read by the fast decoder
// into its maps and decoded by top as the map path decodes it (with
// d.direct naming the rule's keys set already).
//
// It returns nil, and leaves d as it found it, for a document it leaves
// to the map path (decodeTOML, top): one the fast decoder does not
// take, a threat table of another shape than the usual one, and any
// document that gives a problem or a warning, whose order and wording
// the map path owns. A rule it returns is the one the map path gives
// (TestDirectTOMLTree, FuzzDirectTOML).
func (d *decoder) directTOML(data []byte) *Rule {
	if bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("\ufeff")) {
		return nil // the caller checked UTF-8
	}
	p, _ := directParsers.Get().(*directParser)
	if p == nil {
		p = &directParser{}
	}
	defer p.release()
	p.d, p.r = d, &Rule{}
	p.s = unsafe.String(unsafe.SliceData(data), len(data)) // as fastTOML reads it
	p.root = p.table(tableRoot)
	p.cur = p.root
	if n := strings.Count(p.s, "[[rule.threat]]"); n > 0 {
		p.r.Threat = make([]Threat, 0, n) // room for the usual threats (a hint)
	}
	if !p.lines(p) || !p.check() {
		return p.reject()
	}
	d.direct = p.ruleKeys
	r := d.top(p.r, p.root)
	d.direct = nil
	if len(d.ps.list) > 0 || len(d.src.Warnings) > 0 {
		return p.reject()
	}
	return r
}

// directParser is the fast decoder with the tables directTOML decodes
// itself.
type directParser struct {
	fastParser
	d    *decoder
	r    *Rule
	mode directMode // where the key/values read go
	// ruleTable and metaTable are the maps of [rule] and [metadata],
	// which hold the keys not decoded here; nil until their header
	ruleTable, metaTable map[string]any
	// ruleKeys and metaKeys are the keys decoded here
	ruleKeys, metaKeys []string
	threats            bool       // a [[rule.threat]] header was read
	given              threatKeys // the keys given in the current threat's tables
	strs               []string   // the strings of the list being read
	// tables are the maps of the root, [rule] and [metadata] of the
	// documents done, emptied, for the next (table): a rule keeps none
	// of them (top copies their values out)
	tables [tableCount]map[string]any
}

// The tables a directParser keeps for the next document.
const (
	tableRoot = iota
	tableRule
	tableMeta
	tableCount
)

// table returns the emptied map kept for table i, made the first time.
func (p *directParser) table(i int) map[string]any {
	if p.tables[i] == nil {
		p.tables[i] = map[string]any{}
	}
	return p.tables[i]
}

// directParsers holds the directParsers of documents done (release).
var directParsers sync.Pool

// release empties p, which keeps no string of its document nor any of
// its tables, and puts it in the pool.
func (p *directParser) release() {
	clear(p.curPath)
	for _, t := range p.tables {
		clear(t)
	}
	p.fastParser = fastParser{
		curPath: p.curPath[:0],
		defined: pathSet{list: clearList(p.defined.list)},
		inline:  pathSet{list: clearList(p.inline.list)},
		items:   clearList(p.items),
		keys:    clearList(p.keys),
		arrays:  clearList(p.arrays),
	}
	*p = directParser{fastParser: p.fastParser, ruleKeys: clearList(p.ruleKeys),
		metaKeys: clearList(p.metaKeys), strs: clearList(p.strs), tables: p.tables}
	directParsers.Put(p)
}

// clearList returns l emptied, its elements zeroed.
func clearList[E any](l []E) []E {
	clear(l)
	return l[:0]
}

// directMode is the table the key/values being read go to.
type directMode uint8

const (
	modeMaps      directMode = iota // the fast decoder's current table
	modeMetadata                    // [metadata]
	modeRule                        // [rule]
	modeThreat                      // the last [[rule.threat]]
	modeTactic                      // its [rule.threat.tactic]
	modeTechnique                   // its last [[rule.threat.technique]]
	modeSub                         // that technique's last [[rule.threat.technique.subtechnique]]
)

// threatKeys are the keys given in the current threat's tables, each
// once at most.
type threatKeys uint16

const (
	givenFramework threatKeys = 1 << iota
	givenTactic
	givenTacticID
	givenTacticName
	givenTacticReference
	givenTechID // of the last technique or subtechnique
	givenTechName
	givenTechReference
)

// reject undoes what the parse did to the decoder and returns nil.
func (p *directParser) reject() *Rule {
	p.d.ps.list, p.d.src.Warnings, p.d.direct = nil, nil, nil
	clear(p.d.keys)
	p.d.keys = p.d.keys[:0]
	return nil
}

// check reports whether the tables read here and those of the maps
// make the document toml.Decode reads: no key of [rule] or [metadata]
// given twice, no threat beside the [[rule.threat]] tables, and a
// [rule] table.
func (p *directParser) check() bool {
	if p.ruleTable == nil {
		return false // no [rule]: a problem
	}
	if t, ok := p.root["rule"].(map[string]any); !ok || !sameMap(t, p.ruleTable) {
		return false
	}
	if _, ok := p.ruleTable["threat"]; ok && p.threats {
		return false
	}
	if p.threats && slices.Contains(p.ruleKeys, "threat") {
		return false
	}
	if p.metaTable != nil {
		if t, ok := p.root["metadata"].(map[string]any); !ok || !sameMap(t, p.metaTable) {
			return false
		}
	}
	for _, path := range p.inline.list {
		if path == ".rule" || path == ".metadata" {
			return false
		}
	}
	return p.inline.m == nil || !p.inline.m[".rule"] && !p.inline.m[".metadata"]
}

// sameMap reports whether a and b are one map.
func sameMap(a, b map[string]any) bool {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a)) == *(*unsafe.Pointer)(unsafe.Pointer(&b))
}

// header reads a table header: [metadata] and [rule], whose keys the
// maps hold but those read here, the threat tables, read here, and
// any other, the fast decoder's.
func (p *directParser) header() bool {
	var buf [4]string
	array, parts, ok := p.headerKeys(buf[:0])
	if !ok {
		return false
	}
	p.checkOnly = false
	switch {
	case len(parts) >= 2 && parts[0] == "rule" && parts[1] == "threat":
		return p.threatHeader(array, parts[2:])
	case len(parts) > 1 && parts[0] == "metadata":
		return false // left to the map path
	case len(parts) == 1 && !array && (parts[0] == "rule" || parts[0] == "metadata"):
		p.spare = p.table(tableRule)
		if parts[0] == "metadata" {
			p.spare = p.table(tableMeta)
		}
		ok := p.open(false, parts, false)
		p.spare = nil // not taken: the table was made by a header before
		if !ok {
			return false
		}
		if parts[0] == "rule" {
			p.mode, p.ruleTable = modeRule, p.cur
		} else {
			p.mode, p.metaTable = modeMetadata, p.cur
		}
		return true
	}
	p.mode = modeMaps
	// a run keeps no [transform] table (decoder.top): its values are
	// checked, not made
	p.checkOnly = p.d.noGuides && parts[0] == "transform"
	return p.open(array, parts, true)
}

// threatHeader reads the header [[rule.threat]] (rest empty),
// [rule.threat.tactic], [[rule.threat.technique]] or
// [[rule.threat.technique.subtechnique]].
func (p *directParser) threatHeader(array bool, rest []string) bool {
	if v, ok := p.root["rule"]; ok {
		if _, table := v.(map[string]any); !table {
			return false
		}
	}
	threats := p.r.Threat
	switch {
	case array && len(rest) == 0:
		p.r.Threat = append(p.r.Threat, Threat{})
		p.threats, p.given, p.mode = true, 0, modeThreat
	case len(threats) == 0:
		return false
	case !array && len(rest) == 1 && rest[0] == "tactic":
		if p.given&givenTactic != 0 {
			return false
		}
		p.given |= givenTactic
		p.mode = modeTactic
	case array && len(rest) == 1 && rest[0] == "technique":
		t := &threats[len(threats)-1]
		if t.Techniques == nil { // room for the threat's techniques (a hint)
			t.Techniques = make([]Technique, 0, 1+countBefore(p.s[p.i:], "[[rule.threat.technique]]", "[[rule.threat]]"))
		}
		t.Techniques = append(t.Techniques, Technique{})
		p.given &^= givenTechID | givenTechName | givenTechReference
		p.mode = modeTechnique
	case array && len(rest) == 2 && rest[0] == "technique" && rest[1] == "subtechnique":
		t := &threats[len(threats)-1]
		if len(t.Techniques) == 0 {
			return false
		}
		tech := &t.Techniques[len(t.Techniques)-1]
		if tech.Subtechniques == nil { // room for the technique's subtechniques (a hint)
			tech.Subtechniques = make([]Technique, 0, 1+countBefore(p.s[p.i:], "[[rule.threat.technique.subtechnique]]", "[[rule.threat.technique]]", "[[rule.threat]]"))
		}
		tech.Subtechniques = append(tech.Subtechniques, Technique{})
		p.given &^= givenTechID | givenTechName | givenTechReference
		p.mode = modeSub
	default:
		return false
	}
	return true
}

// countBefore counts the headers h in s before the first of the headers
// stops.
func countBefore(s, h string, stops ...string) int {
	for _, stop := range stops {
		if i := strings.Index(s, stop); i >= 0 {
			s = s[:i]
		}
	}
	return strings.Count(s, h)
}

// keyValue reads key = value into the table of the mode.
func (p *directParser) keyValue() bool {
	switch p.mode {
	case modeMaps:
		return p.fastParser.keyValue()
	case modeRule, modeMetadata:
		return p.tableKeyValue()
	}
	k, ok := p.key()
	if !ok || !p.equals() {
		return false
	}
	s, ok := p.str()
	if !ok {
		return false // not a string: left to the map path
	}
	threats := p.r.Threat
	t := &threats[len(threats)-1]
	var bit threatKeys
	var dst *string
	switch p.mode {
	case modeThreat:
		if k == "framework" {
			bit, dst = givenFramework, &t.Framework
		}
	case modeTactic:
		bit, dst = tacticKey(&t.Tactic, k)
	case modeTechnique:
		bit, dst = techniqueKey(&t.Techniques[len(t.Techniques)-1], k)
	case modeSub:
		tech := &t.Techniques[len(t.Techniques)-1]
		bit, dst = techniqueKey(&tech.Subtechniques[len(tech.Subtechniques)-1], k)
	}
	if dst == nil || p.given&bit != 0 {
		return false // an unknown key (a warning), or a key given twice
	}
	p.given |= bit
	*dst = s
	return true
}

// tacticKey is the field of the tactic key k.
func tacticKey(t *Tactic, k string) (threatKeys, *string) {
	switch k {
	case "id":
		return givenTacticID, &t.ID
	case "name":
		return givenTacticName, &t.Name
	case "reference":
		return givenTacticReference, &t.Reference
	}
	return 0, nil
}

// techniqueKey is the field of the technique (or subtechnique) key k.
func techniqueKey(t *Technique, k string) (threatKeys, *string) {
	switch k {
	case "id":
		return givenTechID, &t.ID
	case "name":
		return givenTechName, &t.Name
	case "reference":
		return givenTechReference, &t.Reference
	}
	return 0, nil
}

// equals reads the " = " after a key.
func (p *directParser) equals() bool {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '=' {
		return false // a dotted key, or no value
	}
	p.i++
	p.skipSpace()
	return true
}

// tableKeyValue reads a key/value of [rule] or [metadata]: into the rule
// when its value has the type of its field, else into the table's map.
func (p *directParser) tableKeyValue() bool {
	start := p.i
	k, ok := p.key()
	if !ok || !p.equals() {
		return false
	}
	keys := &p.ruleKeys
	if p.mode == modeMetadata {
		keys = &p.metaKeys
	}
	if _, exists := p.cur[k]; exists || slices.Contains(*keys, k) {
		return false // given twice
	}
	if p.i < len(p.s) && p.direct(k) {
		*keys = append(*keys, k)
		return true
	}
	p.i = start // read again, into the map
	return p.fastParser.keyValue()
}

// direct reads the value of the key k of [rule] or [metadata] into the
// rule if it has its field's type, and reports whether it did.
func (p *directParser) direct(k string) bool {
	switch c := p.s[p.i]; {
	case c == '"' || c == '\'':
		if p.d.noGuides && p.mode == modeRule && (k == "note" || k == "setup") {
			// checked, not made: the caller clears it (decodeWith)
			p.skip = true
			_, ok := p.str()
			p.skip = false
			return ok
		}
		s, ok := p.str()
		if !ok {
			return false
		}
		if p.mode == modeMetadata {
			return metaString(&p.r.Metadata, k, s)
		}
		return ruleString(p.r, k, s, p.d.ps)
	case c == '[':
		if p.mode == modeMetadata && k != "integration" {
			return false
		}
		ss, ok := p.strings()
		if !ok {
			return false
		}
		if p.mode == modeMetadata {
			p.r.Metadata.Integration = ss
			return true
		}
		return ruleStrings(p.r, k, ss)
	case p.mode == modeRule && (c == '+' || c == '-' || '0' <= c && c <= '9'):
		v, ok := p.integer()
		n, isInt := v.(int64)
		if !ok || !isInt || n > math.MaxInt32 || n < math.MinInt32 {
			return false // out of range: a problem
		}
		return ruleInt(p.r, k, int(n))
	}
	return false
}

// strings reads an array of strings, nil when empty, as decoder.strs
// gives it; false for any other array.
func (p *directParser) strings() ([]string, bool) {
	p.i++
	base := len(p.strs)
	defer func() { p.strs = p.strs[:base] }()
	for {
		if !p.skipBlank() || p.i >= len(p.s) {
			return nil, false
		}
		if p.s[p.i] == ']' {
			p.i++
			break
		}
		if c := p.s[p.i]; c != '"' && c != '\'' {
			return nil, false
		}
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		p.strs = append(p.strs, s)
		if !p.skipBlank() || p.i >= len(p.s) {
			return nil, false
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] != ']' {
			return nil, false
		}
		p.i++
		break
	}
	if len(p.strs) == base {
		return nil, true
	}
	return slices.Clone(p.strs[base:]), true
}
