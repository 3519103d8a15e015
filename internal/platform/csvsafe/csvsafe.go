// Package csvsafe writes CSV that spreadsheet programs open as data, never
// as formulas: every CSV the service hands out (report tables, statistics
// exports) goes through its Writer.
package csvsafe

import (
	"encoding/csv"
	"io"
	"regexp"
)

// number is a plain decimal number as the service writes them (an optional
// sign, digits, a fraction, an exponent): a spreadsheet reads it as a
// number, not a formula, so it is written as it is.
var number = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// Cell returns s as a spreadsheet reads it as text: a cell starting with
// `=`, `+`, `-`, `@`, a tab or a carriage return (which spreadsheet programs
// evaluate as a formula) gets a leading `'`, unless it is a number.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if !number.MatchString(s) {
			return "'" + s
		}
	}
	return s
}

// Writer is a csv.Writer whose cells pass through Cell.
type Writer struct {
	w *csv.Writer
}

// NewWriter returns a Writer on w (comma-separated, \n line ends).
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell made safe by Cell. It returns the
// underlying writer's error.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, s := range record {
		safe[i] = Cell(s)
	}
	return w.w.Write(safe)
}

// WriteAll writes records and flushes, returning the first error.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.w.Flush()
	return w.w.Error()
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error returns the error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
