package eval

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestParseDateNanos: date_nanos values are read with the field's default
// format, strict_date_optional_time_nanos||epoch_millis
// (elasticsearch server/.../index/mapper/DateFieldMapper.java
// DEFAULT_DATE_TIME_NANOS_FORMATTER), kept to the nanosecond, and stored
// by Resolution.NANOSECONDS.convert, that is DateUtils.toLong
// (server/.../common/time/DateUtils.java), which refuses times before the
// epoch or after MAX_NANOSECOND_INSTANT, 2262-04-11T23:47:16.854775807Z.
func TestParseDateNanos(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // epoch nanoseconds
		err  string
	}{
		{in: "2021-03-04T05:06:07.123456789Z", want: 1614834367123456789},
		{in: "2021-03-04T05:06:07.123456789+01:00", want: 1614834367123456789 - 3600e9},
		{in: "2021-03-04T05:06:07,5Z", want: 1614834367500000000},
		{in: "2021-03-04", want: 1614816000000000000},
		{in: "1970-01-01T00:00:00Z", want: 0},
		{in: "0", want: 0},
		{in: "1.000001", want: 1_000_001},                                 // epoch_millis: a fraction of 6 digits is nanoseconds
		{in: "1614834367123.456789", want: 1614834367123456789},           // as EpochTime's millis parser reads it
		{in: "2262-04-11T23:47:16.854775807Z", want: 9223372036854775807}, // the last one
		{in: "1969-12-31T23:59:59.999999999Z", err: "before the epoch in 1970"},
		{in: "-1", err: "before the epoch in 1970"},
		{in: "-0.5", err: "before the epoch in 1970"},
		{in: "1900", err: "before the epoch in 1970"},
		{in: "2262-04-11T23:47:16.854775808Z", err: "is after 2262-04-11T23:47:16.854775807"},
		{in: "2263", err: "is after 2262-04-11T23:47:16.854775807"},
		{in: "yesterday", err: "is not a date"},
		{in: "1.0000001", err: "is not a date"}, // at most 6 digits of fraction in epoch_millis
	}
	for _, tt := range tests {
		got, err := ParseDateNanos(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDateNanos(%q) = %v, %v; want error with %q", tt.in, got, err, tt.err)
			}
		case err != nil:
			t.Errorf("ParseDateNanos(%q): %v", tt.in, err)
		case got.UnixNano() != tt.want:
			t.Errorf("ParseDateNanos(%q) = %d (%v), want %d", tt.in, got.UnixNano(), got, tt.want)
		}
	}
	// the millisecond reader keeps its precision
	if d, err := ParseDate("2021-03-04T05:06:07.123456789Z"); err != nil || d.UnixNano() != 1614834367123000000 {
		t.Errorf("ParseDate dropped the wrong digits: %v %v", d, err)
	}
}

// TestDateNanosType: "date_nanos" is a type of its own, which Kibana's
// data view shows as type "date" with esTypes ["date_nanos"]
// (kibana src/platform/packages/shared/kbn-field-types
// kbn_field_types_factory.ts: DATE_NANOS → KBN_FIELD_TYPES.DATE).
func TestDateNanosType(t *testing.T) {
	typ, ok := mapping.ParseType("date_nanos")
	if !ok || typ != mapping.DateNanos || typ.String() != "date_nanos" {
		t.Fatalf(`ParseType("date_nanos") = %v, %v`, typ, ok)
	}
	if typ, _ := mapping.ParseType("date"); typ != mapping.Date {
		t.Errorf(`ParseType("date") = %v`, typ)
	}
	f := mapping.Schema{"t": mapping.DateNanos}.View().Field("t")
	if f == nil || f.Type != "date" || len(f.ESTypes) != 1 || f.ESTypes[0] != "date_nanos" {
		t.Errorf("data view field of a date_nanos field: %+v", f)
	}
}

// TestDateNanosMatch: ranges on a date_nanos field compare nanoseconds;
// rounding up (lte and gt of a partial date, "/d") fills to
// ...999999999 (JavaDateFormatter's ROUND_UP_BASE_FIELDS with
// NANO_OF_SECOND 999999999, kept by Resolution.NANOSECONDS.convert where
// MILLISECONDS truncates it to .999); gt and lt then step by one unit of
// the field's resolution (DateFieldType.dateRangeQuery: ++l, --u).
func TestDateNanosMatch(t *testing.T) {
	tests := []struct {
		query, value string
		nanos, date  bool // matches on date_nanos, on date
	}{
		{`t >= "2021-03-04T05:06:07.123456789Z"`, "2021-03-04T05:06:07.123456789Z", true, true},
		{`t >= "2021-03-04T05:06:07.123456789Z"`, "2021-03-04T05:06:07.123456788Z", false, true},
		{`t > "2021-03-04T05:06:07.123Z"`, "2021-03-04T05:06:07.123000001Z", true, false},
		{`t > "2021-03-04T05:06:07.123Z"`, "2021-03-04T05:06:07.123Z", false, false},
		{`t < "2021-03-04T05:06:07.123Z"`, "2021-03-04T05:06:07.122999999Z", true, true},
		{`t <= "2021-03-04"`, "2021-03-04T23:59:59.999999999Z", true, true},
		{`t <= "2021-03-04"`, "2021-03-05T00:00:00Z", false, false},
		{`t > "2021-03-04"`, "2021-03-04T23:59:59.999999999Z", false, false},
		{`t > "2021-03-04"`, "2021-03-05T00:00:00.000000001Z", true, true},
		{`t <= "2021-03-04T05:06:07.123Z||/s"`, "2021-03-04T05:06:07.999999999Z", true, true},
		{`t < "2021-03-04||/d"`, "2021-03-03T23:59:59.999999999Z", true, true},
		{`t:2021-03-04`, "2021-03-04T23:59:59.999999999Z", true, true},
		{`t:2021-03-04`, "2021-03-03T23:59:59.999999999Z", false, false},
		{`t:"2021-03-04T05:06:07.123456789Z"`, "2021-03-04T05:06:07.123456789Z", true, true},
		{`t:"2021-03-04T05:06:07.123456789Z"`, "2021-03-04T05:06:07.123Z", false, true},
		{`t >= "2021-01-01"`, "1614834367123.000001", true, true},  // epoch_millis text with nanoseconds
		{`t <= "2021-01-01"`, "1969-12-31T00:00:00Z", false, true}, // refused by date_nanos: never indexed
		{`t >= 0`, "2263-01-01", false, true},
	}
	for _, tt := range tests {
		for _, typ := range []mapping.Type{mapping.DateNanos, mapping.Date} {
			want := tt.nanos
			if typ == mapping.Date {
				want = tt.date
			}
			p := compileT(t, tt.query, WithSchema(mapping.Schema{"t": typ}))
			if got := p.Match(Map{"t": tt.value}); got != want {
				t.Errorf("%v: %s on %q: %v, want %v", typ, tt.query, tt.value, got, want)
			}
		}
	}
}

