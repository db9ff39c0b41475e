package store_test

import (
	"context"
	"testing"

	"andon/internal/domain"
	"andon/internal/testutil"
)

// A returning visitor's history spans all their chats, oldest first, with
// files on the messages that have them, and the limit keeps the oldest.
func TestChatMessagesSinceAcrossChats(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	v, err := db.CreateChatVisitor(ctx, "v_since1", "hash", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	post := func(cid, body string, files ...domain.NewAttachment) *domain.ChatPosted {
		t.Helper()
		p, err := db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: cid, Body: body, Files: files, Online: true})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := post("c1", "first chat")
	post("c2", "with a file", domain.NewAttachment{Filename: "shot.png", ContentType: "image/png", Data: []byte("png")})
	if _, err := db.EndChat(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	b := post("c3", "second chat")
	if b.Message.TicketID == a.Message.TicketID {
		t.Fatal("a message after the end should open a new chat")
	}
	msgs, err := db.ChatMessagesSince(ctx, v.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, m.Body)
	}
	if len(msgs) != 3 || msgs[0].Body != "first chat" || msgs[1].Body != "with a file" || msgs[2].Body != "second chat" {
		t.Fatalf("history %q", bodies)
	}
	if len(msgs[0].Files) != 0 || len(msgs[1].Files) != 1 || msgs[1].Files[0].Name != "shot.png" {
		t.Fatalf("files %+v / %+v", msgs[0].Files, msgs[1].Files)
	}
	if msgs, err = db.ChatMessagesSince(ctx, v.ID, 0, 2); err != nil || len(msgs) != 2 || msgs[1].Body != "with a file" {
		t.Fatalf("limit 2: %+v %v", msgs, err)
	}
	if msgs, err = db.ChatMessagesSince(ctx, v.ID, a.Message.ID, 0); err != nil || len(msgs) != 2 || msgs[1].Body != "second chat" {
		t.Fatalf("since the first: %+v %v", msgs, err)
	}
}
