package server_test

import (
	. "andon/internal/http/server"
	"bytes"
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

	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/testutil"
)

// smtpEnv is a portal server whose outbox worker delivers to a real SMTP
// listener.
type smtpEnv struct {
	*portalEnv
	sink   *mailtest.Sink
	sender *outbox.Sender
	seen   int
}

func newSMTPEnv(t *testing.T, limits map[httpx.Rate]httpx.Limit) *smtpEnv {
	t.Helper()
	ctx := context.Background()
	db := testutil.OpenDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, base := startServer(t, Deps{DB: db, Log: log, PortalLoginMinDelay: time.Millisecond, Limits: limits})
	e := &smtpEnv{portalEnv: &portalEnv{adminEnv: adminEnvAt(t, db, base), srv: srv}}
	box, _ := mail.NewBox("k", "")
	e.sink = mailtest.StartSink(t, "andon", "s3cret")
	if _, err := mail.NewService(db, box, log).CreateMailbox(ctx, domain.MailboxInput{Address: ptr("support@acme.test"), IsDefault: ptr(true),
		SMTPHost: ptr(e.sink.Host), SMTPPort: ptr(e.sink.Port), SMTPUser: ptr("andon"), SMTPPassword: ptr("s3cret"), SMTPTLS: ptr(domain.TLSNone)}); err != nil {
		t.Fatal(err)
	}
	e.sender = &outbox.Sender{DB: db, Box: box, Log: log, Hostname: "acme.test"}
	return e
}

type gotMail struct{ to, subject, text string }

// deliver runs the outbox worker once and returns the mails that reached
// the SMTP listener since the last call (want of them).
func (e *smtpEnv) deliver(want int) []gotMail {
	e.t.Helper()
	if _, err := e.sender.RunOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	var msgs []mailtest.Received
	if want == 0 {
		time.Sleep(100 * time.Millisecond)
		msgs = e.sink.Messages()
	} else {
		msgs = e.sink.Wait(e.t, e.seen+want, 5*time.Second)
	}
	if len(msgs) != e.seen+want {
		e.t.Fatalf("%d mails delivered, want %d", len(msgs)-e.seen, want)
	}
	var out []gotMail
	for _, m := range msgs[e.seen:] {
		env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, gotMail{to: strings.Join(m.To, ","), subject: env.GetHeader("Subject"), text: env.Text + env.HTML})
	}
	e.seen = len(msgs)
	return out
}

