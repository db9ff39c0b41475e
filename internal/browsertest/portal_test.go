package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jhillyerd/enmime/v2"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/mail/mailtest"
	"andon/internal/store"
	"andon/internal/testutil/testnode"
)

// A customer who wrote by email, called once and chatted once finds an
// answer from the ticket form without sending it, then signs in with an
// emailed link on a phone and sees all three conversations in one place.
func TestCustomerPortalOnPhone(t *testing.T) {
	e := newEnvWith(t, testnode.Options{Mail: true, Mailbox: "support@acme.test"})
	ctx := context.Background()
	db := e.a().db
	seedPortalCustomer(t, e)
	sender, sink := e.node.Sender, e.node.Sink
	// Mail queued so far (acknowledgements of the tickets above) is not ours.
	if _, err := sender.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(sink.Messages())

	b := newTab(t, e.a().url, 390)
	// The knowledge base is searchable.
	b.open("/help")
	b.waitFor("the portal home", `document.querySelector('.p-brand-name') && document.querySelector('.p-brand-name').textContent === 'Acme'`)
	b.do(chromedp.SendKeys(chromedp.ID("help-q"), "passwords\n"))
	b.waitFor("a highlighted search result", `document.querySelector('#results mark') && document.querySelector('.p-result-title').textContent.includes('Reset your password')`)
	// The ticket form suggests the article while the customer types.
	b.open("/help/new")
	b.do(chromedp.SendKeys(chromedp.ID("f-subject"), "I forgot my password"))
	b.waitFor("a suggested article", `!document.getElementById('suggestions').hidden && document.querySelector('#suggestion-list a').textContent === 'Reset your password'`)
	href := js[string](b, `document.querySelector('#suggestion-list a').getAttribute('href')`)
	if !strings.Contains(href, "from=ticket-form") {
		t.Fatalf("suggestion link %q", href)
	}
	// The customer reads it (in this browser session) and never sends the form.
	b.open(href)
	b.waitFor("the article", `document.querySelector('#article-body strong') && document.querySelector('#article-body strong').textContent === 'Forgot password'`)
	b.do(chromedp.Click(chromedp.ID("vote-yes")))
	b.waitFor("thanks for the vote", `document.getElementById('feedback-thanks')`)
	opened, deflected, err := db.DeflectionStats(ctx, time.Now().Add(-time.Hour))
	if err != nil || opened != 1 || deflected != 1 {
		t.Fatalf("deflections opened=%d deflected=%d %v", opened, deflected, err)
	}

	// Passwordless sign-in with the emailed link.
	b.open("/help/login")
	b.do(chromedp.SendKeys(chromedp.ID("f-email"), "kim@example.com"), chromedp.Click(chromedp.ID("send-link")))
	b.waitFor("the check-your-email page", `document.getElementById('login-sent')`)
	// The outbox worker delivers the email to a real SMTP server.
	if _, err := sender.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	link := signInLinkIn(t, sink.Wait(t, before+1, 10*time.Second)[before:])
	b.do(chromedp.Navigate(link))
	b.waitFor("the sign-in button", `document.getElementById('verify-button')`)
	b.do(chromedp.Click(chromedp.ID("verify-button")))
	b.waitFor("all three conversations", `document.querySelectorAll('#ticket-list .p-ticket').length === 3 &&
		['email','chat','phone'].every(ch => document.querySelector('#ticket-list [data-channel="' + ch + '"]'))`)
	// The phone call's notes are in its timeline; Kim replies there.
	b.do(chromedp.Click(`#ticket-list [data-channel="phone"] a`))
	b.waitFor("the phone ticket", `document.getElementById('timeline') && document.getElementById('timeline').textContent.includes('Walked Kim through the router reset')`)
	b.do(chromedp.SendKeys(chromedp.ID("f-body"), "It works again, thank you!"), chromedp.Click(chromedp.ID("send-reply")))
	b.waitFor("the reply in the timeline", `document.getElementById('timeline') && document.getElementById('timeline').textContent.includes('It works again, thank you!')`)
	b.do(chromedp.Click(chromedp.ID("mark-solved")))
	b.waitFor("the solved status", `document.getElementById('ticket-status') && document.getElementById('ticket-status').textContent.trim() === 'Solved'`)
	if w := js[int](b, `document.documentElement.scrollWidth`); w > 400 {
		t.Errorf("the portal scrolls sideways on a phone: %dpx wide", w)
	}
}

