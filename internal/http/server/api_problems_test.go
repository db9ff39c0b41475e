package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// callAs is e.call with another user's token.
func (e *apiEnv) callAs(token, method, path string, body any, status int) []byte {
	e.t.Helper()
	resp, out := e.request(method, path, body, map[string]string{"Authorization": "Bearer " + token})
	if resp.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, out)
	}
	checkAgainstDoc(e.t, method, path, resp.StatusCode, out)
	return out
}

// forbidden checks a collaborator is refused a route outside their problems.
func (e *apiEnv) forbidden(token, method, path string) {
	e.t.Helper()
	resp, out := e.request(method, path, nil, map[string]string{"Authorization": "Bearer " + token})
	if resp.StatusCode != 403 || !strings.Contains(string(out), `"code":"forbidden"`) {
		e.t.Fatalf("%s %s: %d %s, want 403", method, path, resp.StatusCode, out)
	}
}

type clockT struct{ now time.Time }

func (c *clockT) get() time.Time { return c.now }

func (e *apiEnv) newTicketAPI(channel, subject, body, name, email string) *domain.Ticket {
	e.t.Helper()
	out := e.call("POST", "/api/v1/tickets", map[string]any{"subject": subject, "body": body, "channel": channel,
		"requester": map[string]string{"email": email, "name": name}}, 201)
	return decode[*domain.Ticket](e.t, out)
}

type suggestionsOut struct {
	Tickets []store.TicketSuggestion `json:"tickets"`
}

type andonOut struct {
	DemandHint *domain.DemandHint        `json:"demand_hint"`
	Problems   []store.ProblemSuggestion `json:"problems"`
}

