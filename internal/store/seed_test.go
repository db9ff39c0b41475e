package store_test

import (
	"context"
	"fmt"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// TestTagListsOnRareAndCommonTags pages through tag lists of a rare tag (read
// as an id list) and of a tag on thousands of tickets (checked along the
// ordered index): both must return exactly the tagged tickets, in order.
func TestTagListsOnRareAndCommonTags(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	tags, err := db.EnsureTags(ctx, []string{"common", "rare"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2600
	b := &store.SeedBatch{Contacts: []store.SeedContact{{Name: "Ann", CreatedAt: 1_700_000_000_000,
		Identities: []domain.Identity{{Kind: domain.IdentityEmail, Value: "ann@example.com"}}}}}
	for i := 0; i < n; i++ {
		at := int64(1_700_000_000_000 + i*60_000)
		st := domain.StatusOpen
		if i%2 == 1 {
			st = domain.StatusClosed
		}
		tk := store.SeedTicket{RequesterID: -1, Subject: fmt.Sprintf("Ticket %d", i), Status: st, Priority: 1, Channel: domain.ChannelEmail,
			CreatedAt: at, UpdatedAt: at, TagIDs: []int64{tags["common"]},
			Entries: []store.SeedEntry{{Kind: domain.EntryMessage, Channel: domain.ChannelEmail, Direction: domain.Inbound, AuthorContactID: -1, Body: "Hello", CreatedAt: at}}}
		if i%100 == 0 {
			tk.TagIDs = append(tk.TagIDs, tags["rare"])
		}
		b.Tickets = append(b.Tickets, tk)
	}
	if err := db.SeedBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Contacts[0].ID == 0 {
		t.Fatal("SeedBatch did not report the contact id")
	}
	all := func(f domain.TicketFilter) []*domain.Ticket {
		t.Helper()
		var out []*domain.Ticket
		f.Limit = 200
		for {
			page, err := db.Tickets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page.Tickets...)
			if page.NextCursor == "" {
				return out
			}
			f.Cursor = page.NextCursor
		}
	}
	check := func(name string, got []*domain.Ticket, want int, tag string, status domain.Status) {
		t.Helper()
		if len(got) != want {
			t.Fatalf("%s: %d tickets, want %d", name, len(got), want)
		}
		for i, tk := range got {
			has := false
			for _, g := range tk.Tags {
				has = has || g == tag
			}
			if !has || (status != "" && tk.Status != status) {
				t.Fatalf("%s: ticket %d (%s, %v) does not match", name, tk.ID, tk.Status, tk.Tags)
			}
			if i > 0 && !tk.UpdatedAt.Before(got[i-1].UpdatedAt) {
				t.Fatalf("%s: not newest-activity first at %d", name, i)
			}
		}
	}
	check("common+open", all(domain.TicketFilter{Tag: "common", Statuses: []domain.Status{domain.StatusOpen}}), n/2, "common", domain.StatusOpen)
	check("common", all(domain.TicketFilter{Tag: "Common"}), n, "common", "")
	check("rare", all(domain.TicketFilter{Tag: "rare"}), n/100, "rare", "")
	check("rare+open", all(domain.TicketFilter{Tag: "rare", Statuses: []domain.Status{domain.StatusOpen}}), n/100, "rare", domain.StatusOpen)
	if got := all(domain.TicketFilter{Tag: "nosuchtag"}); len(got) != 0 {
		t.Fatalf("unknown tag listed %d tickets", len(got))
	}
	// Oldest first under a filter also pages through everything, in id order.
	old := all(domain.TicketFilter{Tag: "rare", Sort: domain.SortOldest})
	for i := 1; i < len(old); i++ {
		if old[i].ID <= old[i-1].ID {
			t.Fatalf("oldest-first out of order at %d", i)
		}
	}
	// A normal ticket after the bulk load takes the next number.
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "After", Body: "Hi", Requester: domain.Requester{Email: "ann@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if tk.RequesterID != b.Contacts[0].ID {
		t.Fatalf("seeded identity not found: requester %d, want %d", tk.RequesterID, b.Contacts[0].ID)
	}
}
