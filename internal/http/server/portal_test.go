package server_test

import (
	. "andon/internal/http/server"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// portalEnv is a real server on the engine under test, with agents who can
// sign in and an API token for the telephony integration.
type portalEnv struct {
	*adminEnv
	srv   *Server
	api   *apiEnv
	token string
}

func newPortalEnv(t *testing.T) *portalEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	srv, url := startServer(t, Deps{DB: db, Log: slog.New(slog.NewTextHandler(testLogWriter(t), nil)), PortalLoginMinDelay: 50 * time.Millisecond})
	e := &portalEnv{adminEnv: adminEnvAt(t, db, url), srv: srv}
	e.api = &apiEnv{t: t, db: db, srv: srv, url: url}
	_, e.api.token = e.api.newAgent("phone-system@example.com", "Phone system", domain.RoleAgent)
	return e
}

func (e *portalEnv) publish(title, body string, tags ...string) *domain.Article {
	e.t.Helper()
	st := domain.ArticlePublished
	a, err := e.db.CreateArticle(context.Background(), store.NewArticle{ArticleInput: domain.ArticleInput{
		Title: &title, Body: &body, Tags: &tags, Status: &st}})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func mustStatus(t *testing.T, res *http.Response, body string, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

func TestPortalKnowledgeBase(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	if err := e.db.SetSettings(ctx, map[string]string{"brand.name": "Acme", "brand.color": "#aa3300",
		"brand.support_email": "help@acme.test", "brand.support_phone": "+1 555 010 2030"}); err != nil {
		t.Fatal(err)
	}
	cat, _ := e.db.CreateCategory(ctx, "Printing", "Printers and paper", 1)
	printer := e.publish("Printer setup", "Connect the **printers** to Wi-Fi.\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>")
	if _, err := e.db.UpdateArticle(ctx, printer.ID, domain.ArticleInput{CategoryID: &cat.ID}, 0); err != nil {
		t.Fatal(err)
	}
	draftTitle := "Printer recall (unreleased)"
	draft, err := e.db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{Title: &draftTitle}})
	if err != nil {
		t.Fatal(err)
	}

	b := e.browser()
	res, body := b.get("/help")
	mustStatus(t, res, body, 200)
	for _, want := range []string{"Acme", `href="/brand.css?c=%23aa3300"`, "Printing", "Printer setup", `href="mailto:help@acme.test"`, `href="tel:&#43;15550102030"`, `id="start-chat"`} {
		if !strings.Contains(body, want) {
			t.Errorf("portal home lacks %q: %s", want, body[strings.Index(body, "contact-ways"):])
		}
	}
	if strings.Contains(body, "Printer recall") {
		t.Error("draft listed on the portal")
	}
	// The article is rendered from Markdown and sanitized.
	res, body = b.get("/help/articles/" + printer.Slug)
	mustStatus(t, res, body, 200)
	art := body[strings.Index(body, `id="article-body"`):]
	art = art[:strings.Index(art, "</article>")]
	if !strings.Contains(art, "<strong>printers</strong>") {
		t.Errorf("markdown not rendered: %s", art)
	}
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(art, bad) {
			t.Errorf("article HTML keeps %q: %s", bad, art)
		}
	}
	// Votes and views are counted.
	res, body = b.post("/help/articles/"+printer.Slug+"/vote", url.Values{"helpful": {"true"}})
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Thanks for letting us know") {
		t.Errorf("no thanks after voting: %s", body)
	}
	got, _ := e.db.Article(ctx, printer.ID)
	if got.Views != 2 || got.HelpfulYes != 1 || got.HelpfulNo != 0 {
		t.Errorf("views %d yes %d no %d, want 2 1 0", got.Views, got.HelpfulYes, got.HelpfulNo)
	}
	// A vote without the form's token is refused and not counted.
	res, body = e.browser().post("/help/articles/"+printer.Slug+"/vote", url.Values{"helpful": {"false"}})
	mustStatus(t, res, body, 403)
	// Drafts are not public anywhere.
	res, body = b.get("/help/articles/" + draft.Slug)
	mustStatus(t, res, body, 404)
	res, body = b.get("/help/search?q=printers")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "<mark>Printer</mark> setup") || strings.Contains(body, "recall") {
		t.Errorf("search page: %s", body)
	}
	res, body = b.get("/help/search?q=warranty")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, `id="no-results"`) {
		t.Errorf("no empty state: %s", body)
	}
	empty, _ := e.db.EmptySearches(ctx, time.Now().Add(-time.Hour), 10)
	if len(empty) != 1 || empty[0].Query != "warranty" {
		t.Errorf("empty searches %+v", empty)
	}
	// Public suggestions for the ticket form and chat widget.
	res, body = b.get("/api/v1/articles/suggest?q=" + url.QueryEscape("my printer does not print"))
	mustStatus(t, res, body, 200)
	checkAgainstDoc(t, "GET", "/api/v1/articles/suggest", 200, []byte(body))
	var sug suggestions
	if err := json.Unmarshal([]byte(body), &sug); err != nil || len(sug.Articles) != 1 || sug.Articles[0].URL != "/help/articles/printer-setup" {
		t.Fatalf("suggestions %s %v", body, err)
	}
}

