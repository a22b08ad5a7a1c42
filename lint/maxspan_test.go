package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
)

// TestSequenceSchedule: check warns where detection-rules' own tests
// (tests/test_all_rules.py in elastic/detection-rules) fail a sequence:
// test_eql_lookback when maxspan > look-back + 10m (look_back is to -
// from, to being now), test_eql_interval_to_maxspan when maxspan > 2.5m
// and interval / maxspan < 0.5 (interval 5m when not set).
func TestSequenceSchedule(t *testing.T) {
	for _, c := range []struct {
		from, interval, maxspan string
		want                    []string
	}{
		{"now-9m", "5m", "5m", nil},
		{"now-9m", "5m", "10m", nil},                                               // interval/maxspan = 0.5
		{"now-9m", "5m", "19m", []string{"maxspan-interval"}},                      // look-back 9m + 10m = 19m: not longer
		{"now-9m", "5m", "20m", []string{"maxspan-look-back", "maxspan-interval"}}, // both
		{"now-60m", "30m", "60m", nil},
		{"now-50m", "30m", "61m", []string{"maxspan-look-back", "maxspan-interval"}},
		{"now-6m", "", "2m", nil},                           // under 2.5m: no ratio asked
		{"now-6m", "", "11m", []string{"maxspan-interval"}}, // 5m default interval
		{"now-9m", "1m", "150s", nil},                       // 2.5m exactly: not above
		{"now-9m", "1m", "151s", []string{"maxspan-interval"}},
		{"now-30m", "1m", "30m", []string{"maxspan-interval"}},
		{"now-2m", "1m", "13m", []string{"maxspan-look-back", "maxspan-interval"}},
	} {
		interval := ""
		if c.interval != "" {
			interval = fmt.Sprintf("interval = %q\n", c.interval)
		}
		file := `[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["x"]
description = "x"
from = "` + c.from + `"
` + interval + `index = ["logs-endpoint.events.*"]
language = "eql"
license = "Elastic License v2"
name = "x"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "eql"
query = '''
sequence by process.entity_id with maxspan=` + c.maxspan + `
  [process where event.type == "start"]
  [network where true]
'''
`
		var got []string
		line := 0
		for _, f := range lint.NewChecker(nil).Rule("r.toml", []byte(file)) {
			if strings.HasPrefix(f.Code, "maxspan-") {
				got = append(got, f.Code)
				line = f.Line
				if f.Severity != lint.Warning {
					t.Errorf("%+v: %s is not a warning", c, f)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("from %s interval %q maxspan %s: %v, want %v", c.from, c.interval, c.maxspan, got, c.want)
		}
		if len(got) > 0 && line != 19+strings.Count(interval, "\n") {
			t.Errorf("%+v: on line %d, want the maxspan's", c, line)
		}
	}
}
