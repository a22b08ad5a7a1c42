// Package regress keeps regression baselines of a rules repository: which
// events each rule alerted on in a replay, written as stable, sorted,
// diff-friendly JSON; the comparison of a replay with its baseline, rule by
// rule, as events gained and lost; and JUnit XML for CI systems.
//
// An alerted event is known by its identity (see [Identity]): its index and
// _id, as Kibana's detection engine records the source of an alert
// (kibana.alert.ancestors) and de-duplicates on, or, for an event without
// _id, a hash of its content. Unlike a file and line, an identity survives
// reordering the event files, inserting events and renaming files; it
// changes only when the event itself does.
//
// [Run] is the test runner of "kqlrules test": it loads the rules, checks
// each against its own test events (RULE.test.ndjson, each event's
// "_expect" saying "alert" or "none"), replays them over event files,
// compares with the baseline and reports (a summary, JUnit XML, GitHub
// annotations, coverage).
package regress

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/replay"
)

// FormatVersion is the version of the baseline format, written as the
// value of "kqlrules_baseline".
const FormatVersion = 1

// Event is one alerted event in a baseline.
type Event struct {
	// ID is the event's identity (see Identity).
	ID string `json:"id"`
	// At is where the event was read, "file:line". It helps a reader find
	// the event; comparisons ignore it.
	At string `json:"at,omitempty"`
}

// Rule is one rule's outcome: the events it alerted on, or why it was not
// replayed.
type Rule struct {
	RuleID string `json:"rule_id"`
	Name   string `json:"name"`
	// File is the rule file, with forward slashes.
	File string `json:"file,omitempty"`
	// Skipped, when not empty, says why the rule was not replayed (such as
	// "type eql is not replayed"); it then has no events.
	Skipped string `json:"skipped,omitempty"`
	// Alerts is the number of alerts, len(Events): an event gives at most
	// one alert.
	Alerts int `json:"alerts"`
	// Events are the alerted events, sorted by ID.
	Events []Event `json:"events,omitempty"`
}

// Baseline is the outcome of a replay of a set of rules over a set of
// events, one entry a rule, sorted by rule_id.
type Baseline struct {
	Rules []Rule
}