var linkRe = regexp.MustCompile(`/help/login/verify\?token=[A-Za-z0-9_\-%]+`)

// loginLink requests a sign-in link and returns the answer page and the
// link mailed to addr ("" when none was queued).
func (e *portalEnv) loginLink(addr string) (int, string, string) {
	e.t.Helper()
	before, _ := e.db.Outbox(context.Background(), 0, 200)
	b := e.browser()
	b.get("/help/login")
	res, body := b.post("/help/login", url.Values{"email": {addr}})
	after, _ := e.db.Outbox(context.Background(), 0, 200)
	link := ""
	for _, o := range after {
		if l := linkRe.FindString(o.Body); l != "" && len(o.To) == 1 && o.To[0] == strings.ToLower(addr) && len(after) > len(before) {
			link = l
		}
	}
	return res.StatusCode, body, link
}

func (e *portalEnv) customer(name, email string, more ...domain.Identity) int64 {
	e.t.Helper()
	ids := append([]domain.Identity{{Kind: domain.IdentityEmail, Value: email}}, more...)
	c, err := e.db.CreateContact(context.Background(), store.NewContact{Name: name, Identities: ids})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// signInCustomer signs a customer in through the emailed link.
func (e *portalEnv) signInCustomer(email string) *browser {
	e.t.Helper()
	_, _, link := e.loginLink(email)
	if link == "" {
		e.t.Fatalf("no sign-in link mailed to %s", email)
	}
	b := e.browser()
	res, body := b.get(link)
	mustStatus(e.t, res, body, 200)
	res, body = b.post("/help/login/verify", url.Values{"token": {tokenOf(link)}})
	mustStatus(e.t, res, body, 200)
	if !strings.Contains(body, "Your requests") {
		e.t.Fatalf("not signed in: %s", body)
	}
	return b
}

func tokenOf(link string) string {
	u, _ := url.Parse(link)
	return u.Query().Get("token")
}

func TestPortalSignInLink(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	e.customer("Kim", "kim@example.com")
	// Known and unknown addresses get the same answer; only the known one
	// gets mail, and nothing is created for the unknown one.
	st1, known, link := e.loginLink("Kim@Example.com")
	contactsBefore, _ := e.db.Contacts(ctx, domain.ContactFilter{})
	st2, unknown, none := e.loginLink("nobody@example.com")
	contactsAfter, _ := e.db.Contacts(ctx, domain.ContactFilter{})
	if link == "" || none != "" {
		t.Fatalf("links: known %q unknown %q", link, none)
	}
	norm := func(s, addr string) string {
		s = strings.ReplaceAll(s, addr, "ADDR")
		return regexp.MustCompile(`value="[^"]{30,}"`).ReplaceAllString(s, `value="TOKEN"`)
	}
	if st1 != st2 || norm(known, "kim@example.com") != norm(unknown, "nobody@example.com") {
		t.Fatalf("answers differ: %d vs %d\n%s\n----\n%s", st1, st2, known, unknown)
	}
	if len(contactsAfter.Contacts) != len(contactsBefore.Contacts) {
		t.Fatal("an unknown address created a contact")
	}
	// The link works once.
	b := e.browser()
	res, body := b.get(link)
	mustStatus(t, res, body, 200)
	res, body = b.post("/help/login/verify", url.Values{"token": {tokenOf(link)}})
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Your requests") {
		t.Fatalf("not signed in: %s", body)
	}
	other := e.browser()
	res, body = other.get(link)
	mustStatus(t, res, body, 404)
	if !strings.Contains(body, "invalid, expired or already used") {
		t.Errorf("a used link does not say why: %s", body)
	}
	res, body = other.get("/help/login")
	res, body = other.post("/help/login/verify", url.Values{"token": {tokenOf(link)}})
	mustStatus(t, res, body, 404)
	res, body = other.get("/help/tickets")
	if !strings.Contains(body, "Email me a sign-in link") {
		t.Fatalf("a used link signed someone in: %s", body)
	}
	// A link expires after 30 minutes.
	_, _, link2 := e.loginLink("kim@example.com")
	e.db.SetClock(func() time.Time { return time.Now().Add(31 * time.Minute) })
	defer e.db.SetClock(time.Now)
	late := e.browser()
	res, body = late.get(link2)
	mustStatus(t, res, body, 404)
	late.get("/help/login")
	res, body = late.post("/help/login/verify", url.Values{"token": {tokenOf(link2)}})
	mustStatus(t, res, body, 404)
	// Signing out ends the session; the customer cookie is not an agent's.
	e.db.SetClock(time.Now)
	res, body = b.get("/")
	if strings.Contains(body, "Inbox") && res.Request.URL.Path == "/" {
		t.Fatal("customer session opened the agent workspace")
	}
	b.get("/help/tickets")
	res, body = b.post("/help/logout", url.Values{})
	mustStatus(t, res, body, 200)
	res, body = b.get("/help/tickets")
	if !strings.Contains(body, "Email me a sign-in link") {
		t.Fatal("still signed in after signing out")
	}
}

