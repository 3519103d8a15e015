// Package stats owns Jardam's anonymized aggregates for coordinators: a
// fixed set of predefined tables and monthly series over ended periods,
// counted in SQL through views owned by the statistics role (which reads no
// identity column), with primary and complementary suppression so that no
// count from 1 to k-1 is released or can be recovered from the released
// numbers. Every read is audited.
package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DefaultK is the suppression threshold for coordinators.
const DefaultK = 5

// MinK is the lowest threshold the service accepts.
const MinK = 3

// Settings tune the statistics service.
type Settings struct {
	// K is the suppression threshold: counts from 1 to K-1 are withheld.
	// Zero means DefaultK; below MinK is refused.
	K int
}

// ErrKTooSmall reports a threshold below MinK.
var ErrKTooSmall = errors.New("stats: the suppression threshold k must be at least 3")

// Validate returns ErrKTooSmall (wrapped) when K is set below MinK.
func (s Settings) Validate() error {
	if s.K != 0 && s.K < MinK {
		return fmt.Errorf("%w (got %d)", ErrKTooSmall, s.K)
	}
	return nil
}

// Totals is the number of distinct persons a table covers.
type Totals struct {
	Count      *int64 `json:"count"`
	Suppressed bool   `json:"suppressed"`
}

// Row is one cell of a table: its dimension values, and its count unless
// suppressed.
type Row struct {
	// Dims holds the dimension values in the table's dimension order.
	Dims       []Dim
	Count      *int64
	Suppressed bool
}

// Dim is one dimension value of a row.
type Dim struct {
	Name, Value string
}

// MarshalJSON writes {<dimension>: value, ..., "count": n|null,
// "suppressed": bool}.
func (r Row) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, d := range r.Dims {
		k, _ := json.Marshal(d.Name)
		v, _ := json.Marshal(d.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
		b.WriteByte(',')
	}
	c, _ := json.Marshal(r.Count)
	fmt.Fprintf(&b, `"count":%s,"suppressed":%t}`, c, r.Suppressed)
	return b.Bytes(), nil
}

// Table is a suppressed aggregate table or series.
type Table struct {
	Name string `json:"name"`
	// Period is the period the table covers (`YYYY`, `YYYY-Hn`, `YYYY-MM`),
	// or for a series the span of its months (`YYYY-MM/YYYY-MM`).
	Period     string   `json:"period"`
	K          int      `json:"k"`
	Dimensions []string `json:"dimensions"`
	Rows       []Row    `json:"rows"`
	Totals     Totals   `json:"totals"`
}

// Kinds of aggregates.
const (
	KindTable  = "table"
	KindSeries = "series"
)

// Info describes one predefined table or series.
type Info struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Dimensions  []string `json:"dimensions"`
	Granularity []string `json:"periods"`
	// Additive: the figures of a year are the sums of its halves' (persons
	// identified, by any attribute); otherwise a year counts the persons of
	// either half once, or a state at the end of the period.
	Additive bool `json:"additive"`
}