// The "done means", through the REST API: three customers' tickets
// about one defect on different channels, one problem, all three linked
// (two by suggestion), root cause recorded, a countermeasure assigned to an
// upstream collaborator who marks it in place, all three notified, and the
// board shows the problem verified after the window passes with no recurrence.
func TestAPIAndonDoneMeans(t *testing.T) {
	e := newAPIEnv(t)
	clk := &clockT{now: time.Now().UTC().Truncate(time.Second)}
	e.db.SetClock(clk.get)
	_, adminTok := e.newAgent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	collab, collabTok := e.newAgent("eng@supplier.example", "Eve Engineer", domain.RoleCollaborator)

	stage := decode[domain.Stage](t, e.callAs(adminTok, "POST", "/api/v1/value-chain-stages", map[string]any{"name": "Product"}, 201))
	e.call("POST", "/api/v1/value-chain-stages", map[string]any{"name": "Sales"}, 403) // agents read, admins manage
	reason := decode[domain.FailureReason](t, e.callAs(adminTok, "POST", "/api/v1/failure-reasons", map[string]any{"name": "Defective product", "stage_id": stage.ID}, 201))
	if reason.Stage != "Product" {
		t.Fatalf("reason %+v", reason)
	}

	t1 := e.newTicketAPI("email", "Kettle switch broke", "The on/off switch of my new kettle snapped after two days.", "Ann", "ann@example.com")
	t2 := e.newTicketAPI("chat", "Switch snapped on kettle", "My kettle switch snapped off, it is only a week old.", "Bob", "bob@example.com")
	t3 := e.newTicketAPI("portal", "Broken kettle switch", "The kettle power switch is broken, it snapped.", "Cy", "cy@example.com")
	noise := e.newTicketAPI("email", "Invoice address", "Please change the address on my invoice.", "Dee", "dee@example.com")

	// The agent pulls the andon on the first ticket.
	p := decode[domain.Problem](t, e.call("POST", "/api/v1/problems", map[string]any{
		"title": "Kettle switches snap", "description": "On/off switches of the K2 kettle snap within days.",
		"stage_id": stage.ID, "ticket_ids": []int64{t1.ID}}, 201))
	if p.Status != domain.ProblemInvestigating || p.TicketCount != 1 || p.Stage != "Product" {
		t.Fatalf("new problem %+v", p)
	}
	path := fmt.Sprintf("/api/v1/problems/%d", p.ID)

	// The other two arrive as suggestions, both ways.
	sug := decode[suggestionsOut](t, e.call("GET", path+"/suggestions", nil, 200))
	got := map[int64]bool{}
	for _, s := range sug.Tickets {
		got[s.Ticket.ID] = true
	}
	if len(sug.Tickets) < 2 || !got[t2.ID] || !got[t3.ID] || got[noise.ID] || got[t1.ID] {
		t.Fatalf("suggestions %+v", sug.Tickets)
	}
	andon := decode[andonOut](t, e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/andon", t2.ID), nil, 200))
	if len(andon.Problems) == 0 || andon.Problems[0].Problem.ID != p.ID {
		t.Fatalf("ticket panel suggestions %+v", andon)
	}
	for _, tk := range []*domain.Ticket{t2, t3} {
		p = decode[domain.Problem](t, e.call("POST", path+"/tickets", map[string]any{"ticket_id": tk.ID}, 200))
	}
	if p.TicketCount != 3 || p.CustomerCount != 3 {
		t.Fatalf("linked: %d tickets, %d customers", p.TicketCount, p.CustomerCount)
	}

	// Not verified without a countermeasure in place.
	e.call("PATCH", path, map[string]any{"status": "verified"}, 422)
	p = decode[domain.Problem](t, e.call("PATCH", path, map[string]any{
		"whys":       []string{"switch snaps", "plastic lever too thin", "supplier changed the mould", "no incoming inspection of parts"},
		"root_cause": "Supplier changed the switch mould without notice; we do not inspect incoming switches.",
		"status":     "root_cause_found",
	}, 200))
	if p.Status != domain.ProblemRootCauseFound || len(p.Whys) != 4 {
		t.Fatalf("root cause %+v", p)
	}
	cm := decode[domain.Countermeasure](t, e.call("POST", path+"/countermeasures", map[string]any{
		"what": "Supplier restores the old mould; incoming inspection of switch batches", "owner_user_id": collab.ID,
		"due_date": clk.now.AddDate(0, 0, 7).Format(time.DateOnly), "verification": "no new switch tickets for 14 days",
		"recurrence_window_days": 14}, 201))

	// The collaborator sees only this problem and its tickets.
	e.collaboratorSeesOnly(collabTok, p.ID, noise.ID, t2.ID)
	e.callAs(collabTok, "POST", path+"/notes", map[string]any{"body": "Mould change confirmed by the supplier on batch 2231."}, 201)
	clk.now = clk.now.Add(48 * time.Hour)
	cm = decode[domain.Countermeasure](t, e.callAs(collabTok, "PATCH", fmt.Sprintf("/api/v1/countermeasures/%d", cm.ID), map[string]any{"status": "in_place"}, 200))
	if cm.InPlaceAt == nil || !cm.InPlaceAt.Equal(clk.now) {
		t.Fatalf("in place at %v, want %v", cm.InPlaceAt, clk.now)
	}

	// Notify all three customers, each on their own channel, once.
	e.notifyOnce(path, t1, t2, t3)

	// Before the window passes the board shows it in place; after, the
	// background sweep (internal/app workers) marks it verified.
	clk.now = clk.now.Add(13 * 24 * time.Hour)
	sweepProblems(t, e.db)
	board := decode[struct{ Problems []domain.Problem }](t, e.call("GET", "/api/v1/problems?status=countermeasure_in_place", nil, 200))
	if len(board.Problems) != 1 || board.Problems[0].ID != p.ID {
		t.Fatalf("board before window end %+v", board.Problems)
	}
	clk.now = clk.now.Add(24*time.Hour + time.Minute)
	sweepProblems(t, e.db)
	board = decode[struct{ Problems []domain.Problem }](t, e.call("GET", "/api/v1/problems?status=verified", nil, 200))
	if len(board.Problems) != 1 {
		t.Fatalf("board after window %+v", board.Problems)
	}
	v := board.Problems[0]
	if v.ID != p.ID || v.TicketCount != 3 || v.CustomerCount != 3 || v.Recurrences != 0 || v.ClosedAt == nil ||
		v.Countermeasures[0].Recurrence == nil || !v.Countermeasures[0].Recurrence.Verified {
		t.Fatalf("verified problem %+v", v)
	}
}

// collaboratorSeesOnly checks that a collaborator on problemID reads that
// problem and its tickets (t2ID among them) and nothing else: not another
// problem (made here, holding noiseID), search, contacts or suggestions.
func (e *apiEnv) collaboratorSeesOnly(collabTok string, problemID, noiseID, t2ID int64) {
	e.t.Helper()
	path := fmt.Sprintf("/api/v1/problems/%d", problemID)
	other := decode[domain.Problem](e.t, e.call("POST", "/api/v1/problems", map[string]any{"title": "Invoice addresses", "ticket_ids": []int64{noiseID}}, 201))
	list := decode[struct{ Problems []domain.Problem }](e.t, e.callAs(collabTok, "GET", "/api/v1/problems", nil, 200))
	if len(list.Problems) != 1 || list.Problems[0].ID != problemID {
		e.t.Fatalf("collaborator board %+v", list.Problems)
	}
	e.callAs(collabTok, "GET", fmt.Sprintf("/api/v1/problems/%d", other.ID), nil, 404)
	e.callAs(collabTok, "GET", fmt.Sprintf("/api/v1/tickets/%d", noiseID), nil, 404)
	e.callAs(collabTok, "GET", fmt.Sprintf("/api/v1/problems/%d/tickets/%d", problemID, noiseID), nil, 404)
	e.callAs(collabTok, "GET", fmt.Sprintf("/api/v1/problems/%d/tickets/%d", other.ID, noiseID), nil, 404)
	if mine := decode[domain.TicketPage](e.t, e.callAs(collabTok, "GET", "/api/v1/tickets", nil, 200)); len(mine.Tickets) != 3 {
		e.t.Fatalf("collaborator lists %d tickets, want the problem's 3", len(mine.Tickets))
	}
	e.forbidden(collabTok, "GET", "/api/v1/search?q=kettle")
	e.forbidden(collabTok, "GET", "/api/v1/contacts")
	e.forbidden(collabTok, "POST", path+"/notify")
	e.forbidden(collabTok, "GET", path+"/suggestions")
	content := decode[domain.Ticket](e.t, e.callAs(collabTok, "GET", fmt.Sprintf("%s/tickets/%d", path, t2ID), nil, 200))
	if len(content.Timeline) == 0 || !strings.Contains(content.Timeline[0].Body, "snapped off") {
		e.t.Fatalf("collaborator reads the customer's words: %+v", content.Timeline)
	}
}

// notifyOnce notifies the problem's customers and checks each got the
// notice on their ticket's channel, with the problem's changes in the
// timeline, and that a second notify sends nothing.
func (e *apiEnv) notifyOnce(path string, tickets ...*domain.Ticket) {
	e.t.Helper()
	tpl := "Hello {{customer_name}}, about {{ticket_ref}}: {{countermeasure}}. Thank you for telling us."
	res := decode[store.NotifyResult](e.t, e.call("POST", path+"/notify", map[string]any{"template": tpl}, 200))
	if res.Notified != 3 || len(res.Skipped) != 0 {
		e.t.Fatalf("notify %+v", res)
	}
	for _, tk := range tickets {
		full := decode[domain.Ticket](e.t, e.call("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), nil, 200))
		var notice *domain.Entry
		var finding, status bool
		for i, en := range full.Timeline {
			if en.Kind == domain.EntryMessage && en.Direction == domain.Outbound {
				notice = &full.Timeline[i]
			}
			if en.Event != nil {
				finding = finding || en.Event.Field == "problem.finding"
				status = status || (en.Event.Field == "problem.status" && en.Event.To == string(domain.ProblemInPlace))
			}
		}
		if notice == nil || notice.Channel != tk.Channel || !strings.HasPrefix(notice.Body, "Hello "+tk.Requester.Name+", about "+tk.Ref()) {
			e.t.Fatalf("notice on %s ticket: %+v", tk.Channel, notice)
		}
		if !finding || !status {
			e.t.Fatalf("problem changes missing from %s timeline", tk.Ref())
		}
	}
	again := decode[store.NotifyResult](e.t, e.call("POST", path+"/notify", map[string]any{"template": tpl}, 200))
	if again.Notified != 0 {
		e.t.Fatalf("notified twice: %+v", again)
	}

}

func TestAPIProblemErrorsWriteNothing(t *testing.T) {
	e := newAPIEnv(t)
	tk := e.newTicketAPI("email", "Broken", "It broke", "Ann", "ann@example.com")
	p := decode[domain.Problem](t, e.call("POST", "/api/v1/problems", map[string]any{"title": "Broken things", "ticket_ids": []int64{tk.ID}}, 201))
	path := fmt.Sprintf("/api/v1/problems/%d", p.ID)
	e.call("POST", "/api/v1/problems", map[string]any{"title": " "}, 422)
	e.call("POST", "/api/v1/problems", map[string]any{"title": "x", "ticket_ids": []int64{999999}}, 422)
	e.call("POST", "/api/v1/problems", map[string]any{"title": "x", "colour": "red"}, 400)
	e.call("GET", "/api/v1/problems/999999", nil, 404)
	e.call("GET", "/api/v1/problems?status=fixed", nil, 422)
	e.call("PATCH", path, map[string]any{"status": "countermeasure_in_place"}, 422)
	e.call("POST", path+"/countermeasures", map[string]any{"what": "fix", "due_date": "soon"}, 422)
	before := e.fingerprint()
	e.call("POST", path+"/notify", map[string]any{"template": "Hi {{customer_name}}"}, 422) // nothing in place yet
	cm := decode[domain.Countermeasure](t, e.call("POST", path+"/countermeasures", map[string]any{"what": "Fix it", "status": "in_place"}, 201))
	before = e.fingerprint()
	body := e.call("POST", path+"/notify", map[string]any{"template": "Hi {{first_name}}"}, 422)
	if !strings.Contains(string(body), `"template"`) {
		t.Fatalf("field not named: %s", body)
	}
	if after := e.fingerprint(); after != before {
		t.Fatalf("failed notify wrote: %s -> %s", before, after)
	}
	e.call("PATCH", fmt.Sprintf("/api/v1/countermeasures/%d", cm.ID), map[string]any{"status": "done"}, 422)
	e.call("PATCH", "/api/v1/countermeasures/999999", map[string]any{"status": "failed"}, 404)
	e.call("DELETE", fmt.Sprintf("%s/tickets/%d", path, tk.ID), nil, 200)
	e.call("DELETE", fmt.Sprintf("%s/tickets/%d", path, tk.ID), nil, 404)
}

func TestAPIStagesAndFailureReasons(t *testing.T) {
	e := newAPIEnv(t)
	_, admin := e.newAgent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	billing := decode[domain.Stage](t, e.callAs(admin, "POST", "/api/v1/value-chain-stages", map[string]any{"name": "Billing"}, 201))
	logistics := decode[domain.Stage](t, e.callAs(admin, "POST", "/api/v1/value-chain-stages", map[string]any{"name": "Logistics"}, 201))
	if logistics.Position <= billing.Position {
		t.Fatalf("new stages go last: %+v %+v", billing, logistics)
	}
	e.callAs(admin, "POST", "/api/v1/value-chain-stages", map[string]any{"name": "billing"}, 409)
	e.callAs(admin, "POST", "/api/v1/value-chain-stages", map[string]any{"name": ""}, 422)
	st := decode[domain.Stage](t, e.callAs(admin, "PATCH", fmt.Sprintf("/api/v1/value-chain-stages/%d", logistics.ID), map[string]any{"name": "Delivery", "position": 0}, 200))
	if st.Name != "Delivery" || st.Position != 0 {
		t.Fatalf("patched stage %+v", st)
	}
	e.call("PATCH", fmt.Sprintf("/api/v1/value-chain-stages/%d", st.ID), map[string]any{"name": "X"}, 403)
	r := decode[domain.FailureReason](t, e.callAs(admin, "POST", "/api/v1/failure-reasons", map[string]any{"name": "Double charge", "stage_id": billing.ID}, 201))
	e.callAs(admin, "POST", "/api/v1/failure-reasons", map[string]any{"name": "Lost", "stage_id": 99999}, 422)
	e.callAs(admin, "POST", "/api/v1/failure-reasons", map[string]any{"name": "double CHARGE", "stage_id": billing.ID}, 409)
	r = decode[domain.FailureReason](t, e.callAs(admin, "PATCH", fmt.Sprintf("/api/v1/failure-reasons/%d", r.ID), map[string]any{"stage_id": st.ID, "active": false}, 200))
	if r.Stage != "Delivery" || r.Active {
		t.Fatalf("patched reason %+v", r)
	}
	e.callAs(admin, "PATCH", "/api/v1/failure-reasons/99999", map[string]any{"active": true}, 404)
	list := decode[struct {
		FailureReasons []domain.FailureReason `json:"failure_reasons"`
	}](t, e.call("GET", "/api/v1/failure-reasons", nil, 200))
	stages := decode[struct{ Stages []domain.Stage }](t, e.call("GET", "/api/v1/value-chain-stages", nil, 200))
	if len(list.FailureReasons) != 1 || len(stages.Stages) != 2 || stages.Stages[0].Name != "Delivery" {
		t.Fatalf("lists %+v %+v", list, stages)
	}
}