func TestPortalCustomerSeesAllChannels(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	kim := e.customer("Kim", "kim@example.com", domain.Identity{Kind: domain.IdentityPhone, Value: "+15550001111"},
		domain.Identity{Kind: domain.IdentityVisitor, Value: "visitor-42"})
	other := e.customer("Olga", "olga@example.com")
	// The phone system reports a call first: no open ticket, so a phone ticket.
	resp, out := e.api.request("POST", "/api/v1/calls", map[string]any{"from": "+1 555 000 1111", "to": "+15559990000",
		"direction": "inbound", "duration": 180, "notes": "Called about the router"}, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("call: %d %s", resp.StatusCode, out)
	}
	phone := decode[callReportOut](t, out)
	solved := domain.StatusSolved
	if _, err := e.db.UpdateTicket(ctx, phone.TicketID, domain.TicketUpdate{Status: &solved}, domain.System); err != nil {
		t.Fatal(err)
	}
	mail, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Invoice is wrong", Body: "Please fix", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "kim@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	chat, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Chat about delivery", Body: "Where is it?", Channel: domain.ChannelChat, RequesterID: kim})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Olga's private matter", Body: "secret", RequesterID: other, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddEntry(ctx, domain.NewEntry{TicketID: mail.ID, Kind: domain.EntryNote, Body: "INTERNAL: customer is on the watch list", Actor: domain.Actor{UserID: e.agent.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddEntry(ctx, domain.NewEntry{TicketID: mail.ID, Kind: domain.EntryMessage, Body: "We corrected the invoice.", Actor: domain.Actor{UserID: e.agent.ID}}); err != nil {
		t.Fatal(err)
	}
	pri := domain.PriorityHigh
	if _, err := e.db.UpdateTicket(ctx, mail.ID, domain.TicketUpdate{Priority: &pri}, domain.Actor{UserID: e.agent.ID}); err != nil {
		t.Fatal(err)
	}

	b := e.signInCustomer("kim@example.com")
	res, body := b.get("/help/tickets")
	mustStatus(t, res, body, 200)
	for _, want := range []string{"Invoice is wrong", "Chat about delivery", "Phone call from", `data-channel="email"`, `data-channel="chat"`, `data-channel="phone"`} {
		if !strings.Contains(body, want) {
			t.Errorf("ticket list lacks %q", want)
		}
	}
	if strings.Contains(body, "Olga") {
		t.Error("another customer's ticket listed")
	}
	_ = chat
	// The public timeline only: no notes, no events but status.
	res, body = b.get("/help/tickets/" + strconv.FormatInt(mail.ID, 10))
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "We corrected the invoice.") || strings.Contains(body, "INTERNAL") || strings.Contains(body, "high") {
		t.Errorf("timeline shows the wrong entries: %s", body)
	}
	res, body = b.get("/help/tickets/" + strconv.FormatInt(phone.TicketID, 10))
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Called about the router") || !strings.Contains(body, "3 min") {
		t.Errorf("phone ticket: %s", body)
	}
	// Another customer's ticket is not found, on every path.
	sid := strconv.FormatInt(secret.ID, 10)
	for _, p := range []string{"/help/tickets/" + sid, "/help/tickets/" + sid + "/files/1", "/help/tickets/999999"} {
		res, body = b.get(p)
		mustStatus(t, res, body, 404)
	}
	res, body = b.post("/help/tickets/"+sid+"/reply", url.Values{"body": {"let me in"}})
	mustStatus(t, res, body, 404)
	res, body = b.post("/help/tickets/"+sid+"/solve", url.Values{})
	mustStatus(t, res, body, 404)
	if tl, _ := e.db.Timeline(ctx, secret.ID); len(tl) != 1 {
		t.Fatalf("another customer's ticket changed: %+v", tl)
	}
	// A reply (with a file) lands on the ticket as the customer's portal message.
	b.get("/help/tickets/" + strconv.FormatInt(mail.ID, 10))
	res, body = b.postFiles("/help/tickets/"+strconv.FormatInt(mail.ID, 10)+"/reply", map[string]string{"body": "Thanks, it looks right now."},
		"attachments", oneFile("evil.html", []byte("<script>alert(document.cookie)</script>")))
	mustStatus(t, res, body, 200)
	tl, _ := e.db.Timeline(ctx, mail.ID)
	last := tl[len(tl)-1]
	if last.Body != "Thanks, it looks right now." || last.Channel != domain.ChannelPortal || last.AuthorContactID == nil || *last.AuthorContactID != kim {
		t.Fatalf("reply entry %+v", last)
	}
	files, _ := e.db.Attachments(ctx, mail.ID)
	if len(files) != 1 {
		t.Fatalf("attachments %+v", files)
	}
	fileURL := "/help/tickets/" + strconv.FormatInt(mail.ID, 10) + "/files/" + strconv.FormatInt(files[0].ID, 10)
	if !strings.Contains(body, fileURL) {
		t.Errorf("file not listed on the ticket: %s", body)
	}
	res, err = b.c.Get(e.url + fileURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("file served as %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	// Olga cannot download Kim's file.
	ob := e.signInCustomer("olga@example.com")
	res, body = ob.get(fileURL)
	mustStatus(t, res, body, 404)
	// Kim marks the ticket solved.
	res, body = b.post("/help/tickets/"+strconv.FormatInt(mail.ID, 10)+"/solve", url.Values{})
	mustStatus(t, res, body, 200)
	if tk, _ := e.db.Ticket(ctx, mail.ID); tk.Status != domain.StatusSolved {
		t.Fatalf("status %s", tk.Status)
	}
}

func TestPortalTicketFormAndDeflection(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	a := e.publish("Reset your password", "Choose *Forgot password* on the sign-in page.")
	// Visitor 1 opens the suggested article and leaves: a deflection.
	v1 := e.browser()
	v1.get("/help/new")
	res, body := v1.get(a.URL() + "?from=ticket-form&q=forgot+password")
	mustStatus(t, res, body, 200)
	// Visitor 2 opens it too, but sends a request anyway.
	v2 := e.browser()
	v2.get("/help/new")
	v2.get(a.URL() + "?from=ticket-form&q=password")
	v2.get("/help/new")
	res, body = v2.postFiles("/help/new", map[string]string{"name": "Pat", "email": "pat@example.com",
		"subject": "Cannot sign in", "description": "The reset mail never arrives."}, "attachments", nil)
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, `id="ticket-created"`) {
		t.Fatalf("no confirmation: %s", body)
	}
	opened, deflected, err := e.db.DeflectionStats(ctx, time.Now().Add(-time.Hour))
	if err != nil || opened != 2 || deflected != 1 {
		t.Fatalf("opened %d deflected %d %v", opened, deflected, err)
	}
	page, _ := e.db.Tickets(ctx, domain.TicketFilter{Channel: domain.ChannelPortal})
	if len(page.Tickets) != 1 || page.Tickets[0].Subject != "Cannot sign in" || page.Tickets[0].Requester.Email() != "pat@example.com" {
		t.Fatalf("portal tickets %+v", page.Tickets)
	}
	// Missing fields are named; nothing is created.
	v3 := e.browser()
	v3.get("/help/new")
	res, body = v3.postFiles("/help/new", map[string]string{"subject": "", "description": "x"}, "attachments", nil)
	mustStatus(t, res, body, 422)
	if !strings.Contains(body, "Enter your email address") {
		t.Errorf("no field error: %s", body)
	}
	// A signed-in customer's request is theirs, and they land on it.
	e.customer("Kim", "kim@example.com")
	kb := e.signInCustomer("kim@example.com")
	kb.get("/help/new")
	res, body = kb.postFiles("/help/new", map[string]string{"subject": "Printer jam", "description": "Paper stuck"}, "attachments", oneFile("notes.txt", []byte("hello")))
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Printer jam") || !strings.Contains(body, "notes.txt") || !strings.HasPrefix(res.Request.URL.Path, "/help/tickets/") {
		t.Fatalf("signed-in form: %s %s", res.Request.URL.Path, body)
	}
}

// testLogWriter shows the server's log in the test output when -v is set.
func testLogWriter(t *testing.T) io.Writer {
	if testing.Verbose() {
		return tWriter{t}
	}
	return io.Discard
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
