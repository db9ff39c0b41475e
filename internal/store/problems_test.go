package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// clock lets a test move the store's time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func withClock(db *store.DB) *clock {
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	db.SetClock(c.now)
	return c
}

func ticketOn(t *testing.T, db *store.DB, ch domain.Channel, subject, body, name string, tags ...string) *domain.Ticket {
	t.Helper()
	n := domain.NewTicket{Subject: subject, Body: body, Channel: ch, Tags: tags,
		Requester: domain.Requester{Email: strings.ToLower(name) + "@example.com", Name: name}}
	if ch == domain.ChannelPhone {
		n.Requester = domain.Requester{Phone: "+4420794600" + string(rune('0'+len(name)%10)), Name: name}
	}
	tk, err := db.CreateTicket(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func mustUser(t *testing.T, db *store.DB, email string, role domain.Role) *domain.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), domain.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// corpus opens four problems about different defects, each with a linked
// ticket, and returns them by a short key.
func corpus(t *testing.T, db *store.DB, by domain.Actor) map[string]*domain.Problem {
	t.Helper()
	ctx := context.Background()
	specs := []struct{ key, title, desc, subj, body string }{
		{"card", "Card payments declined at checkout", "Valid Visa cards are refused by the payment form since the 3-D Secure update.",
			"Payment declined", "My card keeps getting declined at checkout, the bank says it is fine."},
		{"parcel", "Parcels delivered to the billing address", "The courier label uses the billing address instead of the delivery address.",
			"Parcel went to my old address", "The parcel was delivered to my billing address, not where I asked."},
		{"invoice", "Invoices charge VAT twice", "Invoices for EU business customers add VAT on top of VAT-inclusive prices.",
			"Invoice wrong", "My invoice shows VAT charged twice on the same order."},
		{"login", "App crashes on login after update", "Version 4.2 of the mobile app crashes when signing in with a saved password.",
			"App crash", "Since the update the app crashes as soon as I log in."},
	}
	out := map[string]*domain.Problem{}
	for _, s := range specs {
		tk := ticketOn(t, db, domain.ChannelEmail, s.subj, s.body, "Seed"+s.key)
		p, err := db.CreateProblem(ctx, domain.NewProblem{Title: s.title, Description: s.desc, TicketIDs: []int64{tk.ID}}, by)
		if err != nil {
			t.Fatal(err)
		}
		out[s.key] = p
	}
	return out
}

func TestSimilarityRanksTheRightProblemFirst(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	ps := corpus(t, db, by)
	cases := []struct{ subject, body, want string }{
		{"Cannot pay", "Checkout refuses my Visa card, payment declined every time.", "card"},
		{"Wrong address", "Your courier delivered my parcel to the billing address again.", "parcel"},
		{"Double VAT", "Why is VAT added twice on my invoice?", "invoice"},
		{"Crash", "The app crashes when I log in since yesterday's update.", "login"},
	}
	for _, c := range cases {
		tk := ticketOn(t, db, domain.ChannelChat, c.subject, c.body, "Asker")
		got, err := db.SuggestProblems(ctx, tk.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Problem.ID != ps[c.want].ID {
			var titles []string
			for _, g := range got {
				titles = append(titles, g.Problem.Title)
			}
			t.Fatalf("%q: want %q first, got %v", c.body, ps[c.want].Title, titles)
		}
		if got[0].Reasons[0] != "similar text" {
			t.Fatalf("reasons %v", got[0].Reasons)
		}
	}
	// Closed problems are not suggested.
	if _, err := db.UpdateProblem(ctx, ps["card"].ID, domain.ProblemUpdate{Status: pp(domain.ProblemWontFix)}, by); err != nil {
		t.Fatal(err)
	}
	tk := ticketOn(t, db, domain.ChannelEmail, "Card declined", "card declined at checkout", "Late")
	got, _ := db.SuggestProblems(ctx, tk.ID, 5)
	for _, g := range got {
		if g.Problem.ID == ps["card"].ID {
			t.Fatal("won't-fix problem suggested")
		}
	}
	// A problem suggests the unlinked tickets that look like it, best first.
	sug, err := db.SuggestTickets(ctx, ps["parcel"].ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(sug) == 0 || sug[0].Ticket.Subject != "Wrong address" {
		t.Fatalf("ticket suggestions %+v", sug)
	}
	for _, s := range sug {
		if s.Ticket.ProblemID != nil {
			t.Fatalf("linked ticket suggested: %+v", s.Ticket)
		}
	}
}

func TestSimilarityBoostsFailureReasonAndTags(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	stage, err := db.CreateStage(ctx, store.StageInput{Name: pp("Logistics")})
	if err != nil {
		t.Fatal(err)
	}
	reason, err := db.CreateFailureReason(ctx, store.FailureReasonInput{Name: pp("Late delivery"), StageID: &stage.ID})
	if err != nil {
		t.Fatal(err)
	}
	a := ticketOn(t, db, domain.ChannelEmail, "Order status", "Where is my order?", "Ann", "courier-x")
	b := ticketOn(t, db, domain.ChannelEmail, "Order status", "Where is my order?", "Bob")
	if _, err := db.ClassifyTicket(ctx, a.ID, nil, &reason.ID, nil, by); err != nil {
		t.Fatal(err)
	}
	pa, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Order status questions", TicketIDs: []int64{a.ID}}, by)
	pb, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Order status questions", TicketIDs: []int64{b.ID}}, by)
	c := ticketOn(t, db, domain.ChannelChat, "Order status", "Where is my order?", "Cid", "courier-x")
	if _, err := db.ClassifyTicket(ctx, c.ID, nil, &reason.ID, nil, by); err != nil {
		t.Fatal(err)
	}
	got, err := db.SuggestProblems(ctx, c.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 || got[0].Problem.ID != pa.ID || got[1].Problem.ID != pb.ID || got[0].Score <= got[1].Score {
		t.Fatalf("same reason and tag must win a text tie: %+v", got)
	}
	if r := strings.Join(got[0].Reasons, "; "); !strings.Contains(r, "same failure reason") || !strings.Contains(r, "courier-x") {
		t.Fatalf("reasons %q", r)
	}
}

func pp[T any](v T) *T { return &v }

func TestProblemLifecycleTimelinesAndVerification(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	clk := withClock(db)
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	t1 := ticketOn(t, db, domain.ChannelEmail, "Charged twice", "I was charged twice", "Ann")
	p, err := db.CreateProblem(ctx, domain.NewProblem{Title: "Double charge", TicketIDs: []int64{t1.ID}}, by)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.ProblemInvestigating || len(p.Tickets) != 1 || p.Tickets[0].DemandType != domain.DemandFailure {
		t.Fatalf("pulled andon: %+v", p)
	}
	if _, err := db.UpdateProblem(ctx, p.ID, domain.ProblemUpdate{Status: pp(domain.ProblemVerified)}, by); domain.ErrorCode(err) != domain.EUnprocessabl {
		t.Fatalf("verified without countermeasure: %v", err)
	}
	p, err = db.UpdateProblem(ctx, p.ID, domain.ProblemUpdate{Whys: &[]string{"card charged twice", "retry on timeout", "no idempotency key"},
		RootCause: pp("Payment retries lack an idempotency key"), Status: pp(domain.ProblemRootCauseFound)}, by)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "Send an idempotency key", RecurrenceWindowDays: 7, DueDate: "2026-12-01"}, by)
	if err != nil || cm.Status != domain.CMPlanned {
		t.Fatalf("countermeasure %+v %v", cm, err)
	}
	clk.advance(time.Hour)
	if _, err := db.UpdateCountermeasure(ctx, cm.ID, domain.CountermeasureUpdate{Status: pp(domain.CMInPlace)}, by); err != nil {
		t.Fatal(err)
	}
	p, _ = db.Problem(ctx, p.ID)
	if p.Status != domain.ProblemInPlace || p.Countermeasures[0].InPlaceAt == nil {
		t.Fatalf("in place moves the problem: %s", p.Status)
	}
	// Before the window passes nothing is verified.
	clk.advance(6 * 24 * time.Hour)
	if n, err := db.SweepProblems(ctx); err != nil || n != 0 {
		t.Fatalf("early sweep %d %v", n, err)
	}
	clk.advance(2 * 24 * time.Hour)
	if n, err := db.SweepProblems(ctx); err != nil || n != 1 {
		t.Fatalf("sweep %d %v", n, err)
	}
	p, _ = db.Problem(ctx, p.ID)
	if p.Status != domain.ProblemVerified || p.ClosedAt == nil || !p.Countermeasures[0].Recurrence.Verified {
		t.Fatalf("after window: %s %+v", p.Status, p.Countermeasures[0].Recurrence)
	}
	// Every change is on the problem's timeline and the ticket's.
	fields := map[string]bool{}
	for _, e := range p.Timeline {
		fields[e.Field] = true
	}
	for _, f := range []string{"problem", "ticket", "whys", "root_cause", "status", "countermeasure", "countermeasure_status"} {
		if !fields[f] {
			t.Errorf("problem timeline lacks %q: %+v", f, p.Timeline)
		}
	}
	tl, _ := db.Timeline(ctx, t1.ID)
	tfields := map[string]bool{}
	for _, e := range tl {
		if e.Event != nil {
			tfields[e.Event.Field] = true
		}
	}
	for _, f := range []string{"problem", "demand_type", "problem.root_cause", "problem.status", "problem.countermeasure_status"} {
		if !tfields[f] {
			t.Errorf("ticket timeline lacks %q: %v", f, tfields)
		}
	}
}

func TestRecurrenceFlagsCountermeasure(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	clk := withClock(db)
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	before := ticketOn(t, db, domain.ChannelEmail, "Broken zip", "zip broke", "Ann")
	p, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Broken zips"}, by)
	clk.advance(time.Hour)
	if _, err := db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "New supplier", Status: domain.CMInPlace, RecurrenceWindowDays: 5}, by); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	after := ticketOn(t, db, domain.ChannelEmail, "Zip broke again", "zip broke", "Bob")
	// Linking an old ticket is not recurrence; a new one is.
	if err := db.LinkTicket(ctx, p.ID, before.ID, by); err != nil {
		t.Fatal(err)
	}
	p, _ = db.Problem(ctx, p.ID)
	if p.Recurrences != 0 || p.Countermeasures[0].Recurrence.Flagged {
		t.Fatalf("ticket from before the countermeasure counted: %+v", p.Countermeasures[0].Recurrence)
	}
	if err := db.LinkTicket(ctx, p.ID, after.ID, by); err != nil {
		t.Fatal(err)
	}
	clk.advance(10 * 24 * time.Hour)
	if n, _ := db.SweepProblems(ctx); n != 0 {
		t.Fatal("a flagged countermeasure must not verify the problem")
	}
	p, _ = db.Problem(ctx, p.ID)
	r := p.Countermeasures[0].Recurrence
	if p.Recurrences != 1 || !r.Flagged || r.Verified || r.TicketIDs[0] != after.ID || p.Status != domain.ProblemInPlace {
		t.Fatalf("recurrence %+v status %s", r, p.Status)
	}
	if _, err := db.UpdateProblem(ctx, p.ID, domain.ProblemUpdate{Status: pp(domain.ProblemVerified)}, by); err == nil {
		t.Fatal("manual verification despite recurrence")
	}
	var recurrence bool
	for _, e := range p.Timeline {
		recurrence = recurrence || (e.Field == "recurrence" && e.To == after.Ref())
	}
	if !recurrence {
		t.Fatalf("recurrence not on timeline: %+v", p.Timeline)
	}
}

