package eval

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestParseDate reads text as Elasticsearch's default date format,
// strict_date_optional_time||epoch_millis: DateFormatters'
// STRICT_DATE_OPTIONAL_TIME (Iso8601Parser.parse and tryParse, then the
// java.time STRICT_DATE_OPTIONAL_TIME_FORMATTER with its 4 to 10 digit
// EXCEEDS_PAD year), then EpochTime's millis parser. Elasticsearch issues
// 51080 and 63680 show "2021"-like numbers read as years.
func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" for not a date
	}{
		{"2021", "2021-01-01T00:00:00Z"},
		{"2021-03", "2021-03-01T00:00:00Z"},
		{"2021-03-04", "2021-03-04T00:00:00Z"},
		{"2021-03-04T", "2021-03-04T00:00:00Z"}, // Iso8601Parser: len 11 is a date
		{"2021-03-04T05", "2021-03-04T05:00:00Z"},
		{"2021-03-04T05Z", "2021-03-04T05:00:00Z"},
		{"2021-03-04T05:06", "2021-03-04T05:06:00Z"},
		{"2021-03-04T05:06:07", "2021-03-04T05:06:07Z"},
		{"2021-03-04T05:06:07Z", "2021-03-04T05:06:07Z"},
		{"2021-03-04T05:06:07.1Z", "2021-03-04T05:06:07.1Z"},
		{"2021-03-04T05:06:07.123Z", "2021-03-04T05:06:07.123Z"},
		{"2021-03-04T05:06:07,123Z", "2021-03-04T05:06:07.123Z"},
		{"2021-03-04T05:06:07.123456789Z", "2021-03-04T05:06:07.123Z"},
		{"2021-03-04T05:06:07.1234567890Z", ""}, // at most 9 digits
		{"2021-03-04T05:06+01:00", "2021-03-04T04:06:00Z"},
		{"2021-03-04T05:06:07+0100", "2021-03-04T04:06:07Z"},
		{"2021-03-04T05:06:07-05", "2021-03-04T10:06:07Z"},
		{"2021-03-04T05:06:07+01:00:30", "2021-03-04T04:05:37Z"},
		{"2021-03-04T05:06:07+01:0030", ""}, // colons on both or neither
		{"2021-03-04T05:06:07+18:00", "2021-03-03T11:06:07Z"},
		{"2021-03-04T05:06:07+18:01", ""},
		{"2021-03-04T05:06:07UTC", "2021-03-04T05:06:07Z"},
		{"2021-03-04Z", ""}, // a zone needs a time
		{"2021-03-04 05:06:07", ""},
		{"2021-02-29", ""},
		{"2020-02-29", "2020-02-29T00:00:00Z"},
		{"2021-13", ""},
		{"2021-00", ""},
		{"2021-03-04T24:00", ""},
		{"-2021", "-2021-01-01T00:00:00Z"}, // tryParse: a negative year
		{"+20210", "20210-01-01T00:00:00Z"},
		{"20210", "1970-01-01T00:00:20.21Z"}, // five digits need the sign: millis
		{"1609459200000", "2021-01-01T00:00:00Z"},
		{"1609459200000.5", "2021-01-01T00:00:00Z"},
		{"999", "1970-01-01T00:00:00.999Z"},
		{"0", "1970-01-01T00:00:00Z"},
		{"-999", "1969-12-31T23:59:59.001Z"},
		{"-1.5", "1969-12-31T23:59:59.998Z"},
		{"-1000", "-1000-01-01T00:00:00Z"}, // a negative year, not -1 s
		{"1e3", ""},
		{"12345678901234567890", ""},
		{"", ""},
		{" 2021", ""},
		{"2021-03-04T05:06:07Z ", ""},
		{"yesterday", ""},
		{"now", ""},
		{"2021-3-4", ""},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tt.in, err)
			continue
		}
		want, err := time.Parse(time.RFC3339Nano, tt.want)
		if err != nil {
			// years beyond 9999 or before 0: build them
			want = farYear(t, tt.want)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, want)
		}
	}
}

// farYear builds the times time.Parse cannot read: "YYYYY-01-01T00:00:00Z"
// with a year beyond 9999 or a negative one.
func farYear(t *testing.T, s string) time.Time {
	y, err := strconv.Atoi(strings.TrimSuffix(s, "-01-01T00:00:00Z"))
	if err != nil {
		t.Fatalf("bad want %q", s)
	}
	return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
}

