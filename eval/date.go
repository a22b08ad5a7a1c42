package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Dates are compared as milliseconds since the epoch, in UTC, as
// Elasticsearch's date type stores them, and date_nanos values as
// nanoseconds since the epoch. Text is read as Elasticsearch's default
// formats read it: "strict_date_optional_time||epoch_millis" for date,
// "strict_date_optional_time_nanos||epoch_millis" for date_nanos
// (DateFieldMapper.DEFAULT_DATE_TIME_FORMATTER and
// DEFAULT_DATE_TIME_NANOS_FORMATTER), which read the same text (see
// ParseDate). The readers below return a time as epoch milliseconds (the
// floor) and the nanoseconds within that millisecond, 0 to 999999, so
// that both resolutions share them.

// precision of a parsed date text: the smallest unit it gave.
const (
	precYear = iota
	precMonth
	precDay
	precHour
	precMinute
	precSecond
	precFraction
)

// ParseDate reads s as Elasticsearch reads a date with its default format,
// strict_date_optional_time||epoch_millis (DateFormatters'
// STRICT_DATE_OPTIONAL_TIME: Iso8601Parser, then java.time's
// STRICT_DATE_OPTIONAL_TIME_FORMATTER; then EpochTime's millis parser):
//
//   - an ISO 8601 date, as far as it goes: "2021" (a year of exactly four
//     digits, or "-" and 4 to 10 digits, or "+" and 5 to 10), "2021-03",
//     "2021-03-04", then "T" and "05", "05:06", "05:06:07",
//     "05:06:07.123456789" (or ","); the missing fields are the first of
//     their unit (2021 is 2021-01-01T00:00:00Z);
//   - after the hour, an optional zone: "Z", "UTC", "GMT", "UT", or an
//     offset "+01", "+0100", "+01:00", "+01:00:30" (at most 18 hours); no
//     zone is UTC;
//   - else epoch milliseconds: an optional "-", up to 19 digits, an
//     optional fraction of 1 to 6 digits.
//
// So "2021" is the year 2021, not 2021 ms, and "-1000" the year -1000, as
// in Elasticsearch; "999" and "-999" are milliseconds. Leading or trailing
// spaces are refused. The time is returned in UTC, to the millisecond
// (Elasticsearch's date precision; the fraction beyond is dropped).
func ParseDate(s string) (time.Time, error) {
	ms, _, ok := parseInstant(s, false)
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a date (want ISO 8601 such as 2021-03-04T05:06:07Z, 2021-03-04 or 2021, or epoch milliseconds)", s)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// ParseDateNanos reads s as Elasticsearch reads a date_nanos value with
// its default format, strict_date_optional_time_nanos||epoch_millis
// (DateFieldMapper.DEFAULT_DATE_TIME_NANOS_FORMATTER): the text
// [ParseDate] reads, kept to the nanosecond
// ("2021-03-04T05:06:07.123456789Z"; epoch milliseconds with a fraction
// of up to 6 digits: "1.000001" is one millisecond and one nanosecond). As
// DateUtils.toLong refuses them, times before 1970-01-01T00:00:00Z or
// after 2262-04-11T23:47:16.854775807Z (the nanoseconds an int64 holds)
// are an error.
func ParseDateNanos(s string) (time.Time, error) {
	ms, sub, ok := parseInstant(s, false)
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a date (want ISO 8601 such as 2021-03-04T05:06:07.123456789Z, 2021-03-04 or 2021, or epoch milliseconds)", s)
	}
	ns, err := nanosOf(ms, sub)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, ns).UTC(), nil
}

// maxNanosMs and maxNanosSub are the last date_nanos time,
// 2262-04-11T23:47:16.854775807Z (DateUtils.MAX_NANOSECOND_INSTANT), as
// epoch milliseconds and nanoseconds within the millisecond.
const (
	maxNanosMs  = math.MaxInt64 / 1_000_000
	maxNanosSub = math.MaxInt64 % 1_000_000
)

