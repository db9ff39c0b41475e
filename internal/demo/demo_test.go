package demo_test

import (
	"context"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"andon/internal/demo"
	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// TestSeedWritesConsistentTickets checks what the bulk path writes: the
// same rules the normal store enforces (statuses, customers, timelines).
// ANDON_SEED_TICKETS raises the count to time the bulk path.
func TestSeedWritesConsistentTickets(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	n := 3000
	if v := os.Getenv("ANDON_SEED_TICKETS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	start := time.Now()
	st, err := demo.Seed(ctx, db, demo.SeedOptions{Tickets: n, Batch: 1000})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("%s: seeded %d tickets, %d customers, %d entries in %s (%.0f tickets/s)", db.Engine, st.Tickets, st.Contacts, st.Entries, el, float64(n)/el.Seconds())
	if st.Tickets != n || st.Contacts == 0 || st.Contacts >= n || st.Entries < 2*n {
		t.Fatalf("stats %+v: want %d tickets, fewer customers than tickets (returning customers), at least two entries per ticket", st, n)
	}
	// Seeding twice adds, with no identity clashes.
	if _, err := demo.Seed(ctx, db, demo.SeedOptions{Tickets: 500, Batch: 200, Seed: 2}); err != nil {
		t.Fatalf("second seed run: %v", err)
	}
	page, err := db.Tickets(ctx, domain.TicketFilter{Statuses: []domain.Status{domain.StatusSolved}, Limit: 20})
	if err != nil || len(page.Tickets) == 0 {
		t.Fatalf("solved list: %v", err)
	}
	for _, tk := range page.Tickets {
		if tk.SolvedAt == nil || tk.FirstResponseAt == nil || tk.Assignee == nil || tk.Team == nil || tk.Requester == nil {
			t.Fatalf("solved ticket %d lacks solved/first-response time, assignee, team or requester: %+v", tk.ID, tk)
		}
		if tk.UpdatedAt.Before(tk.CreatedAt) {
			t.Fatalf("ticket %d updated before it was created", tk.ID)
		}
	}
	newPage, err := db.Tickets(ctx, domain.TicketFilter{Statuses: []domain.Status{domain.StatusNew}, Limit: 5})
	if err != nil || len(newPage.Tickets) == 0 {
		t.Fatalf("no new tickets: %v", err)
	}
	tl, err := db.Timeline(ctx, newPage.Tickets[0].ID)
	if err != nil || len(tl) != 1 || tl[0].Direction != domain.Inbound || tl[0].AuthorContactID == nil {
		t.Fatalf("a new ticket has exactly the customer's first message: %+v %v", tl, err)
	}
	if newPage.Tickets[0].Preview == "" {
		t.Fatal("no preview")
	}
}

// TestLoadTellsTheLeanStory checks that a fresh demo answers the dashboard's
// questions: most contacts classified, about six in ten failure demand with
// late parcels (Logistics) leading, problems in every state with one
// verified and one flagged countermeasure last month, survey answers and
// help-centre use.
func TestLoadTellsTheLeanStory(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	stop := watchClock(db)
	res, err := demo.Load(ctx, db, demo.Options{Now: now})
	if earliest := stop(); !earliest.Before(now.Add(-30 * 24 * time.Hour)) {
		t.Errorf("a reader of the clock saw %s at the earliest while the demo wrote history from 92 days before %s", earliest, now)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: demo of %d tickets loaded in %s", db.Engine, res.Tickets, time.Since(start))
	if d := time.Since(db.Now()); d < -time.Minute || d > time.Minute {
		t.Fatalf("the demo left the store's clock at %s", db.Now())
	}

	checkNinetyDays(t, db, now)

	// The last 30 days, the dashboard's default: last month's countermeasures.
	month, err := reports.New(db).Build(ctx, reports.Filter{From: now.Add(-30 * 24 * time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("30 days: failure %.1f%%, problems %+v, self-service %+v", month.Failure.Share, month.Problems, month.SelfService)
	if pr := month.Problems; pr.Verified != 1 || pr.Flagged != 1 || pr.InPlace != 2 || pr.Open != 3 {
		t.Errorf("problems of the last 30 days %+v: want 2 countermeasures in place, 1 verified, 1 flagged, 3 open problems", pr)
	}

	checkDemoProblems(t, db)

	// Loading again is a no-op: the demo is for the first start only.
	again, err := demo.Load(ctx, db, demo.Options{Now: now})
	if err != nil || again.Loaded {
		t.Fatalf("second load: %+v %v", again, err)
	}
}

// watchClock reads the store's clock the way a background worker (the chat
// hub's idle check) does while the demo moves it; under -race this is the
// proof that the moving clock is safe to read. stop returns the earliest
// time seen.
func watchClock(db *store.DB) (stop func() time.Time) {
	done, seen := make(chan struct{}), make(chan time.Time)
	go func() {
		earliest := db.Now()
		tick := time.NewTicker(time.Millisecond) // as a worker does, without hogging a core
		defer tick.Stop()
		for {
			select {
			case <-done:
				seen <- earliest
				return
			case <-tick.C:
				if c := db.Now(); c.Before(earliest) {
					earliest = c
				}
			}
		}
	}()
	return func() time.Time { close(done); return <-seen }
}

// checkNinetyDays checks the lean story the reports tell over 90 days.
func checkNinetyDays(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	ctx := context.Background()
	f, err := reports.ParseFilter(url.Values{}, now)
	if err != nil {
		t.Fatal(err)
	}
	f.From = now.Add(-90 * 24 * time.Hour)
	all, err := reports.New(db).Build(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	fd := all.Failure
	t.Logf("90 days: %d of %d classified, %.1f%% failure; top reasons %+v; stages %+v; CES %.2f (%d), CSAT %.2f (%d)",
		fd.Classified, all.Effort.Tickets, fd.Share, fd.Reasons[:3], fd.Stages, all.Effort.CESAvg, all.Effort.CESCount, all.Satisfaction.Avg, all.Satisfaction.Count)
	if fd.Classified < all.Effort.Tickets*3/4 {
		t.Errorf("only %d of %d tickets classified", fd.Classified, all.Effort.Tickets)
	}
	if fd.Share < 55 || fd.Share > 65 {
		t.Errorf("failure demand is %.1f%% of classified tickets, want about 55-65%%", fd.Share)
	}
	if len(fd.Reasons) < 6 || fd.Reasons[0].Label != "Late parcel" || fd.Reasons[0].Count < fd.Reasons[1].Count*5/4 {
		t.Errorf("Pareto of reasons %+v: want a clear lead for Late parcel", fd.Reasons)
	}
	if len(fd.Stages) < 5 || fd.Stages[0].Label != "Logistics" {
		t.Errorf("stages %+v: want Logistics first", fd.Stages)
	}
	if all.Effort.CESCount < 60 || all.Satisfaction.Count < 60 || len(all.Satisfaction.Comments) == 0 {
		t.Errorf("surveys: %d CES, %d CSAT answers, %d comments", all.Effort.CESCount, all.Satisfaction.Count, len(all.Satisfaction.Comments))
	}
	if all.Effort.Transfers == 0 {
		t.Error("no ticket was handed over to another team: transfers would read 0")
	}
	if all.Effort.CESAvg < 3 || all.Effort.CESAvg > 6 {
		t.Errorf("CES average %.2f: failure demand should cost customers effort", all.Effort.CESAvg)
	}
	ss := all.SelfService
	if ss.Searches < 100 || ss.EmptySearches == 0 || ss.Views == 0 || ss.HelpfulYes == 0 || ss.Deflections == 0 {
		t.Errorf("self-service %+v: want searches, empty searches, views, votes and deflections", ss)
	}
	empty := map[string]bool{}
	for _, q := range ss.TopEmpty {
		empty[q.Query] = true
	}
	if !empty["cancel subscription"] || !empty["warranty extension"] || empty["track parcel"] {
		t.Errorf("zero-result searches %+v", ss.TopEmpty)
	}

}

// checkDemoProblems checks the problems' states and what the collaborator sees.
func checkDemoProblems(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	ps, err := db.Problems(ctx, domain.ProblemFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[domain.ProblemStatus]int{}
	for _, p := range ps {
		byStatus[p.Status]++
		full, err := db.Problem(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Tickets) < 2 {
			t.Errorf("problem %q has %d linked tickets", p.Title, len(full.Tickets))
		}
	}
	want := map[domain.ProblemStatus]int{domain.ProblemVerified: 1, domain.ProblemInPlace: 1, domain.ProblemRootCauseFound: 1,
		domain.ProblemInvestigating: 1, domain.ProblemWontFix: 1}
	for st, n := range want {
		if byStatus[st] != n {
			t.Errorf("%d problems %s, want %d (all: %v)", byStatus[st], st, n, byStatus)
		}
	}
	// The logistics partner signs in as a collaborator and sees only the
	// problems whose countermeasures they own.
	sam, _, err := db.UserByEmail(ctx, demo.CollaboratorEmail)
	if err != nil {
		t.Fatal(err)
	}
	if sam.Role != domain.RoleCollaborator {
		t.Fatalf("collaborator role %q", sam.Role)
	}
	mine, err := db.Problems(ctx, domain.ProblemFilter{VisibleTo: sam, Limit: 50})
	if err != nil || len(mine) != 2 {
		t.Fatalf("collaborator sees %d problems (%v), want 2", len(mine), err)
	}

}
