package workspace

import (
	"strings"
	"testing"
)

// The page cuts only the attached messages ingest appended; a marker the
// customer typed earlier stays in their text.
func TestCutAttachedText(t *testing.T) {
	att := "\n\n" + attachedMarker + "\nFrom: Bob\nSubject: A\n\nhello"
	own := "See below.\n" + attachedMarker + "\n(pasted by hand)"
	for _, c := range []struct {
		body string
		n    int
		want string
	}{
		{"See below." + att, 1, "See below."},
		{strings.TrimSpace(att + att), 2, ""},
		{own + att, 1, own},
		{"no marker", 1, "no marker"},
		{"See below." + att, 0, "See below." + att},
	} {
		if got := cutAttachedText(c.body, c.n); got != c.want {
			t.Errorf("cutAttachedText(%q, %d) = %q, want %q", c.body, c.n, got, c.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got, more := excerpt("one\ntwo"); got != "one\ntwo" || more {
		t.Errorf("short: %q %v", got, more)
	}
	if got, more := excerpt("1\n2\n3\n4\n5\n6"); got != "1\n2\n3\n4" || !more {
		t.Errorf("lines: %q %v", got, more)
	}
	long := strings.Repeat("é", excerptRunes+1)
	if got, more := excerpt(long); got != strings.Repeat("é", excerptRunes)+"…" || !more {
		t.Errorf("long: %d runes %v", len([]rune(got)), more)
	}
}
