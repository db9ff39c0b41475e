package server_test

import (
	. "andon/internal/http/server"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/testutil"
)

// Every promise about delivery on screen is checked against what a real
// SMTP server receives: the composer's route line before sending, the
// timeline's delivery line after, and the problem page's notify count.

// deliveryEnv is the workspace with a mailbox whose SMTP server is a test
// listener, and the outbox worker the app would run.
type deliveryEnv struct {
	*adminEnv
	sink   *mailtest.Sink
	sender *outbox.Sender
	agent  *browser
}

func newDeliveryEnv(t *testing.T) *deliveryEnv {
	t.Helper()
	ctx := context.Background()
	db := testutil.OpenDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box, err := mail.NewBox("test-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := mail.NewService(db, box, log)
	sink := mailtest.StartSink(t, "andon", "s3cret")
	in := domain.MailboxInput{Address: optVal("support@acme.test"), IsDefault: optVal(true), SMTPHost: optVal(sink.Host),
		SMTPPort: optVal(sink.Port), SMTPUser: optVal("andon"), SMTPPassword: optVal("s3cret"), SMTPTLS: optVal(domain.TLSNone)}
	if _, err := svc.CreateMailbox(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, url := startServer(t, Deps{DB: db, Log: log, Mail: svc})
	e := &deliveryEnv{adminEnv: adminEnvAt(t, db, url), sink: sink,
		sender: &outbox.Sender{DB: db, Box: box, Log: log, Hostname: "acme.test", BaseURL: "http://andon.test"}}
	e.agent = e.signedIn("agent@example.com")
	return e
}

func optVal[T any](v T) *T { return &v }

// flush runs the outbox worker once and returns the mails the SMTP server
// received since, requiring exactly want of them.
func (e *deliveryEnv) flush(want int) []*enmime.Envelope {
	e.t.Helper()
	before := len(e.sink.Messages())
	if _, err := e.sender.RunOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	var out []*enmime.Envelope
	if want > 0 {
		for _, m := range e.sink.Wait(e.t, before+want, 5*time.Second)[before:] {
			env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
			if err != nil {
				e.t.Fatal(err)
			}
			out = append(out, env)
		}
	}
	if n := len(e.sink.Messages()) - before; n != want {
		e.t.Fatalf("SMTP server received %d mails, want %d", n, want)
	}
	return out
}

// page opens a ticket as the agent.
func (e *deliveryEnv) page(id int64) string {
	e.t.Helper()
	res, body := e.agent.get("/tickets/" + strconv.FormatInt(id, 10))
	wantStatus(e.t, "ticket page", res, http.StatusOK)
	return body
}

// reply sends a reply from the ticket page's composer, as the browser does
// (multipart form, the page's CSRF token), and returns the page it lands on.
func (e *deliveryEnv) reply(id int64, text string) string {
	e.t.Helper()
	e.page(id)
	res, body := e.agent.postFiles("/tickets/"+strconv.FormatInt(id, 10)+"/reply", map[string]string{"body": text}, "attachments", nil)
	wantStatus(e.t, "reply", res, http.StatusOK)
	wantContains(e.t, "reply", body, "Reply sent.")
	return body
}

// routeLine is the composer's "where it goes" line.
func routeLine(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="reply-route"`)
	if i < 0 {
		t.Fatal("no route line in the composer")
	}
	rest := body[i:]
	return rest[strings.Index(rest, ">")+1 : strings.Index(rest, "</p>")]
}

// mailTo checks one received mail: addressee, ticket reference, text, and
// that it answers inReplyTo (when given) within its References.
func mailTo(t *testing.T, m *enmime.Envelope, to, text, inReplyTo string) {
	t.Helper()
	if got := m.GetHeader("To"); !strings.Contains(got, to) {
		t.Fatalf("mail to %q, want %s", got, to)
	}
	if !strings.Contains(m.Text, text) {
		t.Fatalf("mail to %s lacks %q:\n%s", to, text, m.Text)
	}
	if inReplyTo == "" {
		return
	}
	if got := m.GetHeader("In-Reply-To"); got != inReplyTo {
		t.Fatalf("mail to %s: In-Reply-To %q, want %q", to, got, inReplyTo)
	}
	if refs := m.GetHeader("References"); !strings.Contains(refs, inReplyTo) {
		t.Fatalf("mail to %s: References %q lack %s", to, refs, inReplyTo)
	}
}

func TestReplyGoesWhereTheComposerSays(t *testing.T) {
	e := newDeliveryEnv(t)
	ctx := context.Background()

	// Portal: acknowledged by email, and the reply follows it in the same thread.
	portal, err := e.db.CreatePortalTicket(ctx, domain.NewTicket{Subject: "Invoice missing", Body: "Where is my invoice?",
		Requester: domain.Requester{Name: "Ann", Email: "ann@cust.test"}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ack := e.flush(1)[0]
	if line := routeLine(t, e.page(portal.ID)); line != "Sent by email to ann@cust.test (and shown in the portal)." {
		t.Fatalf("portal route line %q", line)
	}
	body := e.reply(portal.ID, "Your invoice is on its way.")
	wantContains(t, "portal timeline", body, "Emailed to ann@cust.test and shown in the portal")
	m := e.flush(1)[0]
	mailTo(t, m, "ann@cust.test", "Your invoice is on its way.", ack.GetHeader("Message-Id"))
	wantContains(t, "portal mail", m.Text, fmt.Sprintf("/help/tickets/%d", portal.ID))

	// Chat: while the visitor is there the reply shows in the chat only;
	// once they leave, it is emailed.
	v, err := e.db.CreateChatVisitor(ctx, "v_delivery", "hash", "Cara", "cara@cust.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := e.db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "Is my order shipped?", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	chatID := posted.Message.TicketID
	if line := routeLine(t, e.page(chatID)); line != "Shown in the live chat." {
		t.Fatalf("live chat route line %q", line)
	}
	body = e.reply(chatID, "Let me check.")
	wantContains(t, "live chat timeline", body, "Shown in the chat")
	e.flush(0)
	if _, err := e.db.EndChat(ctx, "v_delivery"); err != nil {
		t.Fatal(err)
	}
	if line := routeLine(t, e.page(chatID)); line != "The chat has ended: sent by email to cara@cust.test." {
		t.Fatalf("ended chat route line %q", line)
	}
	wantContains(t, "ended chat timeline", e.reply(chatID, "It shipped today."), "Emailed to cara@cust.test")
	first := e.flush(1)[0]
	mailTo(t, first, "cara@cust.test", "It shipped today.", "")
	e.reply(chatID, "Tracking number follows.")
	mailTo(t, e.flush(1)[0], "cara@cust.test", "Tracking number follows.", first.GetHeader("Message-Id"))

	// Phone, customer with an address: emailed, threaded on our first mail.
	phone, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Called about a refund", Body: "Wants a refund.", Channel: domain.ChannelPhone,
		Requester: domain.Requester{Name: "Dan", Email: "dan@cust.test", Phone: "+15550100"}})
	if err != nil {
		t.Fatal(err)
	}
	if line := routeLine(t, e.page(phone.ID)); line != "Sent by email to dan@cust.test." {
		t.Fatalf("phone route line %q", line)
	}
	wantContains(t, "phone timeline", e.reply(phone.ID, "Refund approved."), "Emailed to dan@cust.test")
	first = e.flush(1)[0]
	mailTo(t, first, "dan@cust.test", "Refund approved.", "")
	e.reply(phone.ID, "The money is back on your card.")
	mailTo(t, e.flush(1)[0], "dan@cust.test", "The money is back on your card.", first.GetHeader("Message-Id"))

	// Phone, no address: the composer warns before sending; nothing is mailed.
	eve, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Called twice", Body: "Line dropped.", Channel: domain.ChannelPhone,
		Requester: domain.Requester{Name: "Eve", Phone: "+15550199"}})
	if err != nil {
		t.Fatal(err)
	}
	page := e.page(eve.ID)
	wantContains(t, "unreachable composer", page, `class="reply-route reply-route-warn"`, `data-unreachable="true"`)
	if line := routeLine(t, page); !strings.Contains(line, "Eve has no email address: this reply stays on the ticket; call them.") {
		t.Fatalf("unreachable route line %q", line)
	}
	wantContains(t, "unreachable timeline", e.reply(eve.ID, "We will call you back."),
		"Not delivered: Eve has no email address: this reply stays on the ticket; call them.")
	e.flush(0)

	// The API gives the composer's answer, as documented.
	for id, want := range map[int64]string{eve.ID: `"unreachable":true`, phone.ID: `"email":"dan@cust.test"`} {
		path := fmt.Sprintf("/api/v1/tickets/%d/reply-route", id)
		res, body := e.agent.get(path)
		wantStatus(t, "reply-route", res, http.StatusOK)
		checkAgainstDoc(t, "GET", path, res.StatusCode, []byte(body))
		wantContains(t, "reply-route", body, want)
	}
	// And each entry records where it went, as documented.
	path := fmt.Sprintf("/api/v1/tickets/%d", eve.ID)
	res, body := e.agent.get(path)
	wantStatus(t, "ticket", res, http.StatusOK)
	checkAgainstDoc(t, "GET", path, res.StatusCode, []byte(body))
	wantContains(t, "ticket json", body, `"delivery":{`, `"unreachable":true`)
}

// The problem page's count is the number of mails the SMTP server gets
// plus the live chats, and every customer nobody could reach is named.
func TestNotifyCountsWhatReachedCustomers(t *testing.T) {
	e := newDeliveryEnv(t)
	ctx := context.Background()
	ticket := func(ch domain.Channel, name, email, phone string) *domain.Ticket {
		t.Helper()
		tk, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Zip broke", Body: "The zip broke.", Channel: ch,
			Requester: domain.Requester{Name: name, Email: email, Phone: phone}})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	fay := ticket(domain.ChannelEmail, "Fay", "fay@cust.test", "")
	gus := ticket(domain.ChannelPhone, "Gus", "gus@cust.test", "+15550111")
	cy := ticket(domain.ChannelPhone, "Cy", "", "+15550122")
	v, err := e.db.CreateChatVisitor(ctx, "v_hal", "hash", "Hal", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := e.db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "My zip broke too", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	hal := posted.Message.TicketID

	// Pull the andon on Fay's ticket, link the others, put a fix in place.
	e.agent.get("/")
	res, _ := e.agent.post("/problems", url.Values{"ticket_id": {strconv.FormatInt(fay.ID, 10)}, "title": {"Zips break"}})
	wantStatus(t, "pull andon", res, http.StatusOK)
	path := res.Request.URL.Path
	pid, err := strconv.ParseInt(strings.TrimPrefix(path, "/problems/"), 10, 64)
	if err != nil {
		t.Fatalf("landed on %s", path)
	}
	for _, id := range []int64{gus.ID, cy.ID, hal} {
		res, body := e.agent.post(path+"/tickets", url.Values{"ticket_id": {strconv.FormatInt(id, 10)}})
		wantStatus(t, "link", res, http.StatusOK)
		wantContains(t, "link", body, "Ticket linked.")
	}
	e.agent.post(path+"/countermeasures", url.Values{"what": {"Stronger zips"}})
	p, err := e.db.Problem(ctx, pid)
	if err != nil || len(p.Countermeasures) != 1 {
		t.Fatalf("problem %+v %v", p, err)
	}
	res, body := e.agent.post(fmt.Sprintf("/countermeasures/%d", p.Countermeasures[0].ID), url.Values{"status": {"in_place"}})
	wantContains(t, "in place", body, "Countermeasure updated.")

	res, body = e.agent.post(path+"/notify", url.Values{"template": {"Hi {{customer_name}}, {{ticket_ref}} is fixed."}})
	wantStatus(t, "notify", res, http.StatusOK)
	wantContains(t, "notify", body, `id="notify-result"`, "3 customer(s) notified</strong>: 2 by email, 1 in a live chat.",
		"Could not reach:", "Cy ("+cy.Ref()+")</a> — Cy has no email address: this notice stays on the ticket; call them.")
	var to []string
	for _, m := range e.flush(2) {
		to = append(to, m.GetHeader("To"))
		wantContains(t, "notice mail", m.Text, "is fixed.")
	}
	if all := strings.Join(to, " "); !strings.Contains(all, "fay@cust.test") || !strings.Contains(all, "gus@cust.test") {
		t.Fatalf("notices went to %v", to)
	}
	// The chat notice shows in Hal's chat; Cy's ticket has no notice at all.
	if tl, _ := e.db.Timeline(ctx, hal); !hasNotice(tl) {
		t.Fatal("no notice on the live chat")
	}
	if tl, _ := e.db.Timeline(ctx, cy.ID); hasNotice(tl) {
		t.Fatal("a notice was written for an unreachable customer")
	}

	// The API says the same, in its documented shape.
	apiPath := fmt.Sprintf("/api/v1/problems/%d/notify", pid)
	req, _ := http.NewRequest("POST", e.url+apiPath, strings.NewReader(`{"force": true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", e.agent.csrf)
	resp, err := e.agent.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("api notify: %d %s", resp.StatusCode, out)
	}
	checkAgainstDoc(t, "POST", apiPath, resp.StatusCode, out)
	r := decode[struct {
		Notified    int            `json:"notified"`
		ByChannel   map[string]int `json:"by_channel"`
		Unreachable []struct {
			TicketID int64  `json:"ticket_id"`
			Name     string `json:"name"`
			Reason   string `json:"reason"`
		} `json:"unreachable"`
	}](t, out)
	if r.Notified != 3 || r.ByChannel["email"] != 2 || r.ByChannel["chat"] != 1 || len(r.Unreachable) != 1 ||
		r.Unreachable[0].TicketID != cy.ID || r.Unreachable[0].Name != "Cy" || !strings.Contains(r.Unreachable[0].Reason, "no email address") {
		t.Fatalf("api notify result %s", out)
	}
	e.flush(r.ByChannel["email"])

	// Settings say which tickets the acknowledgement template answers.
	res, body = e.signedIn("boss@example.com").get("/settings/mail")
	wantStatus(t, "mail settings", res, http.StatusOK)
	wantContains(t, "mail settings", body, "when their email or the portal form opens a new ticket")
}

func hasNotice(tl []domain.Entry) bool {
	for _, en := range tl {
		if en.Meta["notice"] == true {
			return true
		}
	}
	return false
}

// The portal form promises an answer by email only to someone we can mail.
func TestPortalFormSaysWhereTheAnswerGoes(t *testing.T) {
	e := newPortalEnv(t)
	v := e.browser()
	v.get("/help/new")
	res, body := v.postFiles("/help/new", map[string]string{"name": "Pat", "email": "pat@example.com",
		"subject": "Cannot sign in", "description": "The reset mail never arrives."}, "attachments", nil)
	mustStatus(t, res, body, 200)
	wantContains(t, "anonymous", body, `id="answer-route"`, "We will answer you by email at pat@example.com.")

	e.customer("Kim", "kim@example.com")
	kim := e.signInCustomer("kim@example.com")
	kim.get("/help/new")
	res, body = kim.postFiles("/help/new", map[string]string{"subject": "Printer jam", "description": "Paper stuck"}, "attachments", nil)
	mustStatus(t, res, body, 200)
	wantContains(t, "signed in", body, "We will answer you by email and on this page.")

	// Kim's address is gone (say, removed by an agent): no email promise.
	if _, err := e.db.Writer().Exec(`DELETE FROM identities WHERE kind = 'email' AND value = 'kim@example.com'`); err != nil {
		t.Fatal(err)
	}
	kim.get("/help/new")
	res, body = kim.postFiles("/help/new", map[string]string{"subject": "Printer jam again", "description": "Paper stuck again"}, "attachments", nil)
	mustStatus(t, res, body, 200)
	wantContains(t, "no address", body, "Our answer will appear on this page: we have no email address for you.")
	if strings.Contains(body, "answer you by email") {
		t.Fatal("promised an email to a customer without an address")
	}
	res, body = kim.get("/help")
	mustStatus(t, res, body, 200)
	wantContains(t, "help center", body, `we will answer you under <a href="/help/tickets">My requests</a>.`)
	if strings.Contains(body, "answer you by email") {
		t.Fatal("the help center promises an email to a customer without an address")
	}
	res, body = v.get("/help")
	mustStatus(t, res, body, 200)
	wantContains(t, "help center, anonymous", body, "we will answer you by email.")
}
