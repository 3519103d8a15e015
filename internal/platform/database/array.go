package database

import "database/sql/driver"

// Array passes a Go slice to PostgreSQL as one array parameter
// (`unnest(?::text[])`, `= ANY (?)`). gorm expands a plain slice argument
// into a parenthesized list of parameters, which is what `IN ?` wants and
// an array parameter does not; wrapping the slice in Array keeps it one
// parameter, which pgx encodes as a PostgreSQL array of the column's type.
// A nil Array is NULL.
//
// Reading needs no wrapper: a []string or [][]byte field (tagged
// `gorm:"type:text[]"` so gorm accepts it) scans an array column directly.
type Array[T any] []T

// Value hands the slice itself to pgx, which encodes it; it is not a value
// for drivers other than pgx.
func (a Array[T]) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	return []T(a), nil
}
