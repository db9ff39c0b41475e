package domain

import (
	"strings"
	"testing"
)

// A problem becomes an article only with a countermeasure in place, and the
// draft tells what happened, why, and only what was actually done.
func TestProblemArticleDraft(t *testing.T) {
	p := &Problem{Title: "Kettle switches snap", RootCause: "A thinner switch mould.",
		Countermeasures: []*Countermeasure{{What: "Inspect incoming switches", Status: CMPlanned}}}
	if _, _, err := p.ArticleDraft(); ErrorCode(err) != EUnprocessabl {
		t.Fatalf("draft without a countermeasure in place: %v", err)
	}
	p.Countermeasures = append(p.Countermeasures, &Countermeasure{What: "Old mould\nrestored", Status: CMInPlace})
	title, body, err := p.ArticleDraft()
	if err != nil {
		t.Fatal(err)
	}
	if title != "Kettle switches snap" || !strings.Contains(body, "## What happened\n\nKettle switches snap") ||
		!strings.Contains(body, "A thinner switch mould.") || !strings.Contains(body, "- Old mould restored") ||
		strings.Contains(body, "Inspect incoming") {
		t.Fatalf("draft %q:\n%s", title, body)
	}
}