func TestClassifyAndDemandHints(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	stage, _ := db.CreateStage(ctx, store.StageInput{Name: pp("Billing")})
	reason, _ := db.CreateFailureReason(ctx, store.FailureReasonInput{Name: pp("Confusing bill"), StageID: &stage.ID})
	first := ticketOn(t, db, domain.ChannelEmail, "Bill question", "What is this charge?", "Ann")
	if h, _ := db.DemandHint(ctx, first.ID); h != nil {
		t.Fatalf("first contact hinted: %+v", h)
	}
	chase := ticketOn(t, db, domain.ChannelChat, "Any news?", "I emailed about my bill, any news?", "Ann")
	h, err := db.DemandHint(ctx, chase.ID)
	if err != nil || h == nil || h.DemandType != domain.DemandFailure || !strings.Contains(h.Reason, first.Ref()) {
		t.Fatalf("chasing hint %+v %v", h, err)
	}
	// A reopened ticket is hinted as failure demand.
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: first.ID, Kind: domain.EntryMessage, Body: "Explained.", Actor: by, Status: domain.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: first.ID, Kind: domain.EntryMessage, Body: "Still wrong", Actor: domain.Actor{ContactID: first.RequesterID}}); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.DemandHint(ctx, first.ID); h == nil || !strings.Contains(h.Reason, "reopened") {
		t.Fatalf("reopen hint %+v", h)
	}
	// Classify: a reason makes it failure demand; value demand clears it.
	tk, err := db.ClassifyTicket(ctx, first.ID, nil, &reason.ID, nil, by)
	if err != nil || tk.DemandType != domain.DemandFailure || tk.FailureReasonID == nil || *tk.FailureReasonID != reason.ID {
		t.Fatalf("classify %+v %v", tk, err)
	}
	tk, err = db.ClassifyTicket(ctx, first.ID, pp(domain.DemandValue), nil, nil, by)
	if err != nil || tk.DemandType != domain.DemandValue || tk.FailureReasonID != nil {
		t.Fatalf("value demand %+v %v", tk, err)
	}
	if _, err := db.ClassifyTicket(ctx, first.ID, pp(domain.DemandType("waste")), nil, nil, by); domain.ErrorFields(err)["demand_type"] == "" {
		t.Fatalf("bad demand type: %v", err)
	}
	if _, err := db.ClassifyTicket(ctx, first.ID, nil, pp(int64(999)), nil, by); domain.ErrorFields(err)["failure_reason_id"] == "" {
		t.Fatalf("bad reason: %v", err)
	}
	if _, err := db.ClassifyTicket(ctx, first.ID, nil, nil, pp(int64(999)), by); domain.ErrorFields(err)["problem_id"] == "" {
		t.Fatalf("bad problem: %v", err)
	}
	p, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Bills confuse"}, by)
	tk, err = db.ClassifyTicket(ctx, chase.ID, nil, nil, &p.ID, by)
	if err != nil || tk.ProblemID == nil || *tk.ProblemID != p.ID || tk.DemandType != domain.DemandFailure {
		t.Fatalf("link via classify %+v %v", tk, err)
	}
	tk, err = db.ClassifyTicket(ctx, chase.ID, nil, nil, pp(int64(0)), by)
	if err != nil || tk.ProblemID != nil {
		t.Fatalf("unlink via classify %+v %v", tk, err)
	}
	var events []string
	tl, _ := db.Timeline(ctx, first.ID)
	for _, e := range tl {
		if e.Event != nil {
			events = append(events, e.Event.Field+":"+e.Event.To)
		}
	}
	if got := strings.Join(events, " "); !strings.Contains(got, "demand_type:failure failure_reason:Billing: Confusing bill") || !strings.Contains(got, "demand_type:value") {
		t.Fatalf("classification events: %s", got)
	}
}

