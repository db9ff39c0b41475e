package store_test

import (
	"context"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m, closeBenchDB) }

func newTicket(t *testing.T, db *store.DB, subject, body, email string, tags ...string) *domain.Ticket {
	t.Helper()
	tk, err := db.CreateTicket(context.Background(), domain.NewTicket{
		Subject: subject, Body: body, Requester: domain.Requester{Email: email, Name: "Ann"}, Channel: domain.ChannelEmail, Tags: tags,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestCreateTicketFindsExistingCustomer(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	a := newTicket(t, db, "Parcel late", "Where is my parcel?", "Ann@Example.com", "Delivery")
	b := newTicket(t, db, "Refund", "I want a refund", "ann@example.com")
	if a.RequesterID != b.RequesterID {
		t.Fatalf("same email made two customers: %d and %d", a.RequesterID, b.RequesterID)
	}
	if a.Number < 1001 || a.Number == b.Number {
		t.Fatalf("numbers %d %d", a.Number, b.Number)
	}
	if got := strings.Join(a.Tags, ","); got != "delivery" {
		t.Fatalf("tags %q", got)
	}
	tl, err := db.Timeline(ctx, a.ID)
	if err != nil || len(tl) != 1 || tl[0].Body != "Where is my parcel?" || tl[0].Direction != domain.Inbound {
		t.Fatalf("timeline %+v %v", tl, err)
	}
}

func TestReplyOpensAndCustomerReplyReopens(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, domain.NewUser{Email: "agent@example.com", Name: "Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	tk := newTicket(t, db, "Broken", "It broke", "bob@example.com")
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Body: "Sorry! Fixed.", Actor: domain.Actor{UserID: u.ID}, Status: domain.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	tk, _ = db.Ticket(ctx, tk.ID)
	if tk.Status != domain.StatusSolved || tk.FirstResponseAt == nil || tk.SolvedAt == nil {
		t.Fatalf("after reply: %+v", tk)
	}
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Body: "Still broken", Actor: domain.Actor{ContactID: tk.RequesterID}}); err != nil {
		t.Fatal(err)
	}
	tk, _ = db.Ticket(ctx, tk.ID)
	if tk.Status != domain.StatusOpen || tk.ReopenCount != 1 || tk.SolvedAt != nil {
		t.Fatalf("after customer reply: status %s reopen %d", tk.Status, tk.ReopenCount)
	}
	tl, _ := db.Timeline(ctx, tk.ID)
	var events int
	for _, e := range tl {
		if e.Kind == domain.EntryEvent {
			events++
		}
	}
	if events != 2 {
		t.Fatalf("want 2 status events, got %d", events)
	}
}

func TestListKeysetPagingAcrossStatuses(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	want := map[int64]bool{}
	for i := 0; i < 25; i++ {
		tk := newTicket(t, db, "T", "body", "c@example.com")
		st := []domain.Status{domain.StatusNew, domain.StatusOpen, domain.StatusSolved}[i%3]
		if st != domain.StatusNew {
			if _, err := db.UpdateTicket(ctx, tk.ID, domain.TicketUpdate{Status: &st}, domain.System); err != nil {
				t.Fatal(err)
			}
		}
		if st != domain.StatusSolved {
			want[tk.ID] = true
		}
	}
	for _, sort := range []domain.TicketSort{domain.SortUpdated, domain.SortPriority, domain.SortNewest, domain.SortOldest} {
		got := map[int64]bool{}
		cur := ""
		pages := 0
		for {
			p, err := db.Tickets(ctx, domain.TicketFilter{Statuses: []domain.Status{domain.StatusNew, domain.StatusOpen}, Limit: 4, Cursor: cur, Sort: sort})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range p.Tickets {
				if got[tk.ID] {
					t.Fatalf("%s: ticket %d twice", sort, tk.ID)
				}
				got[tk.ID] = true
			}
			pages++
			if p.NextCursor == "" {
				break
			}
			cur = p.NextCursor
		}
		if len(got) != len(want) {
			t.Fatalf("%s: got %d tickets over %d pages, want %d", sort, len(got), pages, len(want))
		}
	}
}

func TestSearchRanksAndHighlights(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	newTicket(t, db, "Invoice charged twice", "My invoice shows a double charge", "a@example.com")
	newTicket(t, db, "Login problem", "Cannot log in <script>", "b@example.com")
	hits, err := db.Search(ctx, "charges", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "<mark>") {
		t.Fatalf("hits %+v", hits)
	}
	hits, err = db.Search(ctx, "log", 10)
	if err != nil || len(hits) != 1 || strings.Contains(hits[0].Snippet, "<script>") {
		t.Fatalf("escaped? %+v %v", hits, err)
	}
}

func TestMergeContactsMovesTicketsAndIdentities(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	a := newTicket(t, db, "A", "a", "x@example.com")
	ph, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Call", Body: "called", Channel: domain.ChannelPhone, Requester: domain.Requester{Phone: "+1 555 010 2030"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.MergeContacts(ctx, a.RequesterID, ph.RequesterID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email() != "x@example.com" || c.Phone() != "+15550102030" {
		t.Fatalf("identities %+v", c.Identities)
	}
	p, _ := db.Tickets(ctx, domain.TicketFilter{RequesterID: a.RequesterID})
	if len(p.Tickets) != 2 {
		t.Fatalf("tickets %d", len(p.Tickets))
	}
	if _, err := db.Contact(ctx, ph.RequesterID); !domain.IsNotFound(err) {
		t.Fatalf("source still there: %v", err)
	}
}
