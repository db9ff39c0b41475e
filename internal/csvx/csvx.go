// Package csvx writes CSV files that are safe to open in a spreadsheet:
// every export goes through its Writer.
package csvx

import (
	"encoding/csv"
	"io"
	"strconv"
)

// Writer is a csv.Writer whose cells cannot run as spreadsheet formulas.
type Writer struct{ w *csv.Writer }

// NewWriter writes CSV to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell passed through Cell.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, c := range record {
		safe[i] = Cell(c)
	}
	return w.w.Write(safe)
}

// WriteAll writes records and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.w.Flush()
	return w.w.Error()
}

// Flush writes buffered data.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports an error from an earlier Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }

// Cell neutralizes a cell a spreadsheet would read as a formula (OWASP CSV
// injection): one starting with = + - @ tab or carriage return gets a
// leading single quote. A plain number such as -5 or +1.5 is left as it is.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '\t' && s[0] != '\r' {
			return s
		}
		return "'" + s
	}
	return s
}
