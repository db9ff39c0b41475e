package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
)

// Replies reach the customer whatever the ticket's channel: the routing
// rule mails them whenever the channel itself cannot (portal, an ended
// chat, phone), threaded like email tickets.

func (s *stack) reply(t *testing.T, ticketID int64, body string) *domain.Entry {
	t.Helper()
	e, err := s.db.AddEntry(context.Background(), domain.NewEntry{TicketID: ticketID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: body, Actor: domain.Actor{UserID: s.agent.ID, Name: s.agent.Name}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sendNone flushes the outbox and checks the SMTP server received nothing.
func (s *stack) sendNone(t *testing.T) {
	t.Helper()
	before := len(s.sink.Messages())
	n, err := s.sender.RunOnce(context.Background())
	if err != nil || n != 0 || len(s.sink.Messages()) != before {
		t.Fatalf("sent %d (%v), want nothing", n, err)
	}
}

func threadedOn(t *testing.T, m *enmime.Envelope, prev string) {
	t.Helper()
	if prev == "" || m.GetHeader("In-Reply-To") != prev || !strings.Contains(m.GetHeader("References"), prev) {
		t.Errorf("not threaded on %q: In-Reply-To %q References %q", prev, m.GetHeader("In-Reply-To"), m.GetHeader("References"))
	}
}

func delivered(t *testing.T, e *domain.Entry, via domain.Channel, email string) {
	t.Helper()
	r, ok := e.Delivery()
	if !ok || len(r.Via) != 1 || r.Via[0] != via || r.Email != email || r.Note == "" {
		t.Errorf("entry %d delivery %+v (%v); want via %s to %q", e.ID, r, ok, via, email)
	}
}

func TestPortalTicketAcknowledgedAndAnsweredByEmail(t *testing.T) {
	s := newStack(t, "", 0)
	s.sender.BaseURL = "https://help.acme.test"
	ctx := context.Background()
	tk, err := s.db.CreatePortalTicket(ctx, domain.NewTicket{Subject: "Blender lid cracked", Body: "The lid cracked on day one.",
		Requester: domain.Requester{Email: "ann@example.com", Name: "Ann"}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ack := s.send(t, 1)[0]
	link := "https://help.acme.test/help/tickets/" + itoa(tk.ID)
	if !strings.Contains(ack.GetHeader("To"), "ann@example.com") || !strings.Contains(ack.GetHeader("Subject"), "[#"+itoa(tk.ID)+"]") ||
		ack.GetHeader("Auto-Submitted") != "auto-replied" || !strings.Contains(ack.Text, "Hello Ann") || !strings.Contains(ack.Text, link) {
		t.Fatalf("ack: to %q subject %q text %q", ack.GetHeader("To"), ack.GetHeader("Subject"), ack.Text)
	}
	route, err := s.db.ReplyRoute(ctx, tk.ID)
	if err != nil || route.Email != "ann@example.com" || !route.Portal || route.Unreachable {
		t.Fatalf("route %+v %v", route, err)
	}
	e := s.reply(t, tk.ID, "Sorry! A new lid is on its way.")
	delivered(t, e, domain.ChannelEmail, "ann@example.com")
	m := s.send(t, 1)[0]
	if m.GetHeader("Subject") != "Re: Blender lid cracked [#"+itoa(tk.ID)+"]" || !strings.Contains(m.Text, "A new lid is on its way.") ||
		!strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("reply: subject %q text %q", m.GetHeader("Subject"), m.Text)
	}
	threadedOn(t, m, ack.GetHeader("Message-Id"))
	second := s.send2(t, tk.ID, "Tracking number: 42.")
	threadedOn(t, second, m.GetHeader("Message-Id"))
}

// send2 replies and returns the one mail it produced.
func (s *stack) send2(t *testing.T, ticketID int64, body string) *enmime.Envelope {
	t.Helper()
	s.reply(t, ticketID, body)
	m := s.send(t, 1)[0]
	if !strings.Contains(m.Text, body) {
		t.Errorf("mail text %q lacks %q", m.Text, body)
	}
	return m
}

func TestChatReplyByEmailOnlyOnceTheVisitorLeft(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	v, err := s.db.CreateChatVisitor(ctx, "visitor-1", "hash-1", "Bob", "bob@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := s.db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "Is my order shipped?", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	id := posted.Message.TicketID
	// Live: the answer appears in the chat, and no email goes out.
	live := s.reply(t, id, "Let me look.")
	delivered(t, live, domain.ChannelChat, "")
	s.sendNone(t)

	if _, err := s.db.EndChat(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	route, err := s.db.ReplyRoute(ctx, id)
	if err != nil || route.Email != "bob@example.com" || !strings.Contains(route.Note, "chat has ended") {
		t.Fatalf("route after the chat ended %+v %v", route, err)
	}
	first := s.send2(t, id, "It shipped this morning.")
	if !strings.Contains(first.GetHeader("To"), "bob@example.com") {
		t.Errorf("To %q", first.GetHeader("To"))
	}
	second := s.send2(t, id, "Tracking number: 42.")
	threadedOn(t, second, first.GetHeader("Message-Id"))
}

func TestPhoneTicketReplyByEmailAndUnreachableCustomer(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	call := &domain.CallInfo{Direction: domain.Inbound, DurationSeconds: 90}
	dee, err := s.db.CreateTicket(ctx, domain.NewTicket{Subject: "Refund", Body: "called about a refund", Channel: domain.ChannelPhone, Call: call,
		Requester: domain.Requester{Phone: "+442079460111", Email: "dee@example.com", Name: "Dee"}})
	if err != nil {
		t.Fatal(err)
	}
	first := s.send2(t, dee.ID, "Your refund is on its way.")
	second := s.send2(t, dee.ID, "It arrives in 3 days.")
	threadedOn(t, second, first.GetHeader("Message-Id"))

	cy, err := s.db.CreateTicket(ctx, domain.NewTicket{Subject: "Refund", Body: "called", Channel: domain.ChannelPhone, Call: call,
		Requester: domain.Requester{Phone: "+442079460222", Name: "Cy"}})
	if err != nil {
		t.Fatal(err)
	}
	route, err := s.db.ReplyRoute(ctx, cy.ID)
	if err != nil || !route.Unreachable || !strings.Contains(route.Note, "Cy has no email address") {
		t.Fatalf("route %+v %v", route, err)
	}
	e := s.reply(t, cy.ID, "We tried to call you.")
	if r, ok := e.Delivery(); !ok || !r.Unreachable || len(r.Via) != 0 {
		t.Errorf("entry delivery %+v %v", r, ok)
	}
	if out, _ := s.db.Outbox(ctx, cy.ID, 10); len(out) != 0 {
		t.Errorf("queued for a customer without address: %+v", out)
	}
	s.sendNone(t)
}
