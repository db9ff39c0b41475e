package ingest_test

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

// A spoofed sender's name, subject and text reach the acknowledgement, the
// assignment notice and the "customer replied" notice as text: no link,
// image or markup comes from them.
func TestAutomaticMailNeverLinksUntrustedText(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	agent, err := db.CreateUser(ctx, store.NewUser{Email: "agent@acme.test", Name: "Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range testutil.HostileText {
		name := strings.ReplaceAll(p, "\n", " ")
		from := fmt.Sprintf("%q <victim%d@example.com>", name, i)
		res := mustIngest(t, g, msg(from, name, fmt.Sprintf("<h%d@example.com>", i), "", p))
		if _, err := db.UpdateTicket(ctx, res.TicketID, domain.TicketUpdate{AssigneeID: &agent.ID}, domain.Actor{Name: name}); err != nil {
			t.Fatal(err)
		}
		mustIngest(t, g, msg(from, "Re: "+name, fmt.Sprintf("<h%d-2@example.com>", i), fmt.Sprintf("In-Reply-To: <h%d@example.com>\r\n", i), p))
		kinds := map[string]bool{}
		for _, o := range outbox(t, db, res.TicketID) {
			kinds[o.Kind+" "+o.To[0]] = true
			text, html, err := render.Render(o.Body, domain.Brand{Name: "Acme"}, "#1")
			if err != nil {
				t.Fatal(err)
			}
			testutil.AssertNoLinks(t, o.Kind+" for "+p, html)
			if o.Kind == domain.OutboxAck && !strings.Contains(text, name) {
				t.Errorf("ack text lacks the name as written: %q", text)
			}
		}
		for _, k := range []string{"ack " + fmt.Sprintf("victim%d@example.com", i), "notify agent@acme.test"} {
			if !kinds[k] {
				t.Errorf("payload %d: no %s mail (have %v)", i, k, kinds)
			}
		}
	}
}
