package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/mail/render"
	"andon/internal/store"
	"andon/internal/testutil"
)

func renderOutbox(t *testing.T, db *store.DB, ticketID int64, what string) int {
	t.Helper()
	out, err := db.Outbox(context.Background(), ticketID, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		_, html, err := render.Render(o.Body, domain.Brand{Name: "Acme"}, "#1")
		if err != nil {
			t.Fatal(err)
		}
		testutil.AssertNoLinks(t, what, html)
	}
	return len(out)
}

// A visitor's chat lines and an agent's name reach the transcript mail as
// text; customer names and subjects reach problem notices as text.
func TestTranscriptsAndNoticesNeverLinkUntrustedText(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	for i, p := range testutil.HostileText {
		v, err := db.CreateChatVisitor(ctx, fmt.Sprintf("v_hostile%d", i), "hash", strings.ReplaceAll(p, "\n", " "), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		posted, err := db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: p, Online: true})
		if err != nil {
			t.Fatal(err)
		}
		tid := posted.Message.TicketID
		if err := db.EnqueueChatTranscript(ctx, v.ID, tid, fmt.Sprintf("v%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
		if n := renderOutbox(t, db, tid, "transcript of "+p); n != 1 {
			t.Fatalf("transcript mails: %d", n)
		}
	}

	agent := mustUser(t, db, "agent@example.com", domain.RoleAgent)
	by := domain.Actor{UserID: agent.ID, Name: "Agent <b>Smith</b>"}
	var ids []int64
	for i, p := range testutil.HostileText {
		tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: strings.ReplaceAll(p, "\n", " "), Body: p, Channel: domain.ChannelEmail,
			Requester: domain.Requester{Email: fmt.Sprintf("c%d@example.com", i), Name: strings.ReplaceAll(p, "\n", " ")}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	p, _ := db.CreateProblem(ctx, domain.NewProblem{Title: "[Phish](https://evil.test)", TicketIDs: ids}, by)
	if _, err := db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "![x](http://evil.test/p.png)", Status: domain.CMInPlace}, by); err != nil {
		t.Fatal(err)
	}
	tpl := "Hello {{customer_name}}, about {{ticket_subject}} ({{problem_title}}): **{{countermeasure}}**. {{agent_name}}"
	if _, err := db.NotifyProblem(ctx, p.ID, store.NotifyRequest{Template: tpl}, by); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if n := renderOutbox(t, db, id, "notice for "+testutil.HostileText[i]); n != 1 {
			t.Fatalf("ticket %d: %d notice mails", id, n)
		}
	}
}
