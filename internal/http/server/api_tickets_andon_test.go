package server_test

import (
	"fmt"
	"strings"
	"testing"

	"andon/internal/domain"
)

// classFingerprint adds the issue-7 columns and tables to e.fingerprint, so
// a failed classification can be shown to have written nothing.
func (e *apiEnv) classFingerprint() string {
	e.t.Helper()
	var s string
	err := e.db.Writer().QueryRow(`SELECT (SELECT COUNT(*) FROM problem_entries) || ':' ||
		(SELECT COALESCE(SUM(COALESCE(problem_id, 0) * 7 + COALESCE(failure_reason_id, 0) * 3 + LENGTH(demand_type)), 0) FROM tickets)`).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.fingerprint() + s
}

// wantInvalid sends a PATCH that must fail with 422 naming field, and
// checks it wrote nothing.
func (e *apiEnv) wantInvalid(path string, body map[string]any, field string) {
	e.t.Helper()
	before := e.classFingerprint()
	out := e.call("PATCH", path, body, 422)
	if !strings.Contains(string(out), `"`+field+`"`) {
		e.t.Fatalf("PATCH %v: error does not name %s: %s", body, field, out)
	}
	if after := e.classFingerprint(); after != before {
		e.t.Fatalf("PATCH %v failed but wrote: %s -> %s", body, before, after)
	}
}

func hasEvent(tk domain.Ticket, field, to string) bool {
	for _, en := range tk.Timeline {
		if en.Event != nil && en.Event.Field == field && strings.Contains(en.Event.To, to) {
			return true
		}
	}
	return false
}