// widgetReq sends a visitor's JSON call and returns the response and body.
func widgetReq(t *testing.T, base string, v *chatVisitor, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if v != nil {
		req.Header.Set("X-Visitor-Id", v.id)
		req.Header.Set("X-Visitor-Token", v.tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var confirmRe = regexp.MustCompile(`http://andon\.test(/widget/confirm/[A-Za-z0-9_\-]+)`)

// A visitor who types a customer's address learns nothing about them, is not
// filed under them, and gets a transcript there only once the mailbox owner
// opens the confirmation link; after that the address is proven.
func TestChatTranscriptOnlyToProvenAddress(t *testing.T) {
	e := newSMTPEnv(t, nil)
	ctx := context.Background()
	old, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Invoice", Body: "Where is it?", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "ann@example.com", Name: "Ann Customer"}})
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(0) // nothing pending from setup

	// Known and unknown addresses get the same answer, never a stored name.
	shape := func(email string) (int, string) {
		res, body := widgetReq(t, e.url, nil, "POST", "/widget/visitors", `{"name":"Eve","email":"`+email+`"}`)
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		out["visitor"], out["token"] = "-", "-"
		b, _ := json.Marshal(out)
		return res.StatusCode, string(b)
	}
	kc, known := shape("ann@example.com")
	uc, unknown := shape("nobody@example.com")
	if kc != uc || known != unknown || strings.Contains(known, "Ann Customer") {
		t.Fatalf("known %d %s, unknown %d %s", kc, known, uc, unknown)
	}

	v := newChatVisitor(t, e.url, "Eve", "ann@example.com")
	v.connect(0)
	_, chatID := v.say("e1", "Please read me [click](http://evil.test) now")
	chatSubject := "Chat: Please read me"
	annBrowser := e.signInCustomer("ann@example.com")
	agent := e.signedIn(e.agent.Email)
	contactPage := "/contacts/" + strconv.FormatInt(old.RequesterID, 10)
	if _, body := annBrowser.get("/help/tickets"); strings.Contains(body, chatSubject) || !strings.Contains(body, "Invoice") {
		t.Fatalf("unverified chat on the customer's portal list:\n%s", body)
	}
	if _, body := agent.get(contactPage); strings.Contains(body, chatSubject) {
		t.Fatalf("unverified chat on the customer's contact page:\n%s", body)
	}
	if _, body := agent.get("/tickets/" + strconv.FormatInt(chatID, 10)); !strings.Contains(body, "Claims to be ann@example.com, unverified") {
		t.Fatalf("ticket page does not show the unverified claim:\n%s", body)
	}
	e.deliver(1) // the sign-in link

	// Unproven: only the confirmation mail, with none of the visitor's text.
	res, body := widgetReq(t, e.url, v, "POST", "/widget/transcript", `{"ticket":`+strconv.FormatInt(chatID, 10)+`}`)
	if res.StatusCode != http.StatusAccepted || !strings.Contains(body, `"confirm"`) {
		t.Fatalf("transcript request: %d %s", res.StatusCode, body)
	}
	got := e.deliver(1)[0]
	if got.to != "ann@example.com" || strings.Contains(got.text, "Please read me") || strings.Contains(got.text, "evil") || strings.Contains(got.text, "Eve") {
		t.Fatalf("confirmation mail %+v", got)
	}
	m := confirmRe.FindStringSubmatch(got.text)
	if m == nil {
		t.Fatalf("no confirmation link in %q", got.text)
	}
	link := m[1]
	// Opening the link shows a button; fetching it (a mail scanner) sends nothing.
	b := e.browser()
	if res, body := b.get(link); res.StatusCode != 200 || !strings.Contains(body, `id="confirm"`) {
		t.Fatalf("confirm page: %d %s", res.StatusCode, body)
	}
	e.deliver(0)
	if res, body := b.post(link, url.Values{}); res.StatusCode != 200 || !strings.Contains(body, "Address confirmed") {
		t.Fatalf("confirm: %d %s", res.StatusCode, body)
	}
	got = e.deliver(1)[0]
	if got.to != "ann@example.com" || !strings.Contains(got.subject, "transcript") || !strings.Contains(got.text, "Please read me") {
		t.Fatalf("transcript mail %+v", got)
	}
	// The link works once.
	if res, _ := b.post(link, url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("second use: %d", res.StatusCode)
	}
	e.deliver(0)

	// Verified: the chat is the customer's now, and the claim is gone.
	if _, body := annBrowser.get("/help/tickets"); !strings.Contains(body, chatSubject) {
		t.Fatalf("verified chat missing from the portal list:\n%s", body)
	}
	if _, body := agent.get(contactPage); !strings.Contains(body, chatSubject) {
		t.Fatalf("verified chat missing from the contact page:\n%s", body)
	}
	if _, body := agent.get("/tickets/" + strconv.FormatInt(chatID, 10)); strings.Contains(body, "unverified") {
		t.Fatal("claim still shown after verification")
	}
	// The open socket goes on writing, now as the customer.
	if _, again := v.say("e2", "Thanks!"); again != chatID {
		t.Fatalf("message after verification went to chat %d, want %d", again, chatID)
	}
	// A proven address gets the transcript directly.
	res, body = widgetReq(t, e.url, v, "POST", "/widget/transcript", `{"ticket":`+strconv.FormatInt(chatID, 10)+`,"email":"Ann@Example.com"}`)
	if res.StatusCode != http.StatusAccepted || !strings.Contains(body, `"queued"`) {
		t.Fatalf("transcript to a proven address: %d %s", res.StatusCode, body)
	}
	if got := e.deliver(1)[0]; got.to != "ann@example.com" || !strings.Contains(got.text, "Please read me") {
		t.Fatalf("direct transcript %+v", got)
	}
}

func ptr[T any](v T) *T { return &v }
