package rules

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is one kind of change a version made to the rule.
type Change string

// Kinds of change. A version's Changes say what differs from the version
// before it.
const (
	ChangeCreated    Change = "created"    // the first version
	ChangeQuery      Change = "query"      // the query changed in meaning (or may have)
	ChangeIndex      Change = "index"      // the index patterns changed
	ChangeFormatting Change = "formatting" // formatting only: the query means what it meant
	ChangeOther      Change = "other"      // metadata, description, schedule...
)

var knownChanges = []Change{ChangeCreated, ChangeQuery, ChangeIndex, ChangeFormatting, ChangeOther}

// Version is one version of a rule: what it changed and what was in force
// while it was the current version.
type Version struct {
	// Number is the rule's version number, 1 for the first.
	Number int `json:"version"`
	// Release is the Kibana (Elastic Stack) release that shipped the
	// version, such as "7.6.0"; "" when unknown.
	Release string `json:"release,omitempty"`
	// Changes says what differs from the previous version.
	Changes []Change `json:"changes,omitempty"`
	// Query and Index are the query and index patterns in force.
	Query string   `json:"query,omitempty"`
	Index []string `json:"index,omitempty"`
	// Note is free text: the source of the entry, its caveats.
	Note string `json:"note,omitempty"`
	// Inferred names the fields of this entry ("query", "index") that the
	// sources do not state but were inferred; see Note for how.
	Inferred []string `json:"inferred,omitempty"`
}

// Has reports whether the version lists change c.
func (v Version) Has(c Change) bool { return slices.Contains(v.Changes, c) }

// FormattingOnly reports whether the version changed the query's formatting
// but not its meaning: it lists ChangeFormatting and not ChangeQuery.
func (v Version) FormattingOnly() bool {
	return v.Has(ChangeFormatting) && !v.Has(ChangeQuery)
}

// History is a rule's versions, oldest first, with strictly increasing
// numbers (Validate checks it).
type History []Version

// ErrNoVersion is returned (wrapped) by the History lookups when the asked
// version or release has no version of the rule.
var ErrNoVersion = errors.New("no such version")

// At returns the version numbered n.
func (h History) At(n int) (Version, error) {
	for _, v := range h {
		if v.Number == n {
			return v, nil
		}
	}
	if len(h) == 0 {
		return Version{}, fmt.Errorf("version %d: %w: the rule has no version history", n, ErrNoVersion)
	}
	return Version{}, fmt.Errorf("version %d: %w: the history has versions %s", n, ErrNoVersion, h.numbers())
}

func (h History) numbers() string {
	ns := make([]string, len(h))
	for i, v := range h {
		ns[i] = strconv.Itoa(v.Number)
	}
	return strings.Join(ns, ", ")
}

// QueryAt returns the query in force at version n.
func (h History) QueryAt(n int) (string, error) {
	v, err := h.At(n)
	return v.Query, err
}

// IndexAt returns the index patterns in force at version n.
func (h History) IndexAt(n int) ([]string, error) {
	v, err := h.At(n)
	return v.Index, err
}

// Latest returns the last version; false when the history is empty.
func (h History) Latest() (Version, bool) {
	if len(h) == 0 {
		return Version{}, false
	}
	return h[len(h)-1], true
}

// AtRelease returns the version in force at a Kibana release: the latest
// version whose release is at or before the given one, releases compared
// numerically (7.10.0 is after 7.9.0). Versions without a release are
// skipped. A release before the first version's gives an error wrapping
// ErrNoVersion; a malformed release an error saying so. Deprecation is not
// considered: a later release gets the last version.
func (h History) AtRelease(release string) (Version, error) {
	want, err := parseRelease(release)
	if err != nil {
		return Version{}, err
	}
	found := -1
	for i, v := range h {
		if v.Release == "" {
			continue
		}
		have, err := parseRelease(v.Release)
		if err != nil {
			return Version{}, fmt.Errorf("version %d: %w", v.Number, err)
		}
		if compareRelease(have, want) <= 0 {
			found = i
		}
	}
	if found < 0 {
		first := ""
		for _, v := range h {
			if v.Release != "" {
				first = v.Release
				break
			}
		}
		if first == "" {
			return Version{}, fmt.Errorf("release %s: %w: the history gives no releases", release, ErrNoVersion)
		}
		return Version{}, fmt.Errorf("release %s: %w: the rule was first released in %s", release, ErrNoVersion, first)
	}
	return h[found], nil
}

// CompareReleases compares two releases such as "7.9.0" and "7.10.1"
// numerically, component by component, a missing component counting as 0
// ("7.10" = "7.10.0"). It returns -1, 0 or +1, or an error for a release
// that is not dot-separated decimal numbers.
func CompareReleases(a, b string) (int, error) {
	x, err := parseRelease(a)
	if err != nil {
		return 0, err
	}
	y, err := parseRelease(b)
	if err != nil {
		return 0, err
	}
	return compareRelease(x, y), nil
}

func parseRelease(s string) ([]int, error) {
	if s == "" {
		return nil, fmt.Errorf("release %q: empty", s)
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, fmt.Errorf("release %q: more than 4 components", s)
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (p[0] == '+') {
			return nil, fmt.Errorf("release %q: must be numbers separated by dots, such as 7.10.0", s)
		}
		out[i] = n
	}
	return out, nil
}

