package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
)

// TestChatWidgetSurvey: when the agent solves the chat, the widget asks the
// two survey questions inline; the visitor's answers land on the ticket.
func TestChatWidgetSurvey(t *testing.T) {
	e := newEnv(t)
	u := e.agent("sam@example.com", "Sam Agent", domain.RoleAgent)
	agent := newTab(t, e.a().url, 0)
	agent.login("sam@example.com")
	agent.waitFor("the chat toggle", `document.getElementById('chat-status')`)
	agent.do(chromedp.Click(chromedp.ID("chat-status")))
	agent.waitFor("available", `document.getElementById('chat-status').getAttribute('aria-pressed') === 'true'`)

	v := newTab(t, sitePage(t, e.a().url), 0)
	v.open("/")
	v.waitFor("the launcher", w(".launch"))
	v.do(chromedp.Evaluate[chromedp.Void](w(".launch") + `.click()`))
	v.waitFor("the start form", w("form input[name=email]"))
	v.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const r = ` + w("form") + `;
		r.querySelector('textarea').value = 'Where is my refund?';
		r.querySelector('button[type=submit]').click();
	})()`))
	v.waitFor("the message stored", w(".log .m.v .meta")+` && `+w(".log .m.v .meta")+`.textContent === ''`)

	ctx := context.Background()
	db := e.a().db
	page, err := db.Tickets(ctx, domain.TicketFilter{Channel: domain.ChannelChat})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("chat tickets: %+v %v", page, err)
	}
	id := page.Tickets[0].ID
	solved := domain.StatusSolved
	if _, err := db.UpdateTicket(ctx, id, domain.TicketUpdate{Status: &solved}, domain.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	v.waitFor("the survey", w(".survey .scale button"))
	v.do(chromedp.Evaluate[chromedp.Void](`(() => {
		const s = ` + w(".survey") + `;
		const rows = s.querySelectorAll('.scale');
		rows[0].querySelectorAll('button')[4].click(); // CSAT 5
		rows[1].querySelectorAll('button')[5].click(); // CES 6
		s.querySelector('textarea').value = 'Fast, thank you';
		s.querySelector('.go').click();
	})()`))
	v.waitFor("the thanks", w(".survey")+`.textContent.includes('Thank you')`)
	ans, err := db.SurveyAnswers(ctx, id)
	if err != nil || ans["csat"] != 5 || ans["ces"] != 6 {
		t.Fatalf("answers %v %v", ans, err)
	}
}
