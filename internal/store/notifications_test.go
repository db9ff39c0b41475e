package store_test

import (
	"context"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/testutil"
)

func TestNotificationsListAndRead(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	ann := mustUser(t, db, "ann@acme.test", domain.RoleAgent)
	bob := mustUser(t, db, "bob@acme.test", domain.RoleAgent)
	tk := ticketOn(t, db, domain.ChannelEmail, "Help", "Please help", "Carla")

	if _, err := db.AddNotification(ctx, domain.Notification{UserID: ann.ID, Kind: domain.NotifyMention}); domain.ErrorFields(err)["text"] == "" {
		t.Fatalf("empty text accepted: %v", err)
	}
	var ids []int64
	for _, text := range []string{"first", "second", "third"} {
		id, err := db.AddNotification(ctx, domain.Notification{UserID: ann.ID, TicketID: &tk.ID, Kind: domain.NotifyMention, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := db.AddNotification(ctx, domain.Notification{UserID: bob.ID, Kind: domain.NotifyAssigned, Text: "not Ann's"}); err != nil {
		t.Fatal(err)
	}

	got, err := db.Notifications(ctx, ann.ID, true, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Text != "third" || got[1].Text != "second" || *got[0].TicketID != tk.ID || !got[0].CreatedAt.Equal(now) {
		t.Fatalf("newest first, limited: %+v", got)
	}
	if next, _ := db.Notifications(ctx, ann.ID, true, got[1].ID, 10); len(next) != 1 || next[0].Text != "first" {
		t.Fatalf("next page: %+v", next)
	}
	if err := db.MarkNotificationsRead(ctx, ann.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	unread, _ := db.Notifications(ctx, ann.ID, true, 0, 10)
	if len(unread) != 1 || unread[0].Text != "third" {
		t.Fatalf("unread after marking up to second: %+v", unread)
	}
	all, _ := db.Notifications(ctx, ann.ID, false, 0, 10)
	if len(all) != 3 || all[2].ReadAt == nil {
		t.Fatalf("all: %+v", all)
	}
	bobs, _ := db.Notifications(ctx, bob.ID, true, 0, 10)
	if len(bobs) != 1 {
		t.Fatalf("Bob's notifications untouched: %+v", bobs)
	}
}