// Identity returns the identity of an alert's event: "INDEX/ID" with the
// event's index (its _index or data stream) and _id, or "INDEX/hash:HEX"
// for an event without _id, where HEX is the content hash the replay
// de-duplicates on (replay.Alert.ID). An event without index (a replay with
// replay.WithAnyIndex) leaves out "INDEX/". A threshold alert stands for a
// group of events, not one: its identity is the group's terms and the
// execution, "threshold:FIELD=VALUE,...@TIME" (TIME as in
// 2023-01-01T00:05:00.000Z). The shell alert of an EQL sequence stands
// for its events: "sequence:" and their identities, comma-separated
// ("missing" for a missing event); its building blocks are their events'.
func Identity(a *replay.Alert) string {
	if s := a.Sequence; s != nil && s.Index < 0 {
		var ids []string
		for _, an := range s.Ancestors {
			switch {
			case an.Type != "event":
			case an.ID == "":
				ids = append(ids, "missing")
			case an.Index == "":
				ids = append(ids, an.ID)
			default:
				ids = append(ids, an.Index+"/"+an.ID)
			}
		}
		return "sequence:" + strings.Join(ids, ",")
	}
	if t := a.Threshold; t != nil {
		terms := make([]string, len(t.Terms))
		for i, x := range t.Terms {
			terms[i] = x.Field + "=" + x.Value
		}
		return "threshold:" + strings.Join(terms, ",") + "@" + a.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	id := a.ID
	if s, ok := a.Event().Fields["_id"].(string); !ok || s == "" {
		id = "hash:" + id
	}
	if a.Index == "" {
		return id
	}
	return a.Index + "/" + id
}

// EventOf returns the baseline entry of an alert's event.
func EventOf(a *replay.Alert) Event {
	return Event{ID: Identity(a), At: Location(a.File, a.Line)}
}

// Location formats a place in an event file as "file:line", with forward
// slashes; just the file when line is 0.
func Location(file string, line int) string {
	file = strings.ReplaceAll(file, `\`, "/")
	if line <= 0 {
		return file
	}
	return file + ":" + strconv.Itoa(line)
}

// Sort puts the rules in baseline order (by rule_id, then file), the
// events of each by ID, and sets each rule's Alerts to its number of
// events.
func (b *Baseline) Sort() {
	for i := range b.Rules {
		r := &b.Rules[i]
		slices.SortFunc(r.Events, func(x, y Event) int { return cmp.Compare(x.ID, y.ID) })
		r.Alerts = len(r.Events)
	}
	slices.SortFunc(b.Rules, func(x, y Rule) int {
		return cmp.Or(cmp.Compare(x.RuleID, y.RuleID), cmp.Compare(x.File, y.File))
	})
}

// Write sorts the baseline and writes it as JSON: two-space indentation,
// one rule field a line and one event a line, so that a change of the
// outcome is a change of a few lines.
func (b *Baseline) Write(w io.Writer) error {
	b.Sort()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"kqlrules_baseline\": %d,\n  \"rules\": [", FormatVersion)
	for i, r := range b.Rules {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    {\n")
		fmt.Fprintf(&buf, "      \"rule_id\": %s,\n      \"name\": %s,\n", jsonString(r.RuleID), jsonString(r.Name))
		if r.File != "" {
			fmt.Fprintf(&buf, "      \"file\": %s,\n", jsonString(r.File))
		}
		if r.Skipped != "" {
			fmt.Fprintf(&buf, "      \"skipped\": %s,\n", jsonString(r.Skipped))
		}
		fmt.Fprintf(&buf, "      \"alerts\": %d", r.Alerts)
		if len(r.Events) > 0 {
			buf.WriteString(",\n      \"events\": [")
			for j, e := range r.Events {
				if j > 0 {
					buf.WriteByte(',')
				}
				fmt.Fprintf(&buf, "\n        {\"id\": %s", jsonString(e.ID))
				if e.At != "" {
					fmt.Fprintf(&buf, ", \"at\": %s", jsonString(e.At))
				}
				buf.WriteByte('}')
			}
			buf.WriteString("\n      ]")
		}
		buf.WriteString("\n    }")
	}
	if len(b.Rules) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]\n}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonString returns s as a JSON string, without escaping HTML characters.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// WriteFile writes the baseline to the file at path (see Write),
// atomically: a temporary file in the same folder renamed over it, so
// that a failed write (a full disk) leaves the old baseline whole. An
// existing file keeps its permission bits.
func (b *Baseline) WriteFile(path string) error {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}

// Error is a baseline that cannot be read: where and why.
type Error struct {
	File string // "" for Parse
	Line int    // 1-based; 0 when the problem is not at one line
	Err  error
}

// Error returns "file:line: message", leaving out what is unknown.
func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	case e.File != "":
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ReadFile reads a baseline written by Write. A file that cannot be read
// gives the *fs.PathError; one that does not parse an *Error naming the
// file.
func ReadFile(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := Parse(data)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = path
		}
		return nil, err
	}
	return b, nil
}

// Parse decodes a baseline written by Write. It rejects unknown keys, a
// format version it does not know, rules without rule_id and rules listed
// twice. Errors are an *Error, with the line when the JSON decoder gives
// one.
func Parse(data []byte) (*Baseline, error) {
	var doc struct {
		Version *int   `json:"kqlrules_baseline"`
		Rules   []Rule `json:"rules"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{Line: jsonLine(data, dec, err), Err: decodeError(err)}
	}
	fail := func(format string, args ...any) (*Baseline, error) {
		return nil, &Error{Err: fmt.Errorf(format, args...)}
	}
	if dec.More() {
		return fail("more than one JSON value")
	}
	switch {
	case doc.Version == nil:
		return fail(`not a baseline: no "kqlrules_baseline" key`)
	case *doc.Version != FormatVersion:
		return fail("format version %d is not supported, only %d", *doc.Version, FormatVersion)
	}
	seen := make(map[string]bool, len(doc.Rules))
	for i, r := range doc.Rules {
		switch {
		case r.RuleID == "":
			return fail("rules[%d] (%s): no rule_id", i, r.Name)
		case seen[r.RuleID]:
			return fail("rules[%d]: rule_id %s is listed twice", i, r.RuleID)
		case r.Alerts != len(r.Events):
			return fail("rules[%d] (%s): alerts is %d but %d events are listed", i, r.RuleID, r.Alerts, len(r.Events))
		}
		seen[r.RuleID] = true
	}
	return &Baseline{Rules: doc.Rules}, nil
}

// decodeError says what is wrong with a baseline that does not decode,
// in the baseline's terms rather than encoding/json's Go types.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf(`not a baseline: a JSON %s, want an object with "kqlrules_baseline" and "rules"`, te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("%s: want %s, got a JSON %s", te.Field, kindOf(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON: %s", se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: unexpected end")
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return errors.New(msg) // unknown field "x"
	}
	return err
}

// kindOf names a Go type as the JSON it decodes.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return kindOf(t.Elem())
	}
	return "a number"
}

// jsonLine returns the line of a decoding error.
func jsonLine(data []byte, dec *json.Decoder, err error) int {
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}
