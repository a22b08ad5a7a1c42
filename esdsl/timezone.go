package esdsl

import (
	"fmt"
	"time"
)

// CheckTimeZone refuses a time zone Elasticsearch would refuse in a range's
// time_zone (java.time.ZoneId.of): an IANA zone name, Z, UTC or GMT, or
// a numeric offset such as +01:00; Kibana's "Browser" stands for the
// browser's zone. Kibana's dateFormat:tz setting names the zone FromKQL
// gives date ranges (Options.DateFormatTZ). Zone names are looked up with
// time.LoadLocation: a program that runs where no zone database is
// installed imports time/tzdata, as kqlrules does.
func CheckTimeZone(tz string) error {
	switch tz {
	case "", "Browser", "Z", "UTC", "GMT", "Zulu":
		return nil
	}
	if _, err := time.Parse("-07:00", tz); err == nil {
		return nil
	}
	if _, err := time.Parse("-0700", tz); err == nil {
		return nil
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("unknown time zone %q: give an IANA name such as Europe/Paris, UTC, or an offset such as +01:00", tz)
	}
	return nil
}
