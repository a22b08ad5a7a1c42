package replay

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// Alert is one alert, as Kibana's detection engine would have written it.
// Document gives it in Kibana's shape; MarshalJSON writes that. Its
// methods are safe for concurrent use while no one sets its fields. An
// Alert must not be copied: it holds a mutex, which guards the decoding
// of its event (see Event).
type Alert struct {
	// UUID is kibana.alert.uuid: a SHA-256 (hex) of the event's index and
	// id, the rule version and the rule's UUID. Kibana too derives alert
	// ids deterministically from the source document and the rule; the
	// exact inputs here are this package's, so the same event gives the
	// same alert id in every run, not necessarily Kibana's id. The
	// alerts of an EQL sequence carry Kibana's ids (see Sequence).
	UUID string
	// Index and ID identify the event (its _index or data stream name, and
	// its _id or a hash of its content).
	Index, ID string
	// File and Line tell where the event was read: the name it was read
	// under and its 1-based line, 0 for an event built in Go. Event
	// returns them too; reading them here does not decode the event.
	File string
	Line int
	// Time is the execution that created the alert (the alert's
	// @timestamp); EventTime the event time the window was searched on.
	Time, EventTime time.Time
	// Enrichments are an indicator match alert's threat.enrichments.
	Enrichments []Enrichment

	// Threshold is the threshold result of a threshold rule's alert; its
	// Event then holds the group's terms and latest time, not an event.
	Threshold *ThresholdResult
	// NewTerms are the new values of a new terms rule's alert, one per
	// new_terms_fields entry.
	NewTerms []string
	// Suppression is set on an alert of a rule with alert_suppression.
	Suppression *Suppression
	// Sequence is set on the alerts of an EQL sequence or sample: its
	// shell alert (whose Event holds the fields its events share, and
	// Index and ID are empty) and its building blocks.
	Sequence *SequenceAlert

	rule    *rules.Rule
	uuid    string
	version int
	query   string
	index   []string

	// the event's fields (eventFields): fields, or, until the first
	// call decodes it, text. Until own, text can be the replay's memory
	// (borrowed): the sorter's, or buf's, a buffer of eventTexts. mu
	// guards text, fields, borrowed and buf.
	mu       sync.Mutex
	text     []byte
	fields   map[string]any
	borrowed bool
	buf      *[]byte
}

// Rule returns the rule that created the alert.
func (a *Alert) Rule() *rules.Rule { return a.rule }

// Event returns the original event: its fields, and File and Line.
//
// The replay keeps the text of an alert's event and decodes it on the
// first call of Event (or of Document or MarshalJSON, which read the
// fields), not before: an alert whose fields no one reads costs a copy of
// the text rather than its decoding; one whose fields the AlertFunc
// reads, its decoding only. Every call returns the same map,
// whose values Document's map shares: it is the alert's, not to be
// modified. Event is safe for concurrent use: the first call decodes,
// the others wait for it.
//
// The fields of a threshold rule's alert are the group's terms and its
// latest time rather than an event's; those of a sequence's shell alert
// are what its events share (nil when they share nothing).
func (a *Alert) Event() events.Record {
	return events.Record{Fields: a.eventFields(), File: a.File, Line: a.Line}
}

// eventFields returns the event's fields, decoding its text on the first
// call. An alert keeps only a text that is one JSON object (newAlert
// checks it), which decodes.
func (a *Alert) eventFields() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.text != nil {
		rec, _ := events.Raw{JSON: a.text, File: a.File, Line: a.Line}.Decode()
		a.fields, a.text = rec.Fields, nil
	}
	return a.fields
}

// own makes the alert's text, when it borrows the replay's memory and
// was not decoded meanwhile, a copy of its own, and gives back the
// buffer it borrowed. The replay calls it once the alert is handed on
// (emit) or held, before its memory is reused: an alert whose fields
// the AlertFunc reads (the command's alert lines) is decoded from the
// replay's memory, as it was built, at no copy.
func (a *Alert) own() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.borrowed {
		return
	}
	if a.text != nil {
		a.text = bytes.Clone(a.text)
	}
	if a.buf != nil {
		eventTexts.Put(a.buf)
	}
	a.borrowed, a.buf = false, nil
}

