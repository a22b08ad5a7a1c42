package esdsl_test

import (
	"testing"
	_ "time/tzdata" // Europe/Paris wherever the test runs

	"github.com/kqlrules/kqlrules/esdsl"
)

// TestCheckTimeZone: the zones java.time.ZoneId.of accepts pass (IANA
// names, Z, UTC, GMT, offsets); a name it does not know is refused.
func TestCheckTimeZone(t *testing.T) {
	for tz, ok := range map[string]bool{
		"": true, "Browser": true, "Z": true, "UTC": true, "GMT": true,
		"+01:00": true, "-0530": true, "Europe/Paris": true,
		"Mars/Olympus": false, "+25": false,
	} {
		if err := esdsl.CheckTimeZone(tz); (err == nil) != ok {
			t.Errorf("CheckTimeZone(%q) = %v, want ok %v", tz, err, ok)
		}
	}
}
