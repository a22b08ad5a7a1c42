package replay_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/replay"
)

// Alert suppression on an EQL event-query rule is Kibana's in-memory
// suppression, not the query rule's composite aggregation. In
// elastic/kibana, x-pack/solutions/security/plugins/security_solution/
// server/lib/detection_engine/rule_types/eql/eql.ts hands the events of
// the _eql/search to bulkCreateSuppressedAlertsInMemory
// (rule_types/utils/bulk_create_suppressed_alerts_in_memory.ts): under
// missing_fields_strategy doNotSuppress the events missing a group_by
// field (partitionMissingFieldsEvents) become plain alerts, the others are
// wrapped (rule_types/utils/wrap_suppressed_alerts.ts) with the terms of
// suppression_utils.ts getSuppressionTerms, each field's value taken from
// the event's fields as a whole, an array sorted with lodash sortBy, null
// when missing; then x-pack/platform/plugins/shared/rule_registry/server/
// utils/create_persistence_rule_type_wrapper.ts (alertWithSuppression)
// sorts them by suppression start, keeps each instance's first as its
// alert (suppressAlertsInMemory: docs_count the others, end the latest),
// folds them into an open alert of the same terms whose kibana.alert.start
// is within the duration (now-duration; per execution without one), and
// cuts the new alerts at max_signals. eql.ts warns with
// getSuppressionMaxSignalsWarning when hits.total.value >= max_signals.

// suppEvent is a process event at 09:50:00 + sec s (eqlNow is 10:00, the
// executions every 5 minutes) with host.name hosts (none: no field).
func suppEvent(sec, n int, hosts ...string) map[string]any {
	ev := map[string]any{"@timestamp": eqlNow.Add(-10*time.Minute + time.Duration(sec)*time.Second).Format(time.RFC3339),
		"event": map[string]any{"category": "process"}, "n": n}
	switch len(hosts) {
	case 0:
	case 1:
		ev["host"] = map[string]any{"name": hosts[0]}
	default:
		ev["host"] = map[string]any{"name": hosts}
	}
	return ev
}

// suppAlert is what a test compares of an alert: its event's n, its
// suppression terms as JSON and docs_count ("-" without suppression).
func suppAlert(t *testing.T, a *replay.Alert) string {
	t.Helper()
	n := a.Event().Fields["n"]
	if a.Suppression == nil {
		return fmt.Sprintf("%v -", n)
	}
	b, err := json.Marshal(a.Suppression.Terms)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v %s %d", n, b, a.Suppression.DocsCount)
}