// nanosOf converts epoch milliseconds and the nanoseconds within the
// millisecond to epoch nanoseconds, refusing, with its message, the times
// DateUtils.toLong refuses.
func nanosOf(ms int64, sub int) (int64, error) {
	if ns, ok := inNanos(ms, sub); ok {
		return ns, nil
	}
	if ms < 0 {
		return 0, fmt.Errorf("date[%s] is before the epoch in 1970 and cannot be stored in nanosecond resolution", instantText(ms, sub))
	}
	return 0, fmt.Errorf("date[%s] is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution", instantText(ms, sub))
}

// inNanos is nanosOf without the error, for matching: it does not
// allocate.
func inNanos(ms int64, sub int) (int64, bool) {
	if ms < 0 || ms > maxNanosMs || ms == maxNanosMs && sub > maxNanosSub {
		return 0, false
	}
	return ms*1_000_000 + int64(sub), true
}

// instantText prints a time as RFC 3339 with the nanoseconds it has.
func instantText(ms int64, sub int) string {
	return time.UnixMilli(ms).Add(time.Duration(sub)).UTC().Format(time.RFC3339Nano)
}

// DateOf returns the time of an event value as Elasticsearch indexes it in
// a date field: text as ParseDate reads it; a number (json.Number or any
// Go number) as ParseDate reads its decimal text, as Elasticsearch parses
// the text of a JSON number (1609459200000 is epoch milliseconds, but 2021
// is the year 2021); a time.Time as it is. ok is false for anything else.
// It does not allocate.
func DateOf(v any) (t time.Time, ok bool) {
	ms, _, ok := toInstant(v)
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// parseDate reads date text (see ParseDate) to epoch milliseconds, with
// the rounding of parseInstant.
func parseDate(s string, roundUp bool) (int64, bool) {
	ms, _, ok := parseInstant(s, roundUp)
	return ms, ok
}

// parseInstant reads date text (see ParseDate) to epoch milliseconds and the
// nanoseconds within the millisecond. With roundUp the fields the text
// leaves out are filled as Elasticsearch fills them for the "gt" and "lte"
// bounds of a range (JavaDateFormatter's defaultRoundUp): month and day 1,
// hour 23, minute and second 59, and 999999999 nanoseconds. So "2021-03"
// rounds up to 2021-03-01T23:59:59.999999999Z (.999Z on a date field),
// not to the end of March.
func parseInstant(s string, roundUp bool) (ms int64, sub int, ok bool) {
	ms, sub, isDate, ok := parseISODate(s, roundUp)
	if isDate {
		return ms, sub, ok
	}
	return parseEpochMillis(s)
}

// parseEpochMillis reads epoch milliseconds as EpochTime's millis parser
// does: -?digits{1,19}(.digits{1,6})?; the fraction is nanoseconds (sub,
// counted from the earlier millisecond: "-1.25" is -2 ms and 750000 ns).
func parseEpochMillis(s string) (ms int64, sub int, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intEnd := i
	if intEnd == start || intEnd-start > 19 {
		return 0, 0, false
	}
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		fs, scale := i, 100_000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			frac += int(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == fs || i-fs > 6 {
			return 0, 0, false
		}
	}
	if i != len(s) {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(s[:intEnd], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if frac != 0 && s[0] == '-' {
		if n == math.MinInt64 {
			return 0, 0, false
		}
		n, frac = n-1, 1_000_000-frac
	}
	return n, frac, true
}

// digitsAt reads exactly n decimal digits of s at i.
func digitsAt(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// minDateSec and maxDateSec bound the times whose epoch milliseconds fit
// an int64, with room for rounding up.
const (
	maxDateSec = math.MaxInt64/1000 - 1
	minDateSec = math.MinInt64/1000 + 1
)

// parseISODate reads the ISO 8601 form of ParseDate. isDate reports
// whether s has its form; ok whether it is also a valid time (2021-02-30
// and years beyond epoch milliseconds are not, and are not read as epoch
// milliseconds either: Elasticsearch refuses them).
func parseISODate(s string, roundUp bool) (ms int64, sub int, isDate, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' || i == 0 && len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		i++
	}
	year, yearDigits := 0, i
	neg := len(s) > 0 && s[0] == '-'
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		yearDigits--
	}
	switch {
	case yearDigits == 4 && i == 4: // unsigned: exactly four digits
	case neg && yearDigits >= 4 && yearDigits <= 10:
	case len(s) > 0 && s[0] == '+' && yearDigits > 4 && yearDigits <= 10:
	default:
		return 0, 0, false, false
	}
	for _, c := range []byte(s[i-yearDigits : i]) {
		year = year*10 + int(c-'0')
	}
	if neg {
		year = -year
	}
	month, day, hour, minute, sec, nanos := 1, 1, 0, 0, 0, 0
	prec := precYear
	if i < len(s) && s[i] == '-' {
		if month, ok = digitsAt(s, i+1, 2); !ok {
			return 0, 0, false, false
		}
		prec, i = precMonth, i+3
		if i < len(s) && s[i] == '-' {
			if day, ok = digitsAt(s, i+1, 2); !ok {
				return 0, 0, false, false
			}
			prec, i = precDay, i+3
		}
	}
	if prec == precDay && i < len(s) && s[i] == 'T' {
		i++
		if i < len(s) {
			if hour, ok = digitsAt(s, i, 2); !ok {
				return 0, 0, false, false
			}
			prec, i = precHour, i+2
		}
		if prec == precHour && i < len(s) && s[i] == ':' {
			if minute, ok = digitsAt(s, i+1, 2); !ok {
				return 0, 0, false, false
			}
			prec, i = precMinute, i+3
			if i < len(s) && s[i] == ':' {
				if sec, ok = digitsAt(s, i+1, 2); !ok {
					return 0, 0, false, false
				}
				prec, i = precSecond, i+3
				if i < len(s) && (s[i] == '.' || s[i] == ',') {
					j, scale := i+1, 100_000_000
					for j < len(s) && s[j] >= '0' && s[j] <= '9' && j-i <= 9 {
						nanos += int(s[j]-'0') * scale
						scale /= 10
						j++
					}
					if j == i+1 {
						return 0, 0, false, false
					}
					prec, i = precFraction, j
				}
			}
		}
	}
	offset := 0 // seconds east of UTC
	if i < len(s) && prec >= precHour {
		var zok bool
		if offset, zok = parseZone(s[i:]); !zok {
			return 0, 0, false, false
		}
		i = len(s)
	}
	if i != len(s) {
		return 0, 0, false, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return 0, 0, true, false
	}
	if roundUp {
		if prec < precHour {
			hour = 23
		}
		if prec < precMinute {
			minute = 59
		}
		if prec < precSecond {
			sec = 59
		}
		if prec < precFraction {
			nanos = 999_999_999
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
	unix := t.Unix() - int64(offset)
	if unix > maxDateSec || unix < minDateSec {
		return 0, 0, true, false
	}
	return unix*1000 + int64(t.Nanosecond()/1_000_000), t.Nanosecond() % 1_000_000, true, true
}

// parseZone reads a zone as Iso8601Parser.parseZoneId does: "Z", an offset
// ±HH, ±HHMM, ±HH:MM, ±HHMMSS or ±HH:MM:SS of at most 18 hours, or one of
// the region ids that are UTC. It returns the offset in seconds east of
// UTC.
func parseZone(z string) (int, bool) {
	switch z {
	case "Z", "UTC", "GMT", "UT":
		return 0, true
	case "":
		return 0, false
	}
	sign := 1
	switch z[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	h, ok := digitsAt(z, 1, 2)
	if !ok {
		return 0, false
	}
	rest := z[3:]
	colon := strings.HasPrefix(rest, ":")
	var m, sec int
	if rest != "" {
		if colon {
			rest = rest[1:]
		}
		if m, ok = digitsAt(rest, 0, 2); !ok {
			return 0, false
		}
		rest = rest[2:]
		if rest != "" {
			if strings.HasPrefix(rest, ":") != colon {
				return 0, false
			}
			if colon {
				rest = rest[1:]
			}
			if sec, ok = digitsAt(rest, 0, 2); !ok || len(rest) != 2 {
				return 0, false
			}
		}
	}
	total := h*3600 + m*60 + sec
	if total > 18*3600 {
		return 0, false
	}
	return sign * total, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// addMonths adds n months as java.time's plusMonths does (Elasticsearch's
// JavaDateMathParser uses it for "+1M" and, with 12n, "+1y"): the day of
// the month is clamped to the last day of the new month, so 2021-01-31
// plus one month is 2021-02-28, where Go's AddDate would overflow into
// March. The time of day is kept.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	months := y*12 + int(m) - 1 + n
	ny, nm := months/12, months%12
	if nm < 0 {
		ny, nm = ny-1, nm+12
	}
	d = min(d, daysIn(ny, nm+1))
	return time.Date(ny, time.Month(nm+1), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// dateOp is one step of date math: add n units, or round to a unit.
type dateOp struct {
	round bool
	n     int
	unit  byte // y M w d h H m s
}

// dateMath is a parsed date expression: "now" or an anchor date, then
// operations ("now-1d/d", "2021-01-01||+1M/M"). A plain date has no ops.
type dateMath struct {
	now       bool
	anchor    int64 // ms, when !now
	anchorSub int   // and the nanoseconds within the millisecond
	plain     string
	ops       []dateOp
	// nanos: the bound is on a date_nanos field, so eval gives epoch
	// nanoseconds, and rounding up fills to the last nanosecond.
	nanos bool
	f     *fieldMapping // the field's mapping (null_value), or nil
}

// parseDateMath reads a date or date-math expression as Elasticsearch's
// date math parser does.
func parseDateMath(s string) (*dateMath, error) {
	d := &dateMath{}
	var math string
	switch {
	case strings.HasPrefix(s, "now"):
		d.now, math = true, s[3:]
	case strings.Contains(s, "||"):
		i := strings.Index(s, "||")
		ms, sub, ok := parseInstant(s[:i], false)
		if !ok {
			return nil, fmt.Errorf("%q is not a date (want ISO 8601 such as 2021-03-04T05:06:07Z, or epoch milliseconds)", s[:i])
		}
		d.anchor, d.anchorSub, math = ms, sub, s[i+2:]
	default:
		if _, _, ok := parseInstant(s, false); !ok {
			return nil, fmt.Errorf("%q is not a date (want ISO 8601 such as 2021-03-04T05:06:07Z, epoch milliseconds, or date math such as now-1d/d)", s)
		}
		d.plain = s
		return d, nil
	}
	for i := 0; i < len(math); {
		c := math[i]
		op := dateOp{}
		switch c {
		case '/':
			op.round = true
			i++
		case '+', '-':
			i++
			j := i
			for j < len(math) && math[j] >= '0' && math[j] <= '9' {
				j++
			}
			op.n = 1
			if j > i {
				n, err := strconv.Atoi(math[i:j])
				if err != nil {
					return nil, fmt.Errorf("date math %q: bad number %q", s, math[i:j])
				}
				op.n = n
			}
			if c == '-' {
				op.n = -op.n
			}
			i = j
		default:
			return nil, fmt.Errorf("date math %q: expected +, - or / at %q", s, math[i:])
		}
		if i >= len(math) {
			return nil, fmt.Errorf("date math %q: missing unit (y, M, w, d, h, H, m or s)", s)
		}
		switch u := math[i]; u {
		case 'y', 'M', 'w', 'd', 'h', 'H', 'm', 's':
			op.unit = u
		default:
			return nil, fmt.Errorf("date math %q: unknown unit %q (want y, M, w, d, h, H, m or s)", s, string(u))
		}
		i++
		d.ops = append(d.ops, op)
	}
	return d, nil
}

// eval returns the expression's time in ms, or in ns when d.nanos (then
// clamped to the date_nanos times, see [dateMath.nanosErr]). roundUp
// rounds a partial plain date and every "/unit" up to the unit's last
// millisecond, or last nanosecond when d.nanos.
func (d *dateMath) eval(now func() time.Time, roundUp bool) int64 {
	ms, sub := d.instant(now, roundUp)
	if !d.nanos {
		return ms
	}
	if ns, ok := inNanos(ms, sub); ok {
		return ns
	}
	if ms < 0 {
		return 0
	}
	return math.MaxInt64
}

// nanosErr is the error Elasticsearch gives for a bound on a date_nanos
// field (DateFieldType.parseToLong, DateUtils.toLong) outside the times it
// holds: nil for a bound on a date field or one that reads the clock
// ("now" is always in range), and for an in-range bound rounded down.
func (d *dateMath) nanosErr() error {
	if !d.nanos || d.now {
		return nil
	}
	_, err := nanosOf(d.instant(nil, false))
	return err
}

// instant returns the expression's time as epoch milliseconds and the
// nanoseconds within the millisecond (see eval).
func (d *dateMath) instant(now func() time.Time, roundUp bool) (ms int64, sub int) {
	if d.plain != "" {
		ms, sub, _ := parseInstant(d.plain, roundUp)
		if !d.nanos {
			sub = 0 // a date field keeps milliseconds
		}
		return ms, sub
	}
	ms, sub = d.anchor, d.anchorSub
	if d.now {
		ms, sub = now().UnixMilli(), 0 // the context's now is in milliseconds
	}
	if !d.nanos {
		sub = 0
	}
	t := time.UnixMilli(ms).Add(time.Duration(sub)).UTC()
	step := time.Millisecond
	if d.nanos {
		step = time.Nanosecond
	}
	for _, op := range d.ops {
		if op.round {
			t = roundTime(t, op.unit, roundUp, step)
			continue
		}
		switch op.unit {
		case 'y':
			t = addMonths(t, 12*op.n)
		case 'M':
			t = addMonths(t, op.n)
		case 'w':
			t = t.AddDate(0, 0, 7*op.n)
		case 'd':
			t = t.AddDate(0, 0, op.n)
		case 'h', 'H':
			t = t.Add(time.Duration(op.n) * time.Hour)
		case 'm':
			t = t.Add(time.Duration(op.n) * time.Minute)
		case 's':
			t = t.Add(time.Duration(op.n) * time.Second)
		}
	}
	return t.UnixMilli(), t.Nanosecond() % 1_000_000
}

// roundTime rounds t down to the start of its unit, or up to the unit's
// last step (millisecond or nanosecond).
func roundTime(t time.Time, unit byte, up bool, step time.Duration) time.Time {
	y, mo, d := t.Date()
	var start, next time.Time
	switch unit {
	case 'y':
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(1, 0, 0)
	case 'M':
		start = time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 1, 0)
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7 // Monday is 0
		start = time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 0, 7)
	case 'd':
		start = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 0, 1)
	case 'h', 'H':
		start = t.Truncate(time.Hour)
		next = start.Add(time.Hour)
	case 'm':
		start = t.Truncate(time.Minute)
		next = start.Add(time.Minute)
	default: // 's'
		start = t.Truncate(time.Second)
		next = start.Add(time.Second)
	}
	if up {
		return next.Add(-step)
	}
	return start
}

// toMillis returns the time of an event value in epoch milliseconds (see
// DateOf). It does not allocate.
func toMillis(x any) (int64, bool) {
	ms, _, ok := toInstant(x)
	return ms, ok
}

// toNanos returns the time of an event value in epoch nanoseconds, as a
// date_nanos field indexes it; ok is false for a value it refuses
// (ParseDateNanos). It does not allocate.
func toNanos(x any) (int64, bool) {
	ms, sub, ok := toInstant(x)
	if !ok {
		return 0, false
	}
	return inNanos(ms, sub)
}

// toInstant returns the time of an event value (see DateOf) as epoch
// milliseconds and the nanoseconds within the millisecond. It does not
// allocate.
func toInstant(x any) (ms int64, sub int, ok bool) {
	switch x := x.(type) {
	case string:
		return parseInstant(x, false)
	case json.Number:
		return parseInstant(string(x), false)
	case time.Time:
		return x.UnixMilli(), x.Nanosecond() % 1_000_000, true
	case float64:
		return floatInstant(x)
	case float32:
		return floatInstant(float64(x))
	}
	if isNumber(x) {
		f, ok := toNumber(x, true)
		if !ok {
			return 0, 0, false
		}
		return floatInstant(f)
	}
	return 0, 0, false
}

// floatInstant reads a number as parseDate reads its decimal text, with at
// most six digits of fraction as DateFieldType's NUMBER_FORMAT writes it:
// an integer of four digits is a year, as is a negative one of 4 to 10
// digits; other numbers are epoch milliseconds.
func floatInstant(f float64) (ms int64, sub int, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e19 {
		return 0, 0, false
	}
	if f != math.Trunc(f) {
		fl := math.Floor(f)
		ms, sub = int64(fl), int(math.RoundToEven((f-fl)*1e6))
		if sub == 1_000_000 {
			ms, sub = ms+1, 0
		}
		return ms, sub, true
	}
	n := int64(f)
	if n >= 1000 && n <= 9999 || n <= -1000 && n >= -9_999_999_999 {
		unix := time.Date(int(n), 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		return unix * 1000, 0, unix <= maxDateSec && unix >= minDateSec
	}
	if f >= math.MaxInt64 {
		return 0, 0, false
	}
	return n, 0, true
}

// dateMatcher matches dates in [lo, hi] where each bound is a date-math
// expression evaluated, with its rounding, when the event is matched (so
// "now" is read from the clock at match time). On a date_nanos field (the
// bounds' nanos) times compare in nanoseconds.
type dateMatcher struct {
	nanos        bool
	lo, hi       *dateMath // nil: unbounded
	loUp, hiUp   bool      // round the bound up
	loAdj, hiAdj int64     // +1 for an exclusive lower bound, -1 for an upper
	clock        func() time.Time
	fixed        bool // no "now": loMs, hiMs are precomputed
	loMs, hiMs   int64
}

func newDateMatcher(lo, hi *dateMath, loUp, hiUp bool, loAdj, hiAdj int64, clock func() time.Time) *dateMatcher {
	m := &dateMatcher{lo: lo, hi: hi, loUp: loUp, hiUp: hiUp, loAdj: loAdj, hiAdj: hiAdj, clock: clock}
	m.nanos = lo != nil && lo.nanos || hi != nil && hi.nanos
	m.fixed = (lo == nil || !lo.now) && (hi == nil || !hi.now)
	if m.fixed {
		m.loMs, m.hiMs = m.bounds()
	}
	return m
}

func (m *dateMatcher) bounds() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if m.lo != nil {
		lo = m.lo.eval(m.clock, m.loUp)
		if lo < math.MaxInt64 || m.loAdj <= 0 {
			lo += m.loAdj
		}
	}
	if m.hi != nil {
		hi = m.hi.eval(m.clock, m.hiUp)
		if hi > math.MinInt64 || m.hiAdj >= 0 {
			hi += m.hiAdj
		}
	}
	return lo, hi
}

func (m *dateMatcher) Visit(x any) bool {
	var t int64
	var ok bool
	if m.nanos {
		t, ok = toNanos(x)
	} else {
		t, ok = toMillis(x)
	}
	if !ok {
		return false
	}
	lo, hi := m.loMs, m.hiMs
	if !m.fixed {
		lo, hi = m.bounds()
	}
	return t >= lo && t <= hi
}