// nameUUID returns a name-based UUID (SHA-1, version 5 layout) for name.
func nameUUID(name string) string {
	sum := sha1.Sum([]byte("kqlrules rule " + name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newAlert builds the alert on a hit's event at the execution at: the
// alert keeps the event's text, which Event decodes, or the fields of an
// event given decoded. The text is borrowed, until own: the sorter's
// memory, or the text read again from its file into a buffer of
// eventTexts. The caller hands the alert to emit at once, or calls own
// before keeping it. A text that cannot be read again, or is not one
// JSON object (a caller of AddFacts broke its promise), is the runner's
// error, and the alert has no fields.
func (rn *runner) newAlert(h *hit, at time.Time) *Alert {
	id := rn.identity(h)
	ver := strconv.Itoa(rn.rep.Version)
	sum := sha256.Sum256([]byte(h.index + id + ver + rn.cfg.ruleUUID))
	a := rn.alertOn(h, at)
	a.UUID, a.ID = hex.EncodeToString(sum[:]), id
	if h.ev.Fields != nil || !h.ref.ok() || h.released {
		a.fields = h.ev.Fields
		return a
	}
	a.borrowed = true
	text := h.ref.mem
	if h.ref.f != nil {
		a.buf = eventTexts.Get().(*[]byte)
		var err error
		if text, err = h.ref.readInto(*a.buf); err != nil {
			rn.fail(err)
			return a
		}
		*a.buf = text
	}
	if err := events.CheckObject(text); err != nil {
		rn.fail(&events.Error{File: h.ev.File, Line: h.ev.Line, Err: err})
		return a
	}
	a.text = text
	return a
}

// alertOn is an alert of the rule at the execution at on the hit's event
// (its index, time, file and line), without an id or fields.
func (rn *runner) alertOn(h *hit, at time.Time) *Alert {
	return &Alert{
		Index: h.index, File: h.ev.File, Line: h.ev.Line,
		Time: at, EventTime: time.UnixMilli(h.t).UTC(),
		rule: rn.rule, uuid: rn.cfg.ruleUUID, version: rn.rep.Version,
		query: rn.rep.Query, index: rn.rep.Index,
	}
}

// isoMillis formats a time as JavaScript's toISOString does.
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Document returns the alert as Kibana writes it to the alerts index: the
// event's fields (without _id, _index and @timestamp), "@timestamp" the
// execution time, "event.kind": "signal" (the event's own event.* values
// kept under kibana.alert.original_event), and the kibana.alert.* fields
// in flat dotted keys: uuid, status, workflow_status, depth, ancestors,
// original_time (the event's @timestamp), reason, severity, risk_score,
// intended_timestamp, and kibana.alert.rule.* (uuid, rule_id, name,
// description, type, version, severity, risk_score, from, to, interval,
// max_signals, indices, tags, threat, author, license, references,
// false_positives, timestamp_override, parameters with the query).
func (a *Alert) Document() map[string]any {
	fields := a.eventFields()
	doc := make(map[string]any, len(fields)+40)
	// the event's event.* values: its "event" object's (shared, not
	// copied, as the document shares the event's other values) and its
	// flat event.* keys'
	var nestedEvent, flatEvent map[string]any
	nested := false
	for k, v := range fields {
		switch {
		case k == "_id" || k == "_index" || k == "@timestamp":
			continue
		case k == "event":
			if m, ok := v.(map[string]any); ok {
				nestedEvent, nested = m, true
				c := make(map[string]any, len(m)+1)
				for ek, ev := range m {
					c[ek] = ev
				}
				c["kind"] = "signal"
				doc[k] = c
				continue
			}
		case strings.HasPrefix(k, "event."):
			if flatEvent == nil {
				flatEvent = make(map[string]any)
			}
			flatEvent[k[len("event."):]] = v
		}
		doc[k] = v
	}
	if !nested {
		doc["event.kind"] = "signal"
	}
	origEvent := nestedEvent
	if flatEvent != nil {
		origEvent = flatEvent
		if len(nestedEvent) > 0 {
			// both: the flat key wins a name they share
			origEvent = make(map[string]any, len(nestedEvent)+len(flatEvent))
			maps.Copy(origEvent, nestedEvent)
			maps.Copy(origEvent, flatEvent)
		}
	}
	if len(origEvent) > 0 {
		doc["kibana.alert.original_event"] = origEvent
	}
	doc["@timestamp"] = isoMillis(a.Time)
	if len(a.Enrichments) > 0 {
		a.enrich(doc)
	}
	if v, ok := firstValue(fields, timestamp); ok {
		if t, ok := eval.DateOf(v); ok {
			doc["kibana.alert.original_time"] = isoMillis(t)
		}
	}
	r := a.rule
	put := func(k string, v any) { doc[k] = v }
	put("kibana.space_ids", []string{"default"})
	put("kibana.alert.uuid", a.UUID)
	put("kibana.alert.status", "active")
	put("kibana.alert.workflow_status", "open")
	put("kibana.alert.depth", 1)
	put("kibana.alert.ancestors", []map[string]any{{"id": a.ID, "index": a.Index, "type": "event", "depth": 0}})
	put("kibana.alert.reason", a.reason())
	put("kibana.alert.severity", string(a.severity()))
	put("kibana.alert.risk_score", a.riskScore())
	put("kibana.alert.intended_timestamp", isoMillis(a.Time))
	put("kibana.alert.rule.uuid", a.uuid)
	put("kibana.alert.rule.rule_id", r.RuleID)
	put("kibana.alert.rule.name", a.ruleName())
	put("kibana.alert.rule.description", r.Description)
	put("kibana.alert.rule.type", string(r.Type))
	put("kibana.alert.rule.rule_type_id", ruleTypeID(r.Type))
	put("kibana.alert.rule.consumer", "siem")
	put("kibana.alert.rule.execution.type", "scheduled")
	put("kibana.alert.rule.version", a.version)
	put("kibana.alert.rule.severity", string(r.Severity))
	put("kibana.alert.rule.risk_score", r.RiskScore)
	put("kibana.alert.rule.from", r.From)
	put("kibana.alert.rule.to", "now")
	put("kibana.alert.rule.interval", rules.FormatInterval(r.Interval))
	put("kibana.alert.rule.max_signals", r.MaxSignals)
	put("kibana.alert.rule.indices", a.index)
	put("kibana.alert.rule.tags", nonNil(r.Tags))
	put("kibana.alert.rule.threat", nonNilThreat(r.Threat))
	put("kibana.alert.rule.author", nonNil(r.Author))
	put("kibana.alert.rule.references", nonNil(r.References))
	put("kibana.alert.rule.false_positives", nonNil(r.FalsePositives))
	if r.License != "" {
		put("kibana.alert.rule.license", r.License)
	}
	if r.TimestampOverride != "" {
		put("kibana.alert.rule.timestamp_override", r.TimestampOverride)
	}
	if r.BuildingBlockType != "" {
		put("kibana.alert.building_block_type", r.BuildingBlockType)
		put("kibana.alert.rule.building_block_type", r.BuildingBlockType)
	}
	params := map[string]any{"query": a.query, "language": string(r.QueryLanguage()), "index": a.index}
	if r.TimestampOverride != "" {
		params["timestamp_override"] = r.TimestampOverride
	}
	if r.Threshold != nil {
		params["threshold"] = r.Threshold
	}
	if len(r.NewTermsFields) > 0 {
		params["new_terms_fields"] = r.NewTermsFields
		params["history_window_start"] = r.HistoryWindowStart
	}
	if r.AlertSuppression != nil {
		params["alert_suppression"] = r.AlertSuppression
	}
	put("kibana.alert.rule.parameters", params)
	if t := a.Threshold; t != nil {
		res := map[string]any{"count": t.Count, "from": isoMillis(t.From), "terms": nonNilSlice(t.Terms)}
		if len(t.Cardinality) > 0 {
			res["cardinality"] = t.Cardinality
		}
		put("kibana.alert.threshold_result", res)
	}
	if a.NewTerms != nil {
		put("kibana.alert.new_terms", a.NewTerms)
	}
	if s := a.Sequence; s != nil {
		// build_alert_group_from_sequence.ts
		put("kibana.alert.group.id", s.GroupID)
		if s.Index >= 0 {
			put("kibana.alert.group.index", s.Index)
			put("kibana.alert.building_block_type", "default")
		} else {
			// the shell's parents are the building blocks: depth 2, and
			// its original time the first one's @timestamp (the
			// execution's: getValidDateFromDoc of docs[0])
			put("kibana.alert.ancestors", s.Ancestors)
			put("kibana.alert.depth", 2)
			put("kibana.alert.original_time", isoMillis(a.Time))
		}
	}
	if s := a.Suppression; s != nil {
		put("kibana.alert.suppression.terms", s.Terms)
		put("kibana.alert.suppression.docs_count", s.DocsCount)
		put("kibana.alert.suppression.start", isoMillis(s.Start))
		put("kibana.alert.suppression.end", isoMillis(s.End))
	}
	return doc
}

// ruleTypeID is Kibana's alerting rule type id of a detection rule type.
func ruleTypeID(t rules.Type) string {
	switch t {
	case rules.TypeEQL:
		return "siem.eqlRule"
	case rules.TypeThreshold:
		return "siem.thresholdRule"
	case rules.TypeNewTerms:
		return "siem.newTermsRule"
	case rules.TypeThreatMatch:
		return "siem.indicatorRule"
	case rules.TypeSavedQuery:
		return "siem.savedQueryRule"
	}
	return "siem.queryRule"
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ruleName is the rule's name, or the event's value of rule_name_override
// when it has one (Kibana's buildRuleNameFromMapping).
func (a *Alert) ruleName() string {
	r := a.rule
	if r.RuleNameOverride != "" && a.Sequence == nil { // a sequence's alerts: applyOverrides false
		if v := stringValue(a.eventFields(), eval.NewPath(r.RuleNameOverride)); v != "" {
			return v
		}
	}
	return r.Name
}

// severity is the rule's severity, or that of the most severe
// severity_mapping entry whose field has the entry's value in the event
// (Kibana's buildSeverityFromMapping sorts the mapping by severity,
// highest first, and takes the first match).
func (a *Alert) severity() rules.Severity {
	r := a.rule
	best, rank := r.Severity, -1
	if a.Sequence != nil { // a sequence's alerts: applyOverrides false
		return best
	}
	for _, m := range r.SeverityMapping {
		i := m.Severity.Rank()
		if i <= rank {
			continue
		}
		var c termCollector
		eval.Map(a.eventFields()).Values(eval.NewPath(m.Field), &c)
		if slices.Contains(c.vals, m.Value) {
			best, rank = m.Severity, i
		}
	}
	return best
}

// riskScore is the rule's risk score, or the event's value of the first
// risk_score_mapping field when it is a number from 0 to 100 (Kibana's
// buildRiskScoreFromMapping).
func (a *Alert) riskScore() any {
	r := a.rule
	if len(r.RiskScoreMapping) > 0 && a.Sequence == nil { // a sequence's alerts: applyOverrides false
		if v, ok := firstValue(a.eventFields(), eval.NewPath(r.RiskScoreMapping[0].Field)); ok {
			var n float64
			switch x := v.(type) {
			case float64:
				n, ok = x, true
			case int64:
				n, ok = float64(x), true
			case int:
				n, ok = float64(x), true
			case json.Number:
				n, ok = eval.ParseNumber(x.String())
			case string:
				n, ok = eval.ParseNumber(x)
			default:
				ok = false
			}
			if ok && n >= 0 && n <= 100 {
				return n
			}
		}
	}
	return r.RiskScore
}

// enrich appends the enrichments to the event's threat.enrichments, as
// Kibana's enrichSignalWithThreatMatches does, in a nested "threat" object
// when the event has one, else under the flat key.
func (a *Alert) enrich(doc map[string]any) {
	add := func(old any) []any {
		var out []any
		switch old := old.(type) {
		case nil:
		case []any:
			out = append(out, old...)
		default:
			out = append(out, old)
		}
		for _, e := range a.Enrichments {
			out = append(out, e)
		}
		return out
	}
	if t, ok := doc["threat"].(map[string]any); ok {
		c := make(map[string]any, len(t)+1)
		for k, v := range t {
			c[k] = v
		}
		c["enrichments"] = add(t["enrichments"])
		doc["threat"] = c
		return
	}
	doc["threat.enrichments"] = add(doc["threat.enrichments"])
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilThreat(s []rules.Threat) []rules.Threat {
	if s == nil {
		return []rules.Threat{}
	}
	return s
}

// reason writes kibana.alert.reason in Kibana's manner: "network event with
// source 10.1.2.3:51000, destination 8.8.8.8:21, on host web-1 created low
// alert FTP ...".
func (a *Alert) reason() string {
	f := a.eventFields()
	var b strings.Builder
	if c := stringValue(f, reasonPaths.category); c != "" {
		b.WriteString(c)
		b.WriteString(" ")
	}
	b.WriteString("event")
	sep := " with "
	addr := func(what string, ip, port *eval.Path) {
		v := stringValue(f, ip)
		if v == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(what)
		sep = ", "
		p := stringValue(f, port)
		switch {
		case p == "":
			b.WriteString(v)
			return
		case strings.Contains(v, ":"):
			b.WriteString("[" + v + "]")
		default:
			b.WriteString(v)
		}
		b.WriteString(":")
		b.WriteString(p)
	}
	addr("source ", reasonPaths.sourceIP, reasonPaths.sourcePort)
	addr("destination ", reasonPaths.destIP, reasonPaths.destPort)
	if h := stringValue(f, reasonPaths.host); h != "" {
		b.WriteString(", on ")
		b.WriteString(h)
	}
	fmt.Fprintf(&b, " created %s alert %s.", a.rule.Severity, a.rule.Name)
	return b.String()
}

// reasonPaths are the fields reason reads.
var reasonPaths = struct {
	category, sourceIP, sourcePort, destIP, destPort, host *eval.Path
}{
	eval.NewPath("event.category"),
	eval.NewPath("source.ip"), eval.NewPath("source.port"),
	eval.NewPath("destination.ip"), eval.NewPath("destination.port"),
	eval.NewPath("host.name"),
}

// MarshalJSON writes Document, keys sorted, without escaping HTML
// characters ("MITRE ATT&CK" stays as it is).
func (a *Alert) MarshalJSON() ([]byte, error) {
	return events.AppendJSON(nil, a.Document())
}