func TestEQLSuppressionKibana(t *testing.T) {
	const groupBy = "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"
	for _, tc := range []struct {
		name  string
		extra string
		from  string // the rule's look-back; "" now-5m
		evs   []map[string]any
		want  []string // the alerts, in the order they are written
		warn  bool     // the suppression max_signals warning
	}{{
		name:  "one group, one alert on its first event",
		extra: groupBy,
		evs:   []map[string]any{suppEvent(500, 0, "h"), suppEvent(510, 1, "h"), suppEvent(520, 2, "h")},
		want:  []string{`0 [{"field":"host.name","value":["h"]}] 2`},
	}, {
		// getSuppressionTerms: the sorted array is one value, where a
		// query rule's composite aggregation makes a group per value
		name:  "a multi-valued field is one term, its values sorted",
		extra: groupBy,
		evs:   []map[string]any{suppEvent(500, 0, "b", "a"), suppEvent(510, 1, "a", "b"), suppEvent(520, 2, "a")},
		want:  []string{`0 [{"field":"host.name","value":["a","b"]}] 1`, `2 [{"field":"host.name","value":["a"]}] 0`},
	}, {
		name:  "missing_fields_strategy suppress: one null group",
		extra: groupBy + "missing_fields_strategy = \"suppress\"\n",
		evs:   []map[string]any{suppEvent(500, 0), suppEvent(510, 1), suppEvent(520, 2, "h")},
		want:  []string{`0 [{"field":"host.name","value":null}] 1`, `2 [{"field":"host.name","value":["h"]}] 0`},
	}, {
		// partitionMissingFieldsEvents: plain alerts, written first
		name:  "missing_fields_strategy doNotSuppress: an alert each, first",
		extra: groupBy + "missing_fields_strategy = \"doNotSuppress\"\n",
		evs:   []map[string]any{suppEvent(500, 0, "h"), suppEvent(510, 1), suppEvent(520, 2), suppEvent(530, 3, "h")},
		want:  []string{"1 -", "2 -", `0 [{"field":"host.name","value":["h"]}] 1`},
	}, {
		// without a duration, suppression is per execution
		name:  "per execution: two executions, two alerts",
		extra: groupBy,
		evs:   []map[string]any{suppEvent(120, 0, "h"), suppEvent(480, 1, "h")},
		want:  []string{`0 [{"field":"host.name","value":["h"]}] 0`, `1 [{"field":"host.name","value":["h"]}] 0`},
	}, {
		// the 10:00 execution finds the alert of 09:55 open (its start
		// within now-10m): docs_count + 1 and end grow
		name:  "duration across executions: the open alert grows",
		extra: groupBy + "[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n",
		evs:   []map[string]any{suppEvent(120, 0, "h"), suppEvent(480, 1, "h")},
		want:  []string{`0 [{"field":"host.name","value":["h"]}] 1`},
	}, {
		// 09:55 is before now-4m: a new alert
		name:  "a duration shorter than the interval: a new alert",
		extra: groupBy + "[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 4\n",
		evs:   []map[string]any{suppEvent(120, 0, "h"), suppEvent(480, 1, "h")},
		want:  []string{`0 [{"field":"host.name","value":["h"]}] 0`, `1 [{"field":"host.name","value":["h"]}] 0`},
	}, {
		// suppressAlertsInMemory sorts by suppression start: the
		// earliest groups are kept (a composite aggregation would keep
		// "a" and "b", in key order); 3 events >= max_signals 3: warning
		name:  "max_signals keeps the earliest groups, and warns",
		extra: "max_signals = 3\n" + groupBy,
		evs:   []map[string]any{suppEvent(500, 0, "c"), suppEvent(510, 1, "b"), suppEvent(520, 2, "a")},
		want:  []string{`0 [{"field":"host.name","value":["c"]}] 0`, `1 [{"field":"host.name","value":["b"]}] 0`, `2 [{"field":"host.name","value":["a"]}] 0`},
		warn:  true,
	}, {
		name:  "max_signals cuts the groups in time order",
		extra: "max_signals = 2\n" + groupBy,
		evs:   []map[string]any{suppEvent(500, 0, "c"), suppEvent(510, 1, "b"), suppEvent(520, 2, "a")},
		// the search returns the window's last 2 events (tail)
		want: []string{`1 [{"field":"host.name","value":["b"]}] 0`, `2 [{"field":"host.name","value":["a"]}] 0`},
		warn: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := eqlRule(t, `process where true`, tc.extra)
			rep, err := replay.Run(r, replay.EventsOf(tc.evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range rep.Alerts {
				got = append(got, suppAlert(t, a))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			warned := slices.Contains(rep.Warnings, replay.SuppressionMaxSignalsWarning)
			if warned != tc.warn || slices.Contains(rep.Warnings, replay.MaxSignalsWarning) {
				t.Errorf("warnings %q, want the suppression warning: %v", rep.Warnings, tc.warn)
			}
		})
	}
	if replay.SuppressionMaxSignalsWarning != "This rule reached the maximum alert limit for the rule execution. Some alerts were not created or suppressed." {
		t.Errorf("SuppressionMaxSignalsWarning = %q, not getSuppressionMaxSignalsWarning's text", replay.SuppressionMaxSignalsWarning)
	}
}