func TestNotifyEmailAndChatTicketsOnce(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: "Agent Smith"}
	mail := ticketOn(t, db, domain.ChannelEmail, "Label wrong", "label wrong", "Ann")
	chat := ticketOn(t, db, domain.ChannelChat, "Label wrong", "label wrong", "Bob")
	phone := ticketOn(t, db, domain.ChannelPhone, "Label wrong", "label wrong", "Cy")
	phoneMail, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Label wrong", Body: "called about the label", Channel: domain.ChannelPhone,
		Requester: domain.Requester{Phone: "+442079460999", Email: "dee@example.com", Name: "Dee"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Wrong labels", TicketIDs: []int64{mail.ID, chat.ID, phone.ID, phoneMail.ID}}, by)
	if _, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: "x"}, by); domain.ErrorCode(err) != domain.EUnprocessabl {
		t.Fatalf("notify before a countermeasure is in place: %v", err)
	}
	cm, _ := db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "Labels now print the delivery address", Status: domain.CMInPlace}, by)
	if _, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: "Hi {{name}}"}, by); domain.ErrorFields(err)["template"] == "" {
		t.Fatalf("bad placeholder: %v", err)
	}
	res, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: "Hello {{customer_name}}, about {{ticket_ref}}: {{countermeasure}}."}, by)
	if err != nil {
		t.Fatal(err)
	}
	if res.Notified != 3 || len(res.Skipped) != 1 || res.Skipped[0].TicketID != phone.ID || res.CountermeasureID != cm.ID {
		t.Fatalf("result %+v", res)
	}
	// Email notices are queued for sending with the entry; a phone
	// customer with an address is told by email.
	for _, tk := range []*domain.Ticket{mail, phoneMail} {
		var queued int
		if err := db.Writer().QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE ticket_id = ` + strconv.FormatInt(tk.ID, 10)).Scan(&queued); err != nil || queued != 1 {
			t.Fatalf("outbox for %s: %d %v", tk.Channel, queued, err)
		}
	}
	for _, tk := range []*domain.Ticket{mail, chat} {
		tl, _ := db.Timeline(ctx, tk.ID)
		var last domain.Entry
		for _, e := range tl {
			if e.Kind == domain.EntryMessage && e.Direction == domain.Outbound {
				last = e
			}
		}
		want := "Hello " + tk.Requester.Name + ", about " + tk.Ref() + ": Labels now print the delivery address."
		if last.Kind != domain.EntryMessage || last.Direction != domain.Outbound || last.Channel != tk.Channel || last.Body != want || last.Meta["notice"] != true {
			t.Fatalf("notice on %s: %+v", tk.Channel, last)
		}
	}
	again, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: "Again {{ticket_ref}}"}, by)
	if err != nil || again.Notified != 0 || len(again.Skipped) != 4 {
		t.Fatalf("second notify must not repeat: %+v %v", again, err)
	}
	forced, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: "Again {{ticket_ref}}", Force: true}, by)
	if err != nil || forced.Notified != 3 {
		t.Fatalf("forced: %+v %v", forced, err)
	}
	p, _ = db.Problem(ctx, p.ID)
	if p.Countermeasures[0].NotifiedAt == nil {
		t.Fatal("countermeasure does not show it was notified")
	}
}

func TestCollaboratorSeesOnlyTheirProblems(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	eng := mustUser(t, db, "eng@example.com", domain.RoleCollaborator)
	sup := mustUser(t, db, "supplier@example.com", domain.RoleCollaborator)
	team, _ := db.CreateTeam(ctx, "Warehouse")
	if err := db.AddTeamMember(ctx, team.ID, sup.ID); err != nil {
		t.Fatal(err)
	}
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	linked := ticketOn(t, db, domain.ChannelEmail, "Crash", "crash", "Ann")
	other := ticketOn(t, db, domain.ChannelEmail, "Private", "unrelated", "Bob")
	mine, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Crash", OwnerUserID: &eng.ID, TicketIDs: []int64{linked.ID}}, by)
	teams, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Stock", OwnerTeamID: &team.ID}, by)
	viaCM, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Via countermeasure"}, by)
	if _, err := db.AddCountermeasure(ctx, viaCM.ID, domain.NewCountermeasure{What: "fix", OwnerUserID: &eng.ID}, by); err != nil {
		t.Fatal(err)
	}
	linked, _ = db.Ticket(ctx, linked.ID)
	if err := db.CanSeeTicket(ctx, eng, linked); err != nil {
		t.Fatalf("own problem's ticket: %v", err)
	}
	if err := db.CanSeeTicket(ctx, eng, other); !domain.IsNotFound(err) {
		t.Fatalf("unrelated ticket: %v", err)
	}
	if err := db.CanSeeTicket(ctx, sup, linked); !domain.IsNotFound(err) {
		t.Fatalf("another collaborator's ticket: %v", err)
	}
	if err := db.CanSeeTicket(ctx, agent, other); err != nil {
		t.Fatalf("agents see all: %v", err)
	}
	if err := db.CanSeeProblem(ctx, sup, teams.ID); err != nil {
		t.Fatalf("team's problem: %v", err)
	}
	if err := db.CanSeeProblem(ctx, sup, mine.ID); !domain.IsNotFound(err) {
		t.Fatalf("other's problem: %v", err)
	}
	list, _ := db.Problems(ctx, domain.ProblemFilter{VisibleTo: eng})
	var titles []string
	for _, p := range list {
		titles = append(titles, p.Title)
	}
	if strings.Join(titles, ",") != "Via countermeasure,Crash" {
		t.Fatalf("collaborator board %v", titles)
	}
	page, err := db.CollaboratorTickets(ctx, eng, 50)
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].ID != linked.ID {
		t.Fatalf("collaborator tickets %+v %v", page, err)
	}
}

func TestUpdateTicketClassifiedIsOneTransaction(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	tk := ticketOn(t, db, domain.ChannelEmail, "Late", "late parcel", "Ann")
	p, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "Late parcels"}, by)
	cls := domain.TicketClassification{ProblemID: &p.ID}
	if _, err := db.UpdateTicketClassified(ctx, tk.ID, domain.TicketUpdate{AssigneeID: pp(int64(999))}, cls, by); domain.ErrorFields(err)["assignee_id"] == "" {
		t.Fatalf("bad assignee: %v", err)
	}
	if got, _ := db.Ticket(ctx, tk.ID); got.ProblemID != nil || got.DemandType != "" {
		t.Fatalf("failed update linked anyway: %+v", got)
	}
	got, err := db.UpdateTicketClassified(ctx, tk.ID, domain.TicketUpdate{Priority: pp(domain.PriorityHigh)}, cls, by)
	if err != nil || got.ProblemID == nil || *got.ProblemID != p.ID || got.Priority != domain.PriorityHigh || got.DemandType != domain.DemandFailure {
		t.Fatalf("update and classify: %+v %v", got, err)
	}
}
