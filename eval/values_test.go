package eval

import (
	"math"
	"testing"

	"github.com/kqlrules/kqlrules/mapping"
)

func TestTypeNumeric(t *testing.T) {
	numeric := map[mapping.Type]bool{mapping.Long: true, mapping.Integer: true, mapping.Short: true, mapping.Byte: true, mapping.UnsignedLong: true,
		mapping.Double: true, mapping.Float: true, mapping.HalfFloat: true, mapping.ScaledFloat: true}
	for typ := mapping.Unknown; typ <= mapping.GeoPoint; typ++ {
		if got := typ.Numeric(); got != numeric[typ] {
			t.Errorf("%s.Numeric() = %v, want %v", typ, got, numeric[typ])
		}
		_, _, isInt := typ.IntRange()
		if want := numeric[typ] && familyOf(typ) == famInt; isInt != want {
			t.Errorf("%s.IntRange() ok = %v, want %v", typ, isInt, want)
		}
	}
	if lo, hi, _ := mapping.Byte.IntRange(); lo != -128 || hi != 127 {
		t.Errorf("Byte.IntRange() = %v, %v", lo, hi)
	}
	if lo, hi, _ := mapping.UnsignedLong.IntRange(); lo != 0 || hi != math.MaxUint64 {
		t.Errorf("UnsignedLong.IntRange() = %v, %v", lo, hi)
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"21", 21, true},
		{" 21 ", 21, true},
		{"-2.5e3", -2500, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"+7", 7, true},
		{"0x10", 0, false},
		{"1_000", 0, false},
		{"Inf", 0, false},
		{"NaN", 0, false},
		{"1e400", 0, false},
		{"", 0, false},
		{"21a", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeywordText(t *testing.T) {
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{"a b", "a b", true},
		{float64(21), "21", true},
		{float64(2.5), "2.5", true},
		{float64(1e21), "1e+21", true},
		{int64(-3), "-3", true},
		{true, "true", true},
		{nil, "", false},
		{map[string]any{}, "", false},
	}
	for _, tt := range tests {
		got, ok := KeywordText(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("KeywordText(%#v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