// seedPortalCustomer brands the portal and gives Kim Lee an article to find,
// an email ticket, a solved chat ticket and a call reported by the phone
// system.
func seedPortalCustomer(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	db := e.a().db
	if err := db.SetSettings(ctx, map[string]string{"brand.name": "Acme", "brand.support_phone": "+1 555 010 2030"}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateContact(ctx, store.NewContact{Name: "Kim Lee", Identities: []domain.Identity{
		{Kind: domain.IdentityEmail, Value: "kim@example.com"}, {Kind: domain.IdentityVisitor, Value: "visitor-7"}}})
	if err != nil {
		t.Fatal(err)
	}
	st := domain.ArticlePublished
	title, body := "Reset your password", "Choose **Forgot password** on the sign-in page; we email you a reset link."
	if _, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{Title: &title, Body: &body, Status: &st}}); err != nil {
		t.Fatal(err)
	}
	// Email and chat tickets, and a call reported by the phone system.
	if _, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Invoice is wrong", Body: "The total is off", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "kim@example.com"}}); err != nil {
		t.Fatal(err)
	}
	chat, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Chat: parcel tracking", Body: "Where is my parcel?", Channel: domain.ChannelChat, RequesterID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	solved := domain.StatusSolved
	for _, id := range []int64{chat.ID} {
		if _, err := db.UpdateTicket(ctx, id, domain.TicketUpdate{Status: &solved}, domain.System); err != nil {
			t.Fatal(err)
		}
	}
	phoneSystem := e.agent("pbx@example.com", "Phone system", domain.RoleAgent)
	token, _ := auth.NewToken(auth.TokenPrefix)
	if _, err := db.CreateAPIToken(ctx, phoneSystem.ID, "pbx", auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	if err := db.AddIdentity(ctx, c.ID, domain.IdentityPhone, "+15550001111"); err != nil {
		t.Fatal(err)
	}
	reqBody, _ := json.Marshal(map[string]any{"from": "+15550001111", "to": "+15550102030", "direction": "inbound", "duration": 240, "notes": "Walked Kim through the router reset"})
	// A call is filed on Kim's open ticket (the invoice one) when there is
	// one; solve it first so the call opens its own phone ticket.
	page, _ := db.Tickets(ctx, domain.TicketFilter{RequesterID: c.ID, Channel: domain.ChannelEmail})
	if _, err := db.UpdateTicket(ctx, page.Tickets[0].ID, domain.TicketUpdate{Status: &solved}, domain.System); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.a().url+"/api/v1/calls", bytes.NewReader(reqBody))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("report call: %v %v", res, err)
	}
	res.Body.Close()
}

// signInLinkIn finds the portal sign-in link mailed to kim@example.com.
func signInLinkIn(t *testing.T, msgs []mailtest.Received) string {
	t.Helper()
	var link string
	for _, m := range msgs {
		env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if m.To[0] == "kim@example.com" && strings.Contains(env.GetHeader("Subject"), "sign-in link") {
			link = regexp.MustCompile(`http://[^\s<>"]+/help/login/verify\?token=[A-Za-z0-9_\-]+`).FindString(env.Text)
		}
	}
	if link == "" {
		t.Fatal("no sign-in link in the email")
	}
	return link
}

// The composer's article picker (kb_picker.js, with its "Insert article"
// button in the reply composer) inserts a link to a published article.
func TestArticlePickerInsertsLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	db := e.a().db
	st := domain.ArticlePublished
	title, body := "Track your parcel", "Use the tracking link in your shipping email."
	if _, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{Title: &title, Body: &body, Status: &st}}); err != nil {
		t.Fatal(err)
	}
	draft := "Parcel recall (draft)"
	if _, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{Title: &draft}}); err != nil {
		t.Fatal(err)
	}
	e.agent("sam@example.com", "Sam", domain.RoleAgent)
	tk := e.ticket(domain.ChannelEmail, "Where is my parcel?", "It is late", "kim@example.com", "Kim")
	b := newTab(t, e.a().url, 0)
	b.login("sam@example.com")
	b.open("/tickets/" + strconv.FormatInt(tk.ID, 10))
	b.waitFor("the reply box", `document.getElementById('reply-body')`)
	b.waitFor("the picker script", `document.documentElement.dataset.articlePicker === 'ready'`)
	b.do(chromedp.Click(chromedp.ID("insert-article")))
	b.waitFor("the picker", `document.querySelector('.kb-picker input')`)
	b.do(chromedp.SendKeys(".kb-picker input", "parcels"))
	b.waitFor("one published hit", `document.querySelectorAll('.kb-picker li button').length === 1`)
	b.do(chromedp.Click(".kb-picker li button"))
	got := js[string](b, `document.getElementById('reply-body').value`)
	if got != "[Track your parcel]("+e.a().url+"/help/articles/track-your-parcel)" {
		t.Fatalf("reply box holds %q", got)
	}
}
