package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// world is a small hand-built history; every expected figure in the tests
// below is worked out by hand from it.
type world struct {
	db               *store.DB
	now              time.Time
	t1, t2, t3, t4   int64
	t5               int64 // previous period
	agentA, agentB   int64
	team1, team2     int64
	reason1, reason2 int64
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func build(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := testutil.OpenDB(t)
	w := &world{db: db}
	db.SetClock(func() time.Time { return w.now })
	set := func(s string) { w.now = at(s) }
	set("2026-02-01 08:00")
	agentA := must[*domain.User](t)(db.CreateUser(ctx, domain.NewUser{Email: "a@x.test", Name: "Agent A", Role: domain.RoleAgent}))
	agentB := must[*domain.User](t)(db.CreateUser(ctx, domain.NewUser{Email: "b@x.test", Name: "Agent B", Role: domain.RoleAgent}))
	team1 := must[*domain.Team](t)(db.CreateTeam(ctx, "Front"))
	team2 := must[*domain.Team](t)(db.CreateTeam(ctx, "Billing team"))
	w.agentA, w.agentB, w.team1, w.team2 = agentA.ID, agentB.ID, team1.ID, team2.ID
	name := func(s string) *string { return &s }
	billing := must[*domain.Stage](t)(db.CreateStage(ctx, store.StageInput{Name: name("Billing")}))
	logistics := must[*domain.Stage](t)(db.CreateStage(ctx, store.StageInput{Name: name("Logistics")}))
	r1 := must[*domain.FailureReason](t)(db.CreateFailureReason(ctx, store.FailureReasonInput{Name: name("Double charge"), StageID: &billing.ID}))
	r2 := must[*domain.FailureReason](t)(db.CreateFailureReason(ctx, store.FailureReasonInput{Name: name("Late delivery"), StageID: &logistics.ID}))
	w.reason1, w.reason2 = r1.ID, r2.ID
	A := domain.Actor{UserID: agentA.ID, Name: "Agent A"}
	B := domain.Actor{UserID: agentB.ID, Name: "Agent B"}

	create := func(when string, ch domain.Channel, email string, team *int64, assignee *int64, tags ...string) int64 {
		set(when)
		tk := must[*domain.Ticket](t)(db.CreateTicket(ctx, domain.NewTicket{Subject: "Help " + email, Body: "It is broken",
			Requester: domain.Requester{Email: email, Name: email}, Channel: ch, TeamID: team, AssigneeID: assignee, Tags: tags}))
		return tk.ID
	}
	reply := func(when string, id int64, by domain.Actor, status domain.Status) {
		set(when)
		must[*domain.Entry](t)(db.AddEntry(ctx, domain.NewEntry{TicketID: id, Kind: domain.EntryMessage, Direction: domain.Outbound,
			Body: "Answer", Actor: by, Status: status}))
	}
	customer := func(when string, id int64, ch domain.Channel) {
		set(when)
		tk := must[*domain.Ticket](t)(db.Ticket(ctx, id))
		must[*domain.Entry](t)(db.AddEntry(ctx, domain.NewEntry{TicketID: id, Kind: domain.EntryMessage, Direction: domain.Inbound,
			Channel: ch, Body: "Still broken", Actor: domain.Actor{ContactID: tk.RequesterID}}))
	}
	update := func(when string, id int64, u domain.TicketUpdate, by domain.Actor) {
		set(when)
		must[*domain.Ticket](t)(db.UpdateTicket(ctx, id, u, by))
	}
	solved := domain.StatusSolved

	// Previous period: one ticket, answered once, solved 3h after it came in.
	w.t5 = create("2026-02-25 09:00", domain.ChannelEmail, "dave@c.test", nil, nil)
	reply("2026-02-25 10:00", w.t5, A, "")
	update("2026-02-25 12:00", w.t5, domain.TicketUpdate{Status: &solved}, A)

	// t1: Monday, one reply after 1h, solved at 11:00: first-contact resolution, 2h.
	w.t1 = create("2026-03-02 09:00", domain.ChannelEmail, "ann@c.test", &w.team1, nil)
	reply("2026-03-02 10:00", w.t1, A, "")
	update("2026-03-02 11:00", w.t1, domain.TicketUpdate{Status: &solved}, A)

	// t2: Tuesday chat, pending, customer answers by email (channel switch),
	// reassigned A -> B (transfer), solved, reopened next day, solved again.
	w.t2 = create("2026-03-03 09:00", domain.ChannelChat, "bob@c.test", nil, &w.agentA)
	reply("2026-03-03 09:30", w.t2, A, domain.StatusPending) // customer waited 0.5h; pending from 09:30
	customer("2026-03-03 12:30", w.t2, domain.ChannelEmail)  // pending 3h; waiting on us again
	update("2026-03-03 13:00", w.t2, domain.TicketUpdate{AssigneeID: &w.agentB}, A)
	reply("2026-03-03 14:30", w.t2, B, "") // waited 2h
	update("2026-03-03 15:00", w.t2, domain.TicketUpdate{Status: &solved}, B)
	customer("2026-03-04 09:00", w.t2, domain.ChannelEmail) // reopens
	reply("2026-03-04 10:00", w.t2, B, solved)              // waited 1h, solved: 25h after first contact

	// t3: Thursday, tagged billing, never answered.
	w.t3 = create("2026-03-05 09:00", domain.ChannelEmail, "ann@c.test", nil, nil, "billing")

	// t4: Thursday portal, team Front -> Billing team (transfer), one reply, solved after 1h.
	w.t4 = create("2026-03-05 10:00", domain.ChannelPortal, "carl@c.test", &w.team1, nil)
	reply("2026-03-05 10:30", w.t4, A, "")
	update("2026-03-05 10:45", w.t4, domain.TicketUpdate{TeamID: &w.team2}, A)
	update("2026-03-05 11:00", w.t4, domain.TicketUpdate{Status: &solved}, A)

	w.classify(t, r1.ID, r2.ID, A)
	w.feedback(t)
	// The reports are read on Friday 09:00.
	set("2026-03-06 09:00")
	return w
}

// classify sorts the tickets into failure and value demand and links the
// double-charge tickets to a problem whose countermeasure t4 recurs after.
func (w *world) classify(t *testing.T, r1, r2 int64, A domain.Actor) {
	t.Helper()
	ctx := context.Background()
	// Classification: t1, t2 double charge (Billing), t3 late delivery (Logistics), t4 value.
	failure, value := domain.DemandFailure, domain.DemandValue
	w.now = at("2026-03-05 12:00")
	for id, r := range map[int64]int64{w.t1: r1, w.t2: r1, w.t3: r2} {
		must[*domain.Ticket](t)(w.db.ClassifyTicket(ctx, id, &failure, &r, nil, A))
	}
	must[*domain.Ticket](t)(w.db.ClassifyTicket(ctx, w.t4, &value, nil, nil, A))

	// Problem P over t1 and t2; countermeasure in place Thursday 09:30;
	// t4 (created 10:00, after it) is linked: recurrence within the window.
	w.now = at("2026-03-05 12:10")
	p := must[*domain.Problem](t)(w.db.CreateProblem(ctx, domain.NewProblem{Title: "Card charged twice", TicketIDs: []int64{w.t1, w.t2}}, A))
	w.now = at("2026-03-05 09:30")
	must[*domain.Countermeasure](t)(w.db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "Idempotent payments", Status: domain.CMInPlace}, A))
	w.now = at("2026-03-05 12:20")
	if err := w.db.LinkTicket(ctx, p.ID, w.t4, A); err != nil {
		t.Fatal(err)
	}
}

