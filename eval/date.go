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
// Elasticsearch's date type stores them. Text is read as Elasticsearch's
// default format "strict_date_optional_time||epoch_millis": an ISO 8601
// date with optional time and zone ("2021", "2021-03", "2021-03-04",
// "2021-03-04T05:06:07.123Z", "2021-03-04T05:06+01:00"), else a number of
// milliseconds.

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

// parseDate reads date text. With roundUp, fields the text leaves out are
// filled with their largest values ("2021-03" is the last millisecond of
// March), as Elasticsearch fills them for "gt" and "lte" bounds.
func parseDate(s string, roundUp bool) (int64, bool) {
	if ms, ok := parseISODate(s, roundUp); ok {
		return ms, true
	}
	return parseEpochMillis(s)
}

func parseEpochMillis(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '-' && i == 0 || c == '.') {
			return 0, false
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int64(f), true
}

// digitsAt reads exactly n decimal digits of s at i.
func digitsAt(s string, i, n int) (int, bool) {
	if i+n > len(s) {
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

func parseISODate(s string, roundUp bool) (int64, bool) {
	year, ok := digitsAt(s, 0, 4)
	if !ok {
		return 0, false
	}
	month, day, hour, minute, sec, nanos := 1, 1, 0, 0, 0, 0
	prec := precYear
	i := 4
	if i < len(s) && s[i] == '-' {
		if month, ok = digitsAt(s, i+1, 2); !ok {
			return 0, false
		}
		prec, i = precMonth, i+3
		if i < len(s) && s[i] == '-' {
			if day, ok = digitsAt(s, i+1, 2); !ok {
				return 0, false
			}
			prec, i = precDay, i+3
		}
	}
	if prec == precDay && i < len(s) && s[i] == 'T' {
		if hour, ok = digitsAt(s, i+1, 2); !ok {
			return 0, false
		}
		prec, i = precHour, i+3
		if i < len(s) && s[i] == ':' {
			if minute, ok = digitsAt(s, i+1, 2); !ok {
				return 0, false
			}
			prec, i = precMinute, i+3
			if i < len(s) && s[i] == ':' {
				if sec, ok = digitsAt(s, i+1, 2); !ok {
					return 0, false
				}
				prec, i = precSecond, i+3
				if i < len(s) && (s[i] == '.' || s[i] == ',') {
					j := i + 1
					scale := 100_000_000
					for j < len(s) && s[j] >= '0' && s[j] <= '9' {
						if j-i > 9 {
							return 0, false
						}
						nanos += int(s[j]-'0') * scale
						scale /= 10
						j++
					}
					if j == i+1 {
						return 0, false
					}
					prec, i = precFraction, j
				}
			}
		}
	}
	offset := 0 // seconds east of UTC
	if i < len(s) && prec >= precHour {
		switch s[i] {
		case 'Z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			oh, ok := digitsAt(s, i+1, 2)
			if !ok {
				return 0, false
			}
			i += 3
			om := 0
			if i < len(s) && s[i] == ':' {
				i++
			}
			if i < len(s) {
				if om, ok = digitsAt(s, i, 2); !ok {
					return 0, false
				}
				i += 2
			}
			if oh > 18 || om > 59 {
				return 0, false
			}
			offset = sign * (oh*3600 + om*60)
		}
	}
	if i != len(s) {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
	ms := t.UnixMilli() - int64(offset)*1000
	if roundUp {
		switch prec {
		case precYear:
			ms = time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - 1
		case precMonth:
			ms = time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - 1
		case precDay:
			ms += 24*3600*1000 - 1
		case precHour:
			ms += 3600*1000 - 1
		case precMinute:
			ms += 60*1000 - 1
		case precSecond:
			ms += 999
		}
	}
	return ms, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
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
	now    bool
	anchor int64 // ms, when !now
	plain  string
	ops    []dateOp
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
		ms, ok := parseDate(s[:i], false)
		if !ok {
			return nil, fmt.Errorf("%q is not a date (want ISO 8601 such as 2021-03-04T05:06:07Z, or epoch milliseconds)", s[:i])
		}
		d.anchor, math = ms, s[i+2:]
	default:
		if _, ok := parseDate(s, false); !ok {
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

// eval returns the expression's time in ms. roundUp rounds a partial
// plain date and every "/unit" up to the unit's last millisecond.
func (d *dateMath) eval(now func() time.Time, roundUp bool) int64 {
	if d.plain != "" {
		ms, _ := parseDate(d.plain, roundUp)
		return ms
	}
	ms := d.anchor
	if d.now {
		ms = now().UnixMilli()
	}
	t := time.UnixMilli(ms).UTC()
	for _, op := range d.ops {
		if op.round {
			t = roundTime(t, op.unit, roundUp)
			continue
		}
		switch op.unit {
		case 'y':
			t = t.AddDate(op.n, 0, 0)
		case 'M':
			t = t.AddDate(0, op.n, 0)
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
	return t.UnixMilli()
}

// roundTime rounds t down to the start of its unit, or up to the unit's
// last millisecond.
func roundTime(t time.Time, unit byte, up bool) time.Time {
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
		return next.Add(-time.Millisecond)
	}
	return start
}

// toMillis returns the time of an event value: date text, epoch millis as
// a number or numeric text, or a time.Time.
func toMillis(x any) (int64, bool) {
	switch x := x.(type) {
	case string:
		return parseDate(x, false)
	case json.Number:
		return parseEpochMillis(string(x))
	case time.Time:
		return x.UnixMilli(), true
	}
	if isNumber(x) {
		f, ok := toNumber(x, true)
		return int64(f), ok
	}
	return 0, false
}

// dateMatcher matches dates in [lo, hi] where each bound is a date-math
// expression evaluated, with its rounding, when the event is matched (so
// "now" is read from the clock at match time).
type dateMatcher struct {
	lo, hi       *dateMath // nil: unbounded
	loUp, hiUp   bool      // round the bound up
	loAdj, hiAdj int64     // +1 for an exclusive lower bound, -1 for an upper
	clock        func() time.Time
	fixed        bool // no "now": loMs, hiMs are precomputed
	loMs, hiMs   int64
}

func newDateMatcher(lo, hi *dateMath, loUp, hiUp bool, loAdj, hiAdj int64, clock func() time.Time) *dateMatcher {
	m := &dateMatcher{lo: lo, hi: hi, loUp: loUp, hiUp: hiUp, loAdj: loAdj, hiAdj: hiAdj, clock: clock}
	m.fixed = (lo == nil || !lo.now) && (hi == nil || !hi.now)
	if m.fixed {
		m.loMs, m.hiMs = m.bounds()
	}
	return m
}

func (m *dateMatcher) bounds() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if m.lo != nil {
		lo = m.lo.eval(m.clock, m.loUp) + m.loAdj
	}
	if m.hi != nil {
		hi = m.hi.eval(m.clock, m.hiUp) + m.hiAdj
	}
	return lo, hi
}

func (m *dateMatcher) Visit(x any) bool {
	t, ok := toMillis(x)
	if !ok {
		return false
	}
	lo, hi := m.loMs, m.hiMs
	if !m.fixed {
		lo, hi = m.bounds()
	}
	return t >= lo && t <= hi
}
