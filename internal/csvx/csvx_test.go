package csvx

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestFormulaCellsAreNeutralized(t *testing.T) {
	in := []string{`=HYPERLINK("http://evil.test","x")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
		"plain", "", "-5", "+1.5", "a=b", "0"}
	want := []string{`'=HYPERLINK("http://evil.test","x")`, "'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1",
		"plain", "", "-5", "+1.5", "a=b", "0"}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteAll([][]string{in}); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[0][i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, got[0][i], want[i])
		}
	}
}
