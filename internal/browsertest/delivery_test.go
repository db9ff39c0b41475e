package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
)

// TestComposerSaysWhereTheReplyGoes: before sending, the composer warns
// that a customer without an address will not get the reply; on a live
// chat it says the reply shows in the chat, and when the visitor leaves
// (on the other node, on PostgreSQL) the line changes to email without a
// reload and without touching what the agent is typing.
func TestComposerSaysWhereTheReplyGoes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	eve := e.ticket(domain.ChannelPhone, "Called about her order", "Wants to know when it ships.", "+15550199", "Eve Stone")
	v, err := e.a().db.CreateChatVisitor(ctx, "v_browser_delivery", "hash", "Cara Lane", "cara@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := e.a().db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "Has my order shipped?", Online: true})
	if err != nil {
		t.Fatal(err)
	}

	b := newTab(t, e.a().url, 0)
	b.login("maria@example.com")
	b.open(ticketPath(eve.ID))
	b.waitFor("the composer", `document.getElementById('reply-body')`)
	b.reachable("#reply-route")
	if got := b.text("#reply-route"); !strings.Contains(got, "Eve Stone has no email address: this reply stays on the ticket; call them.") {
		t.Fatalf("composer warning: %q", got)
	}
	if !js[bool](b, `document.getElementById('reply-route').classList.contains('reply-route-warn')`) {
		t.Error("the unreachable warning is not styled as a warning")
	}

	b.open(ticketPath(posted.Message.TicketID))
	b.live()
	b.mark()
	if got := b.text("#reply-route"); got != "Shown in the live chat." {
		t.Fatalf("live chat route: %q", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("reply-body"), "Let me check that for you"))
	if _, err := e.b().db.EndChat(ctx, "v_browser_delivery"); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the route after the chat ended", `document.getElementById('reply-route').innerText.includes('The chat has ended: sent by email to cara@example.com.')`)
	b.assertNotReloaded()
	if got := js[string](b, `document.getElementById('reply-body').value`); got != "Let me check that for you" {
		t.Errorf("the draft changed: %q", got)
	}
}