// TestDateNanosBoundErrors: a query bound outside the date_nanos times is
// an error, as Resolution.NANOSECONDS.convert (DateUtils.toLong) throws
// while DateFieldType.parseToLong builds the query; "now" is read at match
// time and is always in range.
func TestDateNanosBoundErrors(t *testing.T) {
	for _, q := range []string{`t >= "1969-12-31"`, `t:1900`, `t < "2263-01-01"`, `t >= "1960-01-01||+1y"`} {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(x, WithSchema(mapping.Schema{"t": mapping.DateNanos}))
		if err == nil || !strings.Contains(err.Error(), "nanosecond resolution") {
			t.Errorf("%s: %v, want an error about nanosecond resolution", q, err)
		}
		if _, err := Compile(x, WithSchema(mapping.Schema{"t": mapping.Date})); err != nil {
			t.Errorf("%s on a date field: %v", q, err)
		}
	}
	now := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	p := compileT(t, `t >= now-1d/d`, WithSchema(mapping.Schema{"t": mapping.DateNanos}), WithClock(func() time.Time { return now }))
	if !p.Match(Map{"t": "2021-03-03T00:00:00.000000001Z"}) || p.Match(Map{"t": "2021-03-02T23:59:59.999999999Z"}) {
		t.Error("now-1d/d on date_nanos")
	}
}

// TestDateNanosRejects: a value date_nanos cannot store is malformed
// (DateFieldMapper.parseCreateField catches the IllegalArgumentException of
// DateUtils.toLong as a parse failure): refused, or skipped with
// ignore_malformed.
func TestDateNanosRejects(t *testing.T) {
	m := mapping.Mapping{"t": {Type: mapping.DateNanos}}
	for v, refused := range map[string]bool{"1969-12-31T23:59:59Z": true, "2021-03-04T05:06:07.123456789Z": false, "2263": true} {
		if _, got := Rejects(m, Map{"t": v}); got != refused {
			t.Errorf("Rejects(%q) = %v, want %v", v, got, refused)
		}
	}
	if _, got := Rejects(mapping.Mapping{"t": {Type: mapping.Date}}, Map{"t": "1969-12-31T23:59:59Z"}); got {
		t.Error("a date field refuses 1969")
	}
	if _, got := Rejects(mapping.Mapping{"t": {Type: mapping.DateNanos, IgnoreMalformed: true}}, Map{"t": "1969"}); got {
		t.Error("ignore_malformed: refused")
	}
}

// TestDateNanosAgreesWithDate (property): on millisecond-aligned times
// after the epoch, a range on a date_nanos field and the same range on a
// date field match the same values.
func TestDateNanosAgreesWithDate(t *testing.T) {
	rng := rand.New(rand.NewSource(proptest.Seed(t, "./eval")))
	const span = int64(400 * 365 * 24 * 3600 * 1000) // ms from 1970 to about 2370: some out of range
	ops := []string{">", ">=", "<", "<="}
	msText := func(ms int64) string {
		switch rng.Intn(4) {
		case 0:
			return fmt.Sprint(ms)
		case 1: // a partial date, rounded
			return time.UnixMilli(ms).UTC().Format("2006-01-02")
		}
		return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	for range 300 {
		ms := rng.Int63n(span)
		bound := ms + rng.Int63n(2001) - 1000
		if rng.Intn(4) == 0 {
			bound = ms
		}
		bound = max(bound, 0)
		q := fmt.Sprintf(`t %s "%s"`, ops[rng.Intn(len(ops))], msText(bound))
		v := msText(ms)
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		pd := compileT(t, q, WithSchema(mapping.Schema{"t": mapping.Date}))
		pn, err := Compile(x, WithSchema(mapping.Schema{"t": mapping.DateNanos}))
		if err != nil {
			continue // a bound date_nanos cannot hold
		}
		dms, _ := toMillis(v)
		if _, ok := toNanos(v); !ok || dms < 0 {
			continue // a value date_nanos does not index
		}
		if a, b := pd.Match(Map{"t": v}), pn.Match(Map{"t": v}); a != b {
			t.Fatalf("%s on %q: date %v, date_nanos %v", q, v, a, b)
		}
	}
}
