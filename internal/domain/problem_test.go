package domain

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func inPlace(at time.Time, days int) *Countermeasure {
	return &Countermeasure{ID: 1, Status: CMInPlace, InPlaceAt: &at, RecurrenceWindowDays: days}
}

func TestRecurrenceCountsOnlyTicketsAfterInPlace(t *testing.T) {
	cm := inPlace(t0, 14)
	linked := []LinkedTicket{
		{ID: 1, CreatedAt: t0.Add(-72 * time.Hour)}, // why the countermeasure exists
		{ID: 2, CreatedAt: t0},                      // same instant: not after
		{ID: 3, CreatedAt: t0.Add(-time.Minute)},
	}
	r := ComputeRecurrence(cm, linked, t0.Add(24*time.Hour))
	if r.Count != 0 || r.Flagged || r.Verified {
		t.Fatalf("before window end, no recurrence: %+v", r)
	}
	r = ComputeRecurrence(cm, linked, t0.Add(14*24*time.Hour))
	if !r.Verified || r.Flagged {
		t.Fatalf("window passed with no recurrence must verify: %+v", r)
	}
	linked = append(linked, LinkedTicket{ID: 4, CreatedAt: t0.Add(3 * 24 * time.Hour)})
	r = ComputeRecurrence(cm, linked, t0.Add(30*24*time.Hour))
	if r.Count != 1 || r.InWindow != 1 || !r.Flagged || r.Verified || r.TicketIDs[0] != 4 {
		t.Fatalf("ticket inside the window must flag: %+v", r)
	}
	// A ticket after the window ended is counted but does not undo verification.
	late := append(linked[:3:3], LinkedTicket{ID: 5, CreatedAt: t0.Add(20 * 24 * time.Hour)})
	r = ComputeRecurrence(cm, late, t0.Add(30*24*time.Hour))
	if r.Count != 1 || r.InWindow != 0 || r.Flagged || !r.Verified {
		t.Fatalf("late recurrence: %+v", r)
	}
	planned := &Countermeasure{Status: CMPlanned}
	if ComputeRecurrence(planned, linked, t0) != nil {
		t.Fatal("a countermeasure not in place has no recurrence")
	}
}