// feedback records the survey answers and knowledge-base searches.
func (w *world) feedback(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	// Surveys: t1 CSAT 5 + CES 7 with a comment; t2 CSAT 2 + CES 3 with a comment; t4 CSAT 4.
	w.now = at("2026-03-04 11:00")
	for _, a := range []store.SurveyAnswer{
		{TicketID: w.t1, Kind: "csat", Score: 5, Comment: "Quick, thanks"}, {TicketID: w.t1, Kind: "ces", Score: 7},
		{TicketID: w.t2, Kind: "ces", Score: 3, Comment: "Had to explain twice"}, {TicketID: w.t2, Kind: "csat", Score: 2},
	} {
		if err := w.db.RecordSurvey(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	w.now = at("2026-03-05 12:30")
	if err := w.db.RecordSurvey(ctx, store.SurveyAnswer{TicketID: w.t4, Kind: "csat", Score: 4}); err != nil {
		t.Fatal(err)
	}

	// Knowledge base: three searches for "refund" found nothing, one for "password" found 2.
	w.now = at("2026-03-03 08:00")
	for _, q := range []string{"refund", "Refund", "refund", "password"} {
		n := 0
		if q == "password" {
			n = 2
		}
		if err := w.db.LogSearch(ctx, q, n, "portal"); err != nil {
			t.Fatal(err)
		}
	}
}

func week(t *testing.T, q string) reports.Filter {
	t.Helper()
	v, _ := url.ParseQuery(q)
	f, err := reports.ParseFilter(v, at("2026-03-06 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMetricsByHand(t *testing.T) {
	w := build(t)
	ctx := context.Background()
	svc := reports.New(w.db)
	r, err := svc.Build(ctx, week(t, "from=2026-03-02&to=2026-03-08"))
	if err != nil {
		t.Fatal(err)
	}
	// Resolution: solved in the week t1 (2h), t2 (25h), t4 (1h); FCR t1, t4;
	// nearest-rank median of [1 2 25] is 2, p90 is 25; t2 was reopened.
	want := reports.Resolution{Solved: 3, FCR: 2, FCRRate: 66.7, MedianHours: 2, P90Hours: 25, Reopened: 1, ReopenRate: 33.3}
	if r.Resolution != want {
		t.Errorf("resolution\n got %+v\nwant %+v", r.Resolution, want)
	}
	// Effort: created t1..t4 by ann, bob, ann, carl; customer messages 1+3+1+1;
	// transfers t2 (A->B) and t4 (team); channel switch t2 (chat, email);
	// waited on us 1 + 3.5 + 24 (t3, unanswered until Friday 09:00) + 0.5 = 29h / 4;
	// we waited on them 3h (t2 pending) / 4; CES 7 and 3.
	e := r.Effort
	gotE := []any{e.Tickets, e.Customers, e.CustomerMessages, e.MessagesPerTicket, e.TicketsPerCustomer, e.Transfers,
		e.TicketsTransferred, e.ChannelSwitches, e.ChannelSwitchRate, e.WaitOnUsHours, e.WaitOnThemHours, e.CESCount, e.CESAvg, e.CESDist}
	wantE := []any{4, 3, 6, 1.5, 1.33, 2, 2, 1, 25.0, 7.3, 0.8, 2, 5.0, []int{0, 0, 1, 0, 0, 0, 1}}
	if !reflect.DeepEqual(gotE, wantE) {
		t.Errorf("effort\n got %v\nwant %v", gotE, wantE)
	}
	// Failure demand: 3 of 4 classified; one week; Pareto double charge 2
	// (66.7%), late delivery 1 (100%); stages Billing 2, Logistics 1.
	fd := r.Failure
	if fd.Classified != 4 || fd.Failure != 3 || fd.Share != 75 {
		t.Errorf("failure demand %d/%d %.1f%%", fd.Failure, fd.Classified, fd.Share)
	}
	if !reflect.DeepEqual(fd.Weekly, []reports.WeekShare{{Week: "2026-03-02", Classified: 4, Failure: 3, Share: 75}}) {
		t.Errorf("weekly %+v", fd.Weekly)
	}
	wantReasons := []reports.Bar{{Label: "Double charge", Group: "Billing", Count: 2, Cumulative: 66.7}, {Label: "Late delivery", Group: "Logistics", Count: 1, Cumulative: 100}}
	if !reflect.DeepEqual(fd.Reasons, wantReasons) {
		t.Errorf("pareto %+v", fd.Reasons)
	}
	if !reflect.DeepEqual(fd.Stages, []reports.Bar{{Label: "Billing", Count: 2}, {Label: "Logistics", Count: 1}}) {
		t.Errorf("stages %+v", fd.Stages)
	}
	// Problems: one open problem, customers ann, bob, carl; countermeasure
	// 3 days 0.5h after the first ticket; t4 recurred in the window: flagged.
	p := r.Problems
	if p.Open != 1 || p.CustomersAffected != 3 || p.InPlace != 1 || p.MedianDaysToCM != 3 || p.Recurred != 1 || p.Flagged != 1 || p.Verified != 0 {
		t.Errorf("problems %+v", p)
	}
	// Self-service: 4 searches, 3 empty, all "refund".
	ss := r.SelfService
	if ss.Searches != 4 || ss.EmptySearches != 3 || len(ss.TopEmpty) != 1 || ss.TopEmpty[0].Query != "refund" || ss.TopEmpty[0].Count != 3 {
		t.Errorf("self-service %+v", ss)
	}
	// Satisfaction: CSAT 5, 2, 4 -> 3.67; two comments.
	s := r.Satisfaction
	if s.Count != 3 || s.Avg != 3.67 || !reflect.DeepEqual(s.Dist, []int{0, 1, 0, 1, 1}) || len(s.Comments) != 2 {
		t.Errorf("satisfaction %+v", s)
	}
	// Load: email 2, chat 1, portal 1; Monday 09, Tuesday 09, Thursday 09 and 10;
	// backlog by last solve: Tue 1 (t2), Wed 0, Thu on 1 (t3).
	l := r.Load
	if l.Incoming != 4 || !reflect.DeepEqual(l.ByChannel, []reports.Bar{{Label: "email", Count: 2}, {Label: "chat", Count: 1}, {Label: "portal", Count: 1}}) {
		t.Errorf("load %+v", l.ByChannel)
	}
	if l.Heat[0][9] != 1 || l.Heat[1][9] != 1 || l.Heat[3][9] != 1 || l.Heat[3][10] != 1 || l.HeatMax != 1 {
		t.Errorf("heat map %v", l.Heat)
	}
	var backlog []int
	for _, b := range l.Backlog {
		backlog = append(backlog, b.Count)
	}
	if !reflect.DeepEqual(backlog, []int{0, 1, 0, 1, 1, 1, 1}) {
		t.Errorf("backlog %v", backlog)
	}

	// The previous week holds t5 only: solved at the first contact in 3h.
	prev, err := svc.Build(ctx, week(t, "from=2026-03-02&to=2026-03-08").Previous())
	if err != nil {
		t.Fatal(err)
	}
	if want := (reports.Resolution{Solved: 1, FCR: 1, FCRRate: 100, MedianHours: 3, P90Hours: 3}); prev.Resolution != want {
		t.Errorf("previous resolution %+v", prev.Resolution)
	}
}

func TestFilters(t *testing.T) {
	w := build(t)
	ctx := context.Background()
	svc := reports.New(w.db)
	for q, want := range map[string]int{
		"from=2026-03-02&to=2026-03-08&channel=email":         2, // t1, t3
		"from=2026-03-02&to=2026-03-08&tag=billing":           1, // t3
		"from=2026-03-02&to=2026-03-08&team=" + itoa(w.team2): 1, // t4, moved to the billing team
		"from=2026-03-02&to=2026-03-08&tag=nosuchtag":         0,
	} {
		r, err := svc.Build(ctx, week(t, q))
		if err != nil {
			t.Fatal(err)
		}
		if r.Load.Incoming != want {
			t.Errorf("%s: incoming %d, want %d", q, r.Load.Incoming, want)
		}
	}
	if _, err := reports.ParseFilter(url.Values{"from": {"2026-03-08"}, "to": {"2026-03-01"}}, time.Now()); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("to before from: %v", err)
	}
}

// The stored per-ticket facts follow the timeline: a reply after the
// report was read shows in the next read.
func TestFactsFollowTimeline(t *testing.T) {
	w := build(t)
	ctx := context.Background()
	svc := reports.New(w.db)
	f := week(t, "from=2026-03-02&to=2026-03-08")
	r1, err := svc.Build(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	w.now = at("2026-03-06 10:00")
	if _, err := w.db.AddEntry(ctx, domain.NewEntry{TicketID: w.t3, Kind: domain.EntryMessage, Direction: domain.Inbound,
		Body: "Hello?", Actor: domain.Actor{ContactID: mustTicket(t, w.db, w.t3).RequesterID}}); err != nil {
		t.Fatal(err)
	}
	r2, err := svc.Build(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Effort.CustomerMessages != r1.Effort.CustomerMessages+1 {
		t.Errorf("customer messages %d then %d", r1.Effort.CustomerMessages, r2.Effort.CustomerMessages)
	}
}

func mustTicket(t *testing.T, db *store.DB, id int64) *domain.Ticket {
	tk, err := db.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Every CSV holds the numbers of the report it exports.
func TestCSVMatchesReport(t *testing.T) {
	w := build(t)
	ctx := context.Background()
	svc := reports.New(w.db)
	f := week(t, "from=2026-03-02&to=2026-03-08")
	cur, err := svc.Build(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := svc.Build(ctx, f.Previous())
	if err != nil {
		t.Fatal(err)
	}
	tables := reports.Tables(cur, prev)
	for _, name := range reports.TableNames {
		if tables[name] == nil {
			t.Fatalf("no table %s", name)
		}
	}
	read := func(name string) [][]string {
		var b bytes.Buffer
		if err := tables[name].WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	sum := read("summary")
	got := map[string][2]string{}
	for _, r := range sum[1:] {
		got[r[0]] = [2]string{r[1], r[2]}
	}
	if got["tickets_solved"] != [2]string{"3", "1"} || got["first_contact_resolution_pct"] != [2]string{"66.7", "100"} ||
		got["failure_demand_pct"] != [2]string{"75", "0"} || got["csat_avg"] != [2]string{"3.67", "0"} {
		t.Errorf("summary csv %v", got)
	}
	pareto := read("failure-reasons")
	if !reflect.DeepEqual(pareto, [][]string{{"reason", "stage", "tickets", "cumulative_pct"}, {"Double charge", "Billing", "2", "66.7"}, {"Late delivery", "Logistics", "1", "100"}}) {
		t.Errorf("pareto csv %v", pareto)
	}
	if c := read("comments"); len(c) != 3 || c[1][3] != "Quick, thanks" {
		t.Errorf("comments csv %v", c)
	}
}

// A ticket created before both periods and solved in this one counts in
// this period's resolution; a later reply to it is seen by the next read
// of the same service (its creation day is outside the cached days).
func TestSolvedFromEarlierPeriodFollowsTimeline(t *testing.T) {
	w := build(t)
	ctx := context.Background()
	db := w.db
	w.now = at("2026-02-10 09:00")
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Old", Body: "Old problem", Requester: domain.Requester{Email: "eve@c.test"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	w.now = at("2026-03-03 10:00")
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: "Fixed",
		Actor: domain.Actor{UserID: w.agentA}, Status: domain.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	w.now = at("2026-03-06 09:00")
	svc := reports.New(db)
	f := week(t, "from=2026-03-02&to=2026-03-08")
	cur, prev, err := svc.BuildWithPrevious(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Resolution.Solved != 4 || cur.Resolution.FCR != 3 || prev.Load.Incoming != 1 {
		t.Fatalf("before: solved %d, fcr %d, previous incoming %d", cur.Resolution.Solved, cur.Resolution.FCR, prev.Load.Incoming)
	}
	w.now = at("2026-03-06 09:30")
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: "One more thing",
		Actor: domain.Actor{UserID: w.agentA}}); err != nil {
		t.Fatal(err)
	}
	cur, _, err = svc.BuildWithPrevious(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Resolution.Solved != 4 || cur.Resolution.FCR != 2 {
		t.Errorf("after a second reply: solved %d, fcr %d (want 4, 2)", cur.Resolution.Solved, cur.Resolution.FCR)
	}
}
