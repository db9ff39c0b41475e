package store_test

import (
	"context"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// Merging an anonymous chat visitor's contact into a known customer keeps
// the visitor's browser session, chat and history.
func TestMergeContactsKeepsChatVisitor(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	v, err := db.CreateChatVisitor(ctx, "v_merge1", "hash", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "my printer is on fire", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	known := newTicket(t, db, "Earlier", "by email", "ann@example.com")
	if _, err := db.MergeContacts(ctx, known.RequesterID, v.ContactID); err != nil {
		t.Fatal(err)
	}
	after, err := db.ChatVisitor(ctx, v.ID)
	if err != nil {
		t.Fatalf("visitor lost by the merge: %v", err)
	}
	if after.ContactID != known.RequesterID || after.TokenHash != "hash" || after.Email != "ann@example.com" {
		t.Fatalf("visitor after merge %+v", after)
	}
	msgs, err := db.ChatMessagesSince(ctx, v.ID, 0, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "my printer is on fire" {
		t.Fatalf("history after merge %+v %v", msgs, err)
	}
	// The same chat goes on, and the resend of c1 is still recognised.
	next, err := db.PostChatMessage(ctx, after, domain.NewChatMessage{ClientID: "c2", Body: "still burning", Online: true})
	if err != nil || next.Created || next.Message.TicketID != first.Message.TicketID {
		t.Fatalf("second message %+v %v", next, err)
	}
	dup, err := db.PostChatMessage(ctx, after, domain.NewChatMessage{ClientID: "c1", Body: "my printer is on fire", Online: true})
	if err != nil || !dup.Duplicate {
		t.Fatalf("resend after merge %+v %v", dup, err)
	}
	tk, err := db.Ticket(ctx, first.Message.TicketID)
	if err != nil || tk.RequesterID != known.RequesterID {
		t.Fatalf("chat ticket requester %+v %v", tk, err)
	}
}

// Group commit: one transaction for several visitors' messages keeps the
// one-at-a-time rules: a repeated client id in the same batch is stored once,
// an invalid message fails alone, and each visitor's chat is their own.
func TestPostChatMessagesBatch(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	a, err := db.CreateChatVisitor(ctx, "v_batch_a", "h", "Ann", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateChatVisitor(ctx, "v_batch_b", "h", "Bob", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res := db.PostChatMessages(ctx, []store.ChatPost{
		{Visitor: a, Msg: domain.NewChatMessage{ClientID: "c1", Body: "first", Online: true}},
		{Visitor: b, Msg: domain.NewChatMessage{ClientID: "c1", Body: "bob's first", Online: true}},
		{Visitor: a, Msg: domain.NewChatMessage{ClientID: "c1", Body: "first", Online: true}},
		{Visitor: a, Msg: domain.NewChatMessage{ClientID: "c2", Body: "   ", Online: true}},
		{Visitor: a, Msg: domain.NewChatMessage{ClientID: "c3", Body: "second", Online: true}},
	})
	for i, r := range res {
		if (r.Err != nil) != (i == 3) {
			t.Fatalf("result %d: %+v %v", i, r.Posted, r.Err)
		}
	}
	if !res[0].Posted.Created || !res[1].Posted.Created || res[0].Posted.Message.TicketID == res[1].Posted.Message.TicketID {
		t.Fatalf("two chats expected: %+v %+v", res[0].Posted, res[1].Posted)
	}
	if !res[2].Posted.Duplicate || res[2].Posted.Message.ID != res[0].Posted.Message.ID {
		t.Fatalf("resend in the same batch: %+v", res[2].Posted)
	}
	if domain.ErrorCode(res[3].Err) != domain.EInvalid {
		t.Fatalf("empty message: %v", res[3].Err)
	}
	if res[4].Posted.Created || res[4].Posted.Message.TicketID != res[0].Posted.Message.TicketID {
		t.Fatalf("second message: %+v", res[4].Posted)
	}
	msgs, err := db.ChatMessagesSince(ctx, a.ID, 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Body != "first" || msgs[1].Body != "second" {
		t.Fatalf("ann's chat: %+v %v", msgs, err)
	}
	msgs, err = db.ChatMessagesSince(ctx, b.ID, 0, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "bob's first" {
		t.Fatalf("bob's chat: %+v %v", msgs, err)
	}
}
