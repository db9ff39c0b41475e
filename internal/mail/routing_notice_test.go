package mail_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
)

// A problem notice reaches every linked customer who can be reached, the
// count it reports is what actually went out, and the one customer without
// an address is named, with nothing queued for them.
func TestProblemNoticeReachesEveryCustomer(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	by := domain.Actor{UserID: s.agent.ID, Name: s.agent.Name}
	newTicket := func(ch domain.Channel, r domain.Requester) int64 {
		n := domain.NewTicket{Subject: "Kettle switch", Body: "The switch snapped.", Channel: ch, Requester: r}
		var tk *domain.Ticket
		var err error
		if ch == domain.ChannelPortal {
			tk, err = s.db.CreatePortalTicket(ctx, n, nil, "")
		} else {
			tk, err = s.db.CreateTicket(ctx, n)
		}
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	portal := newTicket(domain.ChannelPortal, domain.Requester{Email: "ann@example.com", Name: "Ann"})
	phone := newTicket(domain.ChannelPhone, domain.Requester{Phone: "+442079460333", Email: "dee@example.com", Name: "Dee"})
	noAddr := newTicket(domain.ChannelPhone, domain.Requester{Phone: "+442079460444", Name: "Cy"})
	chatTicket := func(visitor, name, email string, end bool) int64 {
		v, err := s.db.CreateChatVisitor(ctx, visitor, visitor+"-hash", name, email, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "My kettle switch snapped.", Online: true})
		if err != nil {
			t.Fatal(err)
		}
		if end {
			if _, err := s.db.EndChat(ctx, visitor); err != nil {
				t.Fatal(err)
			}
		}
		return p.Message.TicketID
	}
	left := chatTicket("v-bob", "Bob", "bob@example.com", true)
	live := chatTicket("v-eve", "Eve", "eve@example.com", false)
	s.send(t, 1) // the portal acknowledgement

	ids := []int64{portal, phone, noAddr, left, live}
	p, err := s.db.CreateProblem(ctx, domain.NewProblem{Title: "Switches snap", TicketIDs: ids}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "Stronger switch from batch 12", Status: domain.CMInPlace}, by); err != nil {
		t.Fatal(err)
	}
	res, err := s.db.NotifyProblem(ctx, p.ID, store.NotifyRequest{}, by)
	if err != nil {
		t.Fatal(err)
	}
	got := s.send(t, 3)
	var to []string
	for _, m := range got {
		to = append(to, strings.Trim(m.GetHeader("To"), "<>"))
		if !strings.Contains(m.Text, "Stronger switch from batch 12") {
			t.Errorf("notice text %q", m.Text)
		}
	}
	sort.Strings(to)
	if strings.Join(to, " ") != "ann@example.com bob@example.com dee@example.com" {
		t.Errorf("notices mailed to %v", to)
	}
	s.sendNone(t) // nothing more: not Eve (live chat), not Cy
	if res.Emailed != len(got) || res.ByChannel["email"] != 3 || res.ByChannel["chat"] != 1 || res.Notified != 4 {
		t.Errorf("result %+v; %d mails received", res, len(got))
	}
	if len(res.Unreachable) != 1 || res.Unreachable[0].TicketID != noAddr || res.Unreachable[0].Name != "Cy" ||
		!strings.Contains(res.Unreachable[0].Reason, "no email address") {
		t.Errorf("unreachable %+v", res.Unreachable)
	}
	if out, _ := s.db.Outbox(ctx, noAddr, 10); len(out) != 0 {
		t.Errorf("queued for Cy: %+v", out)
	}
	tl, _ := s.db.Timeline(ctx, live)
	var notice domain.Entry
	for _, e := range tl {
		if e.Kind == domain.EntryMessage && e.Direction == domain.Outbound {
			notice = e
		}
	}
	if r, ok := notice.Delivery(); !ok || !r.ByChat() || r.ByEmail() || notice.Meta["notice"] != true {
		t.Errorf("live chat notice %+v", notice)
	}
}