// TestDateOf reads event values: a number is read as its text, as
// Elasticsearch's DateFieldMapper parses the text of a JSON number.
func TestDateOf(t *testing.T) {
	tests := []struct {
		in   any
		want time.Time
		ok   bool
	}{
		{json.Number("1609459200000"), time.UnixMilli(1609459200000), true},
		{float64(1609459200000), time.UnixMilli(1609459200000), true},
		{int64(1609459200000), time.UnixMilli(1609459200000), true},
		{json.Number("2021"), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{2021, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{float64(2021.5), time.UnixMilli(2021), true},
		{-1000, time.Date(-1000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{-999, time.UnixMilli(-999), true},
		{float64(-1.5), time.UnixMilli(-2), true},
		{"2021-03-04", time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2021, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600)), time.Date(2021, 3, 4, 4, 6, 7, 0, time.UTC), true},
		{float64(1e21), time.Time{}, false},
		{true, time.Time{}, false},
		{"garbage", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := DateOf(tt.in)
		if ok != tt.ok || ok && !got.Equal(tt.want) {
			t.Errorf("DateOf(%#v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPartialDateBounds checks every bound of a date query against the
// first and last millisecond it lets through. Kibana sends "f:v" on a date
// field as a range with gte and lte both v, the literal's text (Kibana's
// src/platform/packages/shared/kbn-es-query/src/kuery/functions/is.ts;
// grammar.peggy keeps an unquoted 2021 as the string "2021"), and "f < v"
// as that one bound (range.ts).
// Elasticsearch rounds gte and lt down, gt and lte up, and fills the
// fields a rounded-up date leaves out as JavaDateFormatter.defaultRoundUp
// does: month and day 1, hour 23, minute and second 59, nanoseconds
// 999999999; gt and lt then exclude the bound (DateFieldMapper's
// rangeQuery).
func TestPartialDateBounds(t *testing.T) {
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	const none = "none"
	tests := []struct {
		query  string
		lo, hi string // first and last matching time; none: unbounded
	}{
		{`@timestamp:2021`, "2021-01-01T00:00:00Z", "2021-01-01T23:59:59.999Z"},
		{`@timestamp:2021-03`, "2021-03-01T00:00:00Z", "2021-03-01T23:59:59.999Z"},
		{`@timestamp:2021-03-04`, "2021-03-04T00:00:00Z", "2021-03-04T23:59:59.999Z"},
		{`@timestamp:2021-03-04T05`, "2021-03-04T05:00:00Z", "2021-03-04T05:59:59.999Z"},
		{`@timestamp:"2021-03-04T05:06"`, "2021-03-04T05:06:00Z", "2021-03-04T05:06:59.999Z"},
		{`@timestamp:"2021-03-04T05:06:07"`, "2021-03-04T05:06:07Z", "2021-03-04T05:06:07.999Z"},
		{`@timestamp:"2021-03-04T05:06:07.5"`, "2021-03-04T05:06:07.5Z", "2021-03-04T05:06:07.5Z"},
		{`@timestamp:"2021-03-04T05:06+01:00"`, "2021-03-04T04:06:00Z", "2021-03-04T04:06:59.999Z"},
		{`@timestamp:1609459200000`, "2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z"},
		{`@timestamp >= 2021-03`, "2021-03-01T00:00:00Z", none},
		{`@timestamp > 2021-03`, "2021-03-02T00:00:00Z", none},
		{`@timestamp <= 2021-03`, none, "2021-03-01T23:59:59.999Z"},
		{`@timestamp < 2021-03`, none, "2021-02-28T23:59:59.999Z"},
		{`@timestamp > 2021`, "2021-01-02T00:00:00Z", none},
		{`@timestamp <= 2021`, none, "2021-01-01T23:59:59.999Z"},
		{`@timestamp >= 2021`, "2021-01-01T00:00:00Z", none},
		{`@timestamp < 2021`, none, "2020-12-31T23:59:59.999Z"},
		{`@timestamp > 2021-03-04T05`, "2021-03-04T06:00:00Z", none},
		{`@timestamp <= "2021-03-04T05:06:07"`, none, "2021-03-04T05:06:07.999Z"},
		{`@timestamp > "2021-03-04T05:06:07"`, "2021-03-04T05:06:08Z", none},
		{`@timestamp < "2021-03-04T05:06:07"`, none, "2021-03-04T05:06:06.999Z"},
	}
	for _, tt := range tests {
		p := compileT(t, tt.query, WithSchema(mapping.Schema{"@timestamp": mapping.Date}))
		check := func(at int64, want bool) {
			ev := map[string]any{"@timestamp": time.UnixMilli(at).UTC().Format(time.RFC3339Nano)}
			if got := p.Match(ev); got != want {
				t.Errorf("%s on %s = %v, want %v", tt.query, ev["@timestamp"], got, want)
			}
		}
		if tt.lo != none {
			check(ms(tt.lo), true)
			check(ms(tt.lo)-1, false)
		}
		if tt.hi != none {
			check(ms(tt.hi), true)
			check(ms(tt.hi)+1, false)
		}
	}
}

// TestDateMathMonths: JavaDateMathParser adds months and years with
// java.time's plusMonths and plusYears, which clamp the day to the end of
// the shorter month.
func TestDateMathMonths(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"2021-01-31||+1M", "2021-02-28T00:00:00Z"},
		{"2020-01-31||+1M", "2020-02-29T00:00:00Z"},
		{"2021-03-31||-1M", "2021-02-28T00:00:00Z"},
		{"2021-01-31T10:11:12Z||+3M", "2021-04-30T10:11:12Z"},
		{"2021-01-31||+13M", "2022-02-28T00:00:00Z"},
		{"2021-01-31||-13M", "2019-12-31T00:00:00Z"},
		{"2020-02-29||+1y", "2021-02-28T00:00:00Z"},
		{"2020-02-29||+4y", "2024-02-29T00:00:00Z"},
		{"2021-01-31||+1M+1M", "2021-03-28T00:00:00Z"},
		{"2021-01-31||+2M", "2021-03-31T00:00:00Z"},
		{"2021-01-31||+1M/M", "2021-02-01T00:00:00Z"},
	}
	for _, tt := range tests {
		d, err := parseDateMath(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got := time.UnixMilli(d.eval(time.Now, false)).UTC().Format(time.RFC3339)
		if got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

// TestAddMonthsProperties: the day is the input's day clamped to the new
// month's last day, the time of day is kept, and the date is monotonic
// (later days never give an earlier day).
func TestAddMonthsProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(proptest.Seed(t, "./eval")))
	base := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 5000 {
		a := base.Add(time.Duration(rng.Int63n(200*365*24)) * time.Hour).Add(time.Duration(rng.Intn(3600)) * time.Second)
		b := a.AddDate(0, 0, rng.Intn(40))
		n := rng.Intn(50) - 25
		ra, rb := addMonths(a, n), addMonths(b, n)
		y, m, d := a.Date()
		wantMonth := (y*12 + int(m) - 1 + n)
		if got := ra.Year()*12 + int(ra.Month()) - 1; got != wantMonth {
			t.Fatalf("addMonths(%v, %d) = %v: wrong month", a, n, ra)
		}
		if last := daysIn(ra.Year(), int(ra.Month())); ra.Day() != min(d, last) {
			t.Fatalf("addMonths(%v, %d) = %v: day %d, want min(%d, %d)", a, n, ra, ra.Day(), d, last)
		}
		if ra.Hour() != a.Hour() || ra.Minute() != a.Minute() || ra.Second() != a.Second() {
			t.Fatalf("addMonths(%v, %d) = %v: time of day changed", a, n, ra)
		}
		da := time.Date(ra.Year(), ra.Month(), ra.Day(), 0, 0, 0, 0, time.UTC)
		db := time.Date(rb.Year(), rb.Month(), rb.Day(), 0, 0, 0, 0, time.UTC)
		if db.Before(da) {
			t.Fatalf("addMonths(%v, %d) = %v after addMonths(%v, %d) = %v", a, n, ra, b, n, rb)
		}
	}
}

// TestDateOfAllocs: reading an event's date allocates nothing, whatever
// its form, so that Match stays allocation-free on date fields.
func TestDateOfAllocs(t *testing.T) {
	values := []any{"2021-03-04T05:06:07.123Z", "2021-03", "1614834367123", "garbage",
		json.Number("1614834367123"), json.Number("2021"), float64(1614834367123), float64(2021), -1000}
	for _, v := range values {
		if n := testing.AllocsPerRun(100, func() { DateOf(v) }); n != 0 {
			t.Errorf("DateOf(%#v): %v allocations", v, n)
		}
	}
}

func BenchmarkDateOf(b *testing.B) {
	for _, v := range []any{"2021-03-04T05:06:07.123Z", json.Number("1614834367123"), float64(1614834367123)} {
		b.Run(fmt.Sprintf("%T", v), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DateOf(v)
			}
		})
	}
}

// FuzzParseDate: any text is read without a panic, and a date rounded up
// is never before the same date rounded down.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021", "2021-03", "2021-03-04T", "2021-03-04T05:06:07.123456789+01:00:30",
		"-2021", "+20210", "1609459200000.5", "-1.5", "2021-03-04T05Z", "2021-03-04T05:06:07,5UTC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		down, ok := parseDate(s, false)
		up, okUp := parseDate(s, true)
		if ok != okUp {
			t.Fatalf("%q: read %v down, %v up", s, ok, okUp)
		}
		if ok && up < down {
			t.Fatalf("%q: rounded up %d before rounded down %d", s, up, down)
		}
		if _, err := ParseDate(s); (err == nil) != ok {
			t.Fatalf("%q: ParseDate and parseDate disagree", s)
		}
	})
}