func compareRelease(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Group is a run of consecutive versions that ran the same query.
type Group struct {
	// Query is the text of the group's first version.
	Query string
	// Versions are the versions in the group, oldest first.
	Versions []Version
}

// Numbers returns the version numbers of the group.
func (g Group) Numbers() []int {
	ns := make([]int, len(g.Versions))
	for i, v := range g.Versions {
		ns[i] = v.Number
	}
	return ns
}

// Distinct returns the distinct queries of the history in order: a version
// joins the group before it when its query text is exactly the previous
// version's, or when it is marked formatting-only (FormattingOnly). A query
// that comes back after another starts a new group.
func (h History) Distinct() []Group {
	return h.DistinctBy(nil)
}

// DistinctBy is Distinct with a query comparison of the caller's, such as
// equality of parsed trees: a version joins the group before it when
// same(previous query, its query) is true or it is formatting-only. A nil
// same compares the texts exactly.
func (h History) DistinctBy(same func(a, b string) bool) []Group {
	if same == nil {
		same = func(a, b string) bool { return a == b }
	}
	var groups []Group
	for i, v := range h {
		if i > 0 && (v.FormattingOnly() || same(h[i-1].Query, v.Query)) {
			g := &groups[len(groups)-1]
			g.Versions = append(g.Versions, v)
			continue
		}
		groups = append(groups, Group{Query: v.Query, Versions: []Version{v}})
	}
	return groups
}

// validate checks the history on its own and against the rule.
func (h History) validate(r *Rule, ps *problems) {
	for i, v := range h {
		f := fmt.Sprintf("history[%d]", i)
		if v.Number < 1 {
			if !ps.has(f + ".version") {
				ps.add(f+".version", "must be a positive version number, got %d", v.Number)
			}
		} else if i > 0 && h[i-1].Number >= v.Number {
			ps.add(f+".version", "must be greater than the previous entry's %d, got %d", h[i-1].Number, v.Number)
		}
		if v.Release != "" {
			if _, err := parseRelease(v.Release); err != nil {
				ps.add(f+".release", "%v", err)
			} else if i > 0 && h[i-1].Release != "" {
				if c, err := CompareReleases(h[i-1].Release, v.Release); err == nil && c > 0 {
					ps.add(f+".release", "%s is before the previous entry's %s", v.Release, h[i-1].Release)
				}
			}
		}
		if len(v.Changes) == 0 {
			ps.add(f+".changes", "required: say what the version changed (%s)", changeList())
		}
		for j, c := range v.Changes {
			if !slices.Contains(knownChanges, c) {
				ps.add(fmt.Sprintf("%s.changes[%d]", f, j), "unknown change %q, want one of %s", c, changeList())
			}
		}
		if v.Query == "" && r.Query != "" && !ps.has(f+".query") {
			ps.add(f+".query", "required: the query in force at the version")
		}
		for _, x := range v.Inferred {
			if x != "query" && x != "index" {
				ps.add(f+".inferred", "unknown field %q, want query or index", x)
			}
		}
		if i == 0 {
			continue
		}
		prev := h[i-1]
		switch {
		case v.Query != prev.Query && !v.Has(ChangeQuery) && !v.Has(ChangeFormatting):
			ps.add(f+".query", "differs from version %d's but changes list neither query nor formatting", prev.Number)
		case v.Query == prev.Query && v.Has(ChangeQuery):
			ps.add(f+".changes", "lists query but the query is version %d's", prev.Number)
		}
		switch {
		case !slices.Equal(v.Index, prev.Index) && !v.Has(ChangeIndex):
			ps.add(f+".index", "differs from version %d's but changes do not list index", prev.Number)
		case slices.Equal(v.Index, prev.Index) && v.Has(ChangeIndex):
			ps.add(f+".changes", "lists index but the index is version %d's", prev.Number)
		}
	}
	last, ok := h.Latest()
	if !ok {
		return
	}
	f := fmt.Sprintf("history[%d]", len(h)-1)
	if r.Version != 0 && last.Number != r.Version {
		ps.add(f+".version", "the last version is %d but rule.version is %d", last.Number, r.Version)
	}
	if last.Query != r.Query {
		ps.add(f+".query", "the last version's query differs from rule.query")
	}
	if len(last.Index) > 0 && !slices.Equal(last.Index, r.Index) {
		ps.add(f+".index", "the last version's index %q differs from rule.index %q", last.Index, r.Index)
	}
}

func changeList() string {
	s := make([]string, len(knownChanges))
	for i, c := range knownChanges {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// AtVersion returns the rule as it was at version n of its history: a copy
// with that version's number, query and index patterns (the rule's own
// when the version gives none) and no history. n equal to the rule's
// version with no history returns the rule itself.
func (r *Rule) AtVersion(n int) (*Rule, error) {
	if n == r.Version && len(r.History) == 0 {
		return r, nil
	}
	v, err := r.History.At(n)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Version, c.Query, c.History = v.Number, v.Query, nil
	if len(v.Index) > 0 {
		c.Index = v.Index
	}
	return &c, nil
}