func TestProblemCannotBeVerifiedWithoutCountermeasureInPlace(t *testing.T) {
	if err := CheckProblemStatus(ProblemVerified, nil); ErrorCode(err) != EUnprocessabl {
		t.Fatalf("no countermeasures: %v", err)
	}
	planned := []*Countermeasure{{Status: CMPlanned}, {Status: CMFailed}}
	if err := CheckProblemStatus(ProblemVerified, planned); ErrorCode(err) != EUnprocessabl || ErrorFields(err)["status"] == "" {
		t.Fatalf("only planned/failed: %v", err)
	}
	if err := CheckProblemStatus(ProblemInPlace, planned); err == nil {
		t.Fatal("countermeasure_in_place needs one in place")
	}
	cm := inPlace(t0, 7)
	cm.Recurrence = ComputeRecurrence(cm, []LinkedTicket{{ID: 9, CreatedAt: t0.Add(time.Hour)}}, t0.Add(2*time.Hour))
	if err := CheckProblemStatus(ProblemVerified, []*Countermeasure{cm}); err == nil || !strings.Contains(err.Error(), "recurred") {
		t.Fatalf("recurrence within the window blocks verification: %v", err)
	}
	ok := inPlace(t0, 7)
	if err := CheckProblemStatus(ProblemVerified, append(planned, ok)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []ProblemStatus{ProblemInvestigating, ProblemRootCauseFound, ProblemWontFix} {
		if err := CheckProblemStatus(s, nil); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := CheckProblemStatus("fixed", nil); ErrorCode(err) != EInvalid {
		t.Fatalf("unknown status: %v", err)
	}
}

func TestStatusFollowsCountermeasures(t *testing.T) {
	in := []*Countermeasure{inPlace(t0, 7)}
	if got := StatusAfterCountermeasure(ProblemInvestigating, in); got != ProblemInPlace {
		t.Fatalf("in place moves investigation on: %s", got)
	}
	failed := []*Countermeasure{{Status: CMFailed}}
	if got := StatusAfterCountermeasure(ProblemInPlace, failed); got != ProblemRootCauseFound {
		t.Fatalf("failed countermeasure sends problem back: %s", got)
	}
	if got := StatusAfterCountermeasure(ProblemVerified, failed); got != ProblemVerified {
		t.Fatalf("closed problems stay: %s", got)
	}
	cm := inPlace(t0, 7)
	cm.Recurrence = ComputeRecurrence(cm, nil, t0.Add(8*24*time.Hour))
	if !ProblemVerifiedNow(ProblemInPlace, []*Countermeasure{cm, {Status: CMFailed}}) {
		t.Fatal("window passed with no recurrence: verified")
	}
	young := inPlace(t0, 7)
	young.Recurrence = ComputeRecurrence(young, nil, t0.Add(24*time.Hour))
	if ProblemVerifiedNow(ProblemInPlace, []*Countermeasure{cm, young}) {
		t.Fatal("every in-place countermeasure must have outlived its window")
	}
	if ProblemVerifiedNow(ProblemRootCauseFound, []*Countermeasure{cm}) {
		t.Fatal("only problems with a countermeasure in place are verified")
	}
}

func TestSuggestDemand(t *testing.T) {
	if h := SuggestDemand(DemandFacts{}); h != nil {
		t.Fatalf("plain first contact: %+v", h)
	}
	h := SuggestDemand(DemandFacts{OpenEarlier: []string{"#1001"}})
	if h == nil || h.DemandType != DemandFailure || !strings.Contains(h.Reason, "#1001") {
		t.Fatalf("chasing: %+v", h)
	}
	if h := SuggestDemand(DemandFacts{ReopenCount: 1}); h == nil || !strings.Contains(h.Reason, "reopened") {
		t.Fatalf("reopened: %+v", h)
	}
	if h := SuggestDemand(DemandFacts{InboundRuns: 2}); h == nil || h.DemandType != DemandFailure {
		t.Fatalf("wrote again: %+v", h)
	}
}

func TestRenderNotice(t *testing.T) {
	got, err := RenderNotice("Hi {{customer_name}}, re {{ ticket_ref }}: {{countermeasure}}.", map[string]string{
		"customer_name": "Ann", "ticket_ref": "#1001", "countermeasure": "we fixed the card check"})
	if err != nil || got != "Hi Ann, re #1001: we fixed the card check." {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := RenderNotice("Hi {{name}}", map[string]string{"customer_name": "Ann"}); ErrorFields(err)["template"] == "" {
		t.Fatalf("unknown placeholder: %v", err)
	}
	if _, err := RenderNotice("Hi {{customer_name", map[string]string{"customer_name": "Ann"}); err == nil {
		t.Fatal("unclosed placeholder")
	}
}

func TestSimilarityTermsAndCollaboratorVisibility(t *testing.T) {
	terms := SimilarityTerms("The card was DECLINED at checkout; card declined again!", 3)
	if strings.Join(terms, ",") != "card,declined,checkout" {
		t.Fatalf("terms %v", terms)
	}
	// Query syntax never reaches the engine: only plain words survive.
	if got := strings.Join(SimilarityTerms(`"OR" AND (x) * ^ NEAR: col:parcel`, 10), ","); got != "near,col,parcel" {
		t.Fatalf("terms %q", got)
	}
	pid := int64(7)
	collab := &User{ID: 3, Role: RoleCollaborator}
	agent := &User{ID: 4, Role: RoleAgent}
	mine := func(id int64) bool { return id == 7 }
	if !TicketVisible(agent, &Ticket{}, mine) {
		t.Fatal("agents see every ticket")
	}
	if TicketVisible(collab, &Ticket{}, mine) {
		t.Fatal("collaborator must not see an unlinked ticket")
	}
	other := int64(8)
	if TicketVisible(collab, &Ticket{ProblemID: &other}, mine) {
		t.Fatal("collaborator must not see another problem's ticket")
	}
	if !TicketVisible(collab, &Ticket{ProblemID: &pid}, mine) {
		t.Fatal("collaborator sees their problem's tickets")
	}
	if !RoleCollaborator.Valid() {
		t.Fatal("collaborator is a valid role")
	}
}
