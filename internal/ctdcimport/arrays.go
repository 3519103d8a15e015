package ctdcimport

import (
	"database/sql/driver"
	"strings"
	"time"
)

// arrayLiteral writes values as a PostgreSQL array literal. The values are
// Jardam's codes (lower-case letters, digits and `_`, or country codes):
// nothing to quote.
func arrayLiteral(values []string) string {
	return "{" + strings.Join(values, ",") + "}"
}

// pgStrings is a text[] parameter whose elements may be NULL.
type pgStrings []*string

// Value writes the array literal, NULL for a nil element. The elements are
// Jardam's codes: nothing to quote.
func (a pgStrings) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if s == nil {
			b.WriteString("NULL")
		} else {
			b.WriteString(*s)
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

// pgBools is a boolean[] parameter whose elements may be NULL.
type pgBools []*bool

// Value writes the array literal, NULL for a nil element.
func (a pgBools) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case v == nil:
			b.WriteString("NULL")
		case *v:
			b.WriteByte('t')
		default:
			b.WriteByte('f')
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

// pgTimes is a timestamptz[] parameter.
type pgTimes []time.Time

// Value writes the array literal in RFC 3339.
func (a pgTimes) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, t := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(t.Format(time.RFC3339Nano))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