// Demand type, failure reason and problem are set with PATCH
// /api/v1/tickets/{id}, each change lands on the timeline, and an invalid
// value is refused naming the field without changing anything, even when
// other fields in the same request were valid.
func TestAPIPatchTicketClassification(t *testing.T) {
	e := newAPIEnv(t)
	_, admin := e.newAgent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	stage := decode[domain.Stage](t, e.callAs(admin, "POST", "/api/v1/value-chain-stages", map[string]any{"name": "Logistics"}, 201))
	late := decode[domain.FailureReason](t, e.callAs(admin, "POST", "/api/v1/failure-reasons", map[string]any{"name": "Late delivery", "stage_id": stage.ID}, 201))
	tk := e.newTicketAPI("email", "Where is my parcel?", "Ordered two weeks ago, still nothing.", "Gus", "gus@example.com")
	p := decode[domain.Problem](t, e.call("POST", "/api/v1/problems", map[string]any{"title": "Parcels stuck at the depot"}, 201))
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)

	got := decode[domain.Ticket](t, e.call("PATCH", path, map[string]any{"demand_type": "value"}, 200))
	if got.DemandType != domain.DemandValue {
		t.Fatalf("demand_type: %+v", got)
	}
	// A failure reason makes it failure demand; the same request may move the ticket on.
	got = decode[domain.Ticket](t, e.call("PATCH", path, map[string]any{"demand_type": "failure", "failure_reason_id": late.ID, "status": "pending"}, 200))
	if got.DemandType != domain.DemandFailure || got.FailureReasonID == nil || *got.FailureReasonID != late.ID || got.Status != domain.StatusPending {
		t.Fatalf("failure demand: %+v", got)
	}
	got = decode[domain.Ticket](t, e.call("PATCH", path, map[string]any{"problem_id": p.ID}, 200))
	if got.ProblemID == nil || *got.ProblemID != p.ID {
		t.Fatalf("problem_id: %+v", got)
	}
	full := decode[domain.Ticket](t, e.call("GET", path, nil, 200))
	if !hasEvent(full, "demand_type", "failure") || !hasEvent(full, "failure_reason", "Logistics: Late delivery") {
		t.Fatalf("classification not on the timeline: %+v", full.Timeline)
	}
	linked := decode[domain.Problem](t, e.call("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), nil, 200))
	if linked.TicketCount != 1 {
		t.Fatalf("problem does not list the ticket: %+v", linked)
	}

	// Invalid values: 422 naming the field, nothing written, not even the
	// valid fields of the same request.
	e.wantInvalid(path, map[string]any{"demand_type": "urgent", "status": "open"}, "demand_type")
	e.wantInvalid(path, map[string]any{"failure_reason_id": 99999, "priority": "high"}, "failure_reason_id")
	e.wantInvalid(path, map[string]any{"failure_reason_id": 0}, "failure_reason_id")
	e.wantInvalid(path, map[string]any{"problem_id": 99999, "subject": "Renamed"}, "problem_id")
	e.wantInvalid(path, map[string]any{"problem_id": -3}, "problem_id")
	e.wantInvalid(path, map[string]any{"demand_type": "value", "failure_reason_id": late.ID + 1000}, "failure_reason_id")
	after := decode[domain.Ticket](t, e.call("GET", path, nil, 200))
	if after.Subject != tk.Subject || after.Status != domain.StatusPending || after.Priority != tk.Priority || after.ProblemID == nil {
		t.Fatalf("a refused PATCH changed the ticket: %+v", after)
	}

	// null clears: unlinking and unclassifying.
	got = decode[domain.Ticket](t, e.call("PATCH", path, map[string]any{"problem_id": nil, "failure_reason_id": nil, "demand_type": nil}, 200))
	if got.ProblemID != nil || got.FailureReasonID != nil || got.DemandType != domain.DemandUnclassified {
		t.Fatalf("cleared: %+v", got)
	}
	linked = decode[domain.Problem](t, e.call("GET", fmt.Sprintf("/api/v1/problems/%d", p.ID), nil, 200))
	if linked.TicketCount != 0 {
		t.Fatalf("problem still lists the ticket: %+v", linked)
	}
	e.call("PATCH", "/api/v1/tickets/99999", map[string]any{"demand_type": "value"}, 404)
}

// An upstream collaborator reaches, through the ticket API, exactly the
// tickets linked to their problems: an unrelated ticket id is "not found"
// on every route, never its content.
func TestAPICollaboratorTicketAccess(t *testing.T) {
	e := newAPIEnv(t)
	eng, engTok := e.newAgent("eng@supplier.example", "Eve Engineer", domain.RoleCollaborator)
	mine := e.newTicketAPI("chat", "Heater trips the fuse", "The heater trips the fuse after a minute.", "Hal", "hal@example.com")
	unrelated := e.newTicketAPI("email", "Change my address", "I moved, please update my address.", "Ivy", "ivy@example.com")
	p := decode[domain.Problem](t, e.call("POST", "/api/v1/problems", map[string]any{
		"title": "Heaters trip fuses", "owner_user_id": eng.ID, "ticket_ids": []int64{mine.ID}}, 201))
	other := decode[domain.Problem](t, e.call("POST", "/api/v1/problems", map[string]any{"title": "Addresses not updated"}, 201))

	got := decode[domain.Ticket](t, e.callAs(engTok, "GET", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), nil, 200))
	if len(got.Timeline) == 0 || !strings.Contains(got.Timeline[0].Body, "trips the fuse") {
		t.Fatalf("collaborator reads the linked ticket: %+v", got.Timeline)
	}
	u := fmt.Sprintf("/api/v1/tickets/%d", unrelated.ID)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", u, nil},
		{"PATCH", u, map[string]any{"status": "solved"}},
		{"POST", u + "/messages", map[string]any{"body": "hello", "internal": true}},
		{"POST", u + "/calls", map[string]any{"direction": "outbound", "notes": "called"}},
		{"GET", "/api/v1/tickets/99999", nil},
	} {
		out := e.callAs(engTok, c.method, c.path, c.body, 404)
		if strings.Contains(string(out), "address") {
			t.Fatalf("%s %s leaked content: %s", c.method, c.path, out)
		}
	}
	list := decode[domain.TicketPage](t, e.callAs(engTok, "GET", "/api/v1/tickets", nil, 200))
	if len(list.Tickets) != 1 || list.Tickets[0].ID != mine.ID {
		t.Fatalf("collaborator's ticket list: %+v", list.Tickets)
	}
	e.callAs(engTok, "GET", "/api/v1/tickets?status=open", nil, 400)

	// They work the linked ticket (an internal finding), but cannot move it
	// to a problem they do not see.
	e.callAs(engTok, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", mine.ID), map[string]any{"body": "Thermal fuse batch 7 is faulty.", "internal": true}, 201)
	e.callAs(engTok, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), map[string]any{"problem_id": other.ID}, 422)
	e.callAs(engTok, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), map[string]any{"demand_type": "failure"}, 200)
	still := decode[domain.Ticket](t, e.call("GET", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), nil, 200))
	if still.ProblemID == nil || *still.ProblemID != p.ID || still.DemandType != domain.DemandFailure {
		t.Fatalf("ticket after collaborator: %+v", still)
	}
	// Unlinked, the ticket is gone from their view.
	e.call("DELETE", fmt.Sprintf("/api/v1/problems/%d/tickets/%d", p.ID, mine.ID), nil, 200)
	e.callAs(engTok, "GET", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), nil, 404)
	// Staff still see everything.
	e.call("GET", u, nil, 200)
}
