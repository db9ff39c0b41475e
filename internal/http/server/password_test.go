package server_test

import (
	. "andon/internal/http/server"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/testutil"
)

const newPassword = "lantern orchard pebble"

// Changing the password needs the current one, names the field that is
// wrong, keeps this browser signed in and signs out the others.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	e := newAdminEnv(t)
	here, there := e.signedIn("agent@example.com"), e.signedIn("agent@example.com")
	res, body := here.get("/")
	wantContains(t, "user menu", body, `href="/account/password"`)
	res, body = here.get("/account/password")
	wantStatus(t, "password page", res, http.StatusOK)

	res, body = here.post("/account/password", url.Values{"current_password": {"not my password!"}, "password": {newPassword}, "password2": {newPassword}})
	wantStatus(t, "wrong current password", res, http.StatusUnprocessableEntity)
	wantContains(t, "wrong current password", body, "This is not your current password.")
	res, body = here.post("/account/password", url.Values{"current_password": {testPassword}, "password": {newPassword}, "password2": {newPassword + "x"}})
	wantStatus(t, "mismatch", res, http.StatusUnprocessableEntity)
	wantContains(t, "mismatch", body, "do not match")
	res, _ = here.post("/account/password", url.Values{"current_password": {testPassword}, "password": {"password1234"}, "password2": {"password1234"}})
	wantStatus(t, "common password", res, http.StatusUnprocessableEntity)
	if _, code := e.signIn("agent@example.com", testPassword); code != http.StatusOK {
		t.Fatal("a refused change changed the password")
	}

	res, body = here.post("/account/password", url.Values{"current_password": {testPassword}, "password": {newPassword}, "password2": {newPassword}})
	wantStatus(t, "change", res, http.StatusOK)
	wantContains(t, "change", body, "Password changed.")
	if res, _ := here.get("/"); res.Request.URL.Path != "/" {
		t.Fatalf("the changing browser was signed out: %s", res.Request.URL)
	}
	if res, _ := there.get("/"); res.Request.URL.Path != "/login" {
		t.Fatalf("the other browser is still signed in: %s", res.Request.URL)
	}
	if _, code := e.signIn("agent@example.com", testPassword); code != http.StatusUnauthorized {
		t.Fatalf("old password: %d", code)
	}
	if _, code := e.signIn("agent@example.com", newPassword); code != http.StatusOK {
		t.Fatalf("new password: %d", code)
	}
}

var resetLinkRe = regexp.MustCompile(`/password/reset/([A-Za-z0-9_-]+)`)

// The reset link is mailed through the outbox to a real SMTP server, works
// once, and not after 30 minutes. Asking for one answers the same whether
// or not the address has an account.
func TestPasswordResetByMail(t *testing.T) {
	db := testutil.OpenDB(t)
	clk := &clock{now: time.Now()}
	db.SetClock(clk.Now)
	_, base := startServer(t, Deps{DB: db})
	e := adminEnvAt(t, db, base)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box, _ := mail.NewBox("k", "")
	sink := mailtest.StartSink(t, "andon", "s3cret")
	if _, err := mail.NewService(db, box, log).CreateMailbox(context.Background(), domain.MailboxInput{Address: addrOf("support@acme.test"), IsDefault: addrOf(true),
		SMTPHost: addrOf(sink.Host), SMTPPort: addrOf(sink.Port), SMTPUser: addrOf("andon"), SMTPPassword: addrOf("s3cret"), SMTPTLS: addrOf(domain.TLSNone)}); err != nil {
		t.Fatal(err)
	}
	sender := &outbox.Sender{DB: db, Box: box, Log: log, Hostname: "acme.test"}
	// mailedLink sends the outbox and returns the token of the one new mail.
	mailedLink := func() string {
		t.Helper()
		before := len(sink.Messages())
		if _, err := sender.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		msgs := sink.Wait(t, before+1, 5*time.Second)
		if len(msgs) != before+1 || msgs[before].To[0] != "agent@example.com" {
			t.Fatalf("want one mail to agent@example.com, got %d", len(msgs)-before)
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[before].Raw))
		if err != nil {
			t.Fatal(err)
		}
		m := resetLinkRe.FindStringSubmatch(env.Text)
		if m == nil {
			t.Fatalf("no link in %q", env.Text)
		}
		return m[1]
	}

	guest := e.browser()
	res, body := guest.get("/login")
	wantContains(t, "sign-in page", body, `href="/password/reset"`)
	res, known := guest.post("/password/reset", url.Values{"email": {"agent@example.com"}})
	wantStatus(t, "reset for an account", res, http.StatusOK)
	res, unknown := guest.post("/password/reset", url.Values{"email": {"nobody@example.com"}})
	wantStatus(t, "reset for no account", res, http.StatusOK)
	if known != unknown {
		t.Fatalf("the answers differ:\n%s\n---\n%s", known, unknown)
	}
	token := mailedLink()
	if _, err := sender.RunOnce(context.Background()); err != nil || len(sink.Messages()) != 1 {
		t.Fatalf("mail sent for an address without an account (%d mails)", len(sink.Messages()))
	}

	link := "/password/reset/" + token
	res, body = guest.get(link)
	wantStatus(t, "reset page", res, http.StatusOK)
	wantContains(t, "reset page", body, "agent@example.com")
	res, body = guest.post(link, url.Values{"password": {"short"}, "password2": {"short"}})
	wantStatus(t, "weak password", res, http.StatusUnprocessableEntity)
	wantContains(t, "weak password", body, `id="password"`, "field-error")
	res, _ = guest.post(link, url.Values{"password": {newPassword}, "password2": {newPassword}})
	wantStatus(t, "reset", res, http.StatusOK)
	if res.Request.URL.Path != "/login" {
		t.Fatalf("after reset: %s", res.Request.URL)
	}
	if _, code := e.signIn("agent@example.com", newPassword); code != http.StatusOK {
		t.Fatalf("new password: %d", code)
	}
	res, _ = guest.post(link, url.Values{"password": {"another fine passphrase"}, "password2": {"another fine passphrase"}})
	wantStatus(t, "second use", res, http.StatusNotFound)
	if _, code := e.signIn("agent@example.com", newPassword); code != http.StatusOK {
		t.Fatal("a used link changed the password")
	}

	guest.post("/password/reset", url.Values{"email": {"agent@example.com"}})
	token = mailedLink()
	clk.Add(31 * time.Minute)
	res, _ = guest.get("/password/reset/" + token)
	wantStatus(t, "expired link", res, http.StatusNotFound)
}
func addrOf[T any](v T) *T { return &v }
