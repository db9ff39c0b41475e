package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func outboxKinds(t *testing.T, db *store.DB, ticketID int64) string {
	t.Helper()
	out, err := db.Outbox(context.Background(), ticketID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var k []string
	for i := len(out) - 1; i >= 0; i-- {
		k = append(k, out[i].Kind+":"+strings.Join(out[i].To, ","))
	}
	return strings.Join(k, " ")
}

// A chat taken offline (no agent available) is answered by email; the
// decision is recorded on the entry.
func TestOfflineChatReplyGoesByEmail(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	v, err := db.CreateChatVisitor(ctx, "v1", "h1", "Bob", "bob@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "Anyone there?", Online: false})
	if err != nil {
		t.Fatal(err)
	}
	id := p.Message.TicketID
	e, err := db.AddEntry(ctx, domain.NewEntry{TicketID: id, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: "Yes, here.",
		Actor: domain.Actor{UserID: agent.ID, Name: agent.Name}})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := e.Delivery(); !ok || r.Email != "bob@example.com" || r.ByChat() {
		t.Fatalf("delivery %+v %v", r, ok)
	}
	if got := outboxKinds(t, db, id); got != "reply:bob@example.com" {
		t.Fatalf("outbox %q", got)
	}
	// A note is never routed.
	n, err := db.AddEntry(ctx, domain.NewEntry{TicketID: id, Kind: domain.EntryNote, Body: "internal", Actor: domain.Actor{UserID: agent.ID}})
	if _, ok := n.Delivery(); err != nil || ok || outboxKinds(t, db, id) != "reply:bob@example.com" {
		t.Fatalf("note routed: %v %+v", err, n.Meta)
	}
}

// Portal tickets are acknowledged with the editable template, at most
// three times an hour per address (the form needs no sign-in).
func TestPortalAcknowledgement(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	if err := db.SetSettings(ctx, map[string]string{domain.SettingAckBody: "Hi {{name}}, we have {{ticket}}."}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < 4; i++ {
		tk, err := db.CreatePortalTicket(ctx, domain.NewTicket{Subject: "Help", Body: "please",
			Requester: domain.Requester{Email: "ann@example.com", Name: "Ann"}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	out, _ := db.Outbox(ctx, ids[0], 10)
	if len(out) != 1 || out[0].Kind != domain.OutboxAck || out[0].Body != "Hi Ann, we have #"+strconv.FormatInt(ids[0], 10)+"." {
		t.Fatalf("ack %+v", out)
	}
	if got := outboxKinds(t, db, ids[3]); got != "" {
		t.Fatalf("fourth ack within the hour: %q", got)
	}
}

// A survey follows the same rule: no address, nothing queued.
func TestSurveyNeedsAnAddress(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	if _, err := db.EnsureDefaultMailbox(ctx, "support@acme.test", "Support"); err != nil {
		t.Fatal(err)
	}
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Call", Body: "x", Channel: domain.ChannelPhone, Requester: domain.Requester{Phone: "+442079460555"}})
	if err != nil {
		t.Fatal(err)
	}
	queued, err := db.OfferSurvey(ctx, tk.ID, "How did we do?", func(int64) string { return "Rate us" })
	if err != nil || queued || outboxKinds(t, db, tk.ID) != "" {
		t.Fatalf("survey for a customer without address: %v %v", queued, err)
	}
}
