package account_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"andon/internal/account"
	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/settings"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

const oldPassword = "first long secret"

type env struct {
	db     *store.DB
	svc    *account.Service
	sender *outbox.Sender
	sink   *mailtest.Sink
	u      *domain.User
	now    time.Time
}

func ptr[T any](v T) *T { return &v }

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: testutil.OpenDB(t), now: time.Now()}
	e.db.SetClock(func() time.Time { return e.now })
	box, _ := mail.NewBox("k", "")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.sink = mailtest.StartSink(t, "andon", "s3cret")
	if _, err := mail.NewService(e.db, box, log).CreateMailbox(ctx, domain.MailboxInput{Address: ptr("support@acme.test"), IsDefault: ptr(true),
		SMTPHost: ptr(e.sink.Host), SMTPPort: ptr(e.sink.Port), SMTPUser: ptr("andon"), SMTPPassword: ptr("s3cret"), SMTPTLS: ptr(domain.TLSNone)}); err != nil {
		t.Fatal(err)
	}
	e.sender = &outbox.Sender{DB: e.db, Box: box, Log: log, Hostname: "acme.test"}
	hash, _ := auth.HashPassword(oldPassword)
	u, err := e.db.CreateUser(ctx, domain.NewUser{Email: "ann@acme.test", Name: "Ann [Admin](http://evil.test)", Role: domain.RoleAgent, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	e.u = u
	e.svc = &account.Service{DB: e.db, ResetLink: func(tok string) string { return "https://help.acme.test/password/reset/" + tok }}
	return e
}

func (e *env) session(t *testing.T, id string) {
	t.Helper()
	if err := e.db.CreateSession(context.Background(), domain.Session{ID: id, UserID: e.u.ID, CSRF: "c", CreatedAt: e.now, ExpiresAt: e.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) live(id string) bool {
	_, _, err := e.db.SessionUser(context.Background(), id)
	return err == nil
}

func (e *env) canSignIn(t *testing.T, pw string) bool {
	t.Helper()
	_, hash, err := e.db.UserByEmail(context.Background(), e.u.Email)
	if err != nil {
		t.Fatal(err)
	}
	return auth.CheckPassword(hash, pw)
}

// flush sends the outbox and returns the mails the SMTP server got since.
func (e *env) flush(t *testing.T, want int) []*enmime.Envelope {
	t.Helper()
	before := len(e.sink.Messages())
	if _, err := e.sender.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want == 0 {
		if n := len(e.sink.Messages()); n != before {
			t.Fatalf("%d unexpected mails", n-before)
		}
		return nil
	}
	var out []*enmime.Envelope
	for _, m := range e.sink.Wait(t, before+want, 5*time.Second)[before:] {
		env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.session(t, "mine")
	e.session(t, "laptop")
	err := e.svc.ChangePassword(ctx, e.u.ID, "wrong guess here", "a brand new secret", "mine")
	if domain.ErrorFields(err)["current_password"] == "" {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := e.svc.ChangePassword(ctx, e.u.ID, oldPassword, "password1234", "mine"); domain.ErrorFields(err)["password"] == "" {
		t.Fatalf("common password accepted: %v", err)
	}
	if !e.live("laptop") || !e.canSignIn(t, oldPassword) {
		t.Fatal("a refused change changed something")
	}
	if err := e.svc.ChangePassword(ctx, e.u.ID, oldPassword, "a brand new secret", "mine"); err != nil {
		t.Fatal(err)
	}
	if !e.live("mine") || e.live("laptop") {
		t.Fatal("after a change: this session stays, the others end")
	}
	if e.canSignIn(t, oldPassword) || !e.canSignIn(t, "a brand new secret") {
		t.Fatal("password not changed")
	}
}

var linkRe = regexp.MustCompile(`https://help\.acme\.test/password/reset/([A-Za-z0-9_-]+)`)

func TestResetByEmailedLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.session(t, "old")

	// Unknown address: the same answer, and no mail.
	if err := e.svc.RequestReset(ctx, "nobody@acme.test"); err != nil {
		t.Fatal(err)
	}
	e.flush(t, 0)

	// The mail names the product as the admin branded it.
	if err := e.db.SetSettings(ctx, map[string]string{settings.BrandName: "Acme Help"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestReset(ctx, " ANN@acme.test "); err != nil {
		t.Fatal(err)
	}
	got := e.flush(t, 1)[0]
	if to := got.GetHeader("To"); !strings.Contains(to, "ann@acme.test") {
		t.Fatalf("reset mail went to %q", to)
	}
	if subj := got.GetHeader("Subject"); subj != "Reset your Acme Help password" {
		t.Errorf("reset mail subject %q", subj)
	}
	m := linkRe.FindStringSubmatch(got.Text)
	if m == nil {
		t.Fatalf("no reset link in the mail:\n%s", got.Text)
	}
	token := m[1]
	// The one link is ours; the account's name is text.
	if strings.Count(got.HTML, "<a ") != 1 || !strings.Contains(got.HTML, `href="https://help.acme.test/password/reset/`+token+`"`) {
		t.Fatalf("reset mail links:\n%s", got.HTML)
	}
	if u, err := e.svc.ResetUser(ctx, token); err != nil || u.ID != e.u.ID {
		t.Fatalf("reset page user: %v %v", u, err)
	}
	if _, err := e.svc.ResetPassword(ctx, token, "short"); domain.ErrorFields(err)["password"] == "" {
		t.Fatalf("short password accepted: %v", err)
	}
	if _, err := e.svc.ResetPassword(ctx, token, "reset to this secret"); err != nil {
		t.Fatal(err)
	}
	if !e.canSignIn(t, "reset to this secret") || e.live("old") {
		t.Fatal("reset did not set the password and end the sessions")
	}
	if _, err := e.svc.ResetPassword(ctx, token, "and once again this"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("link used twice: %v", err)
	}

	// A link works for 30 minutes only.
	if err := e.svc.RequestReset(ctx, "ann@acme.test"); err != nil {
		t.Fatal(err)
	}
	late := linkRe.FindStringSubmatch(e.flush(t, 1)[0].Text)[1]
	e.now = e.now.Add(31 * time.Minute)
	if _, err := e.svc.ResetPassword(ctx, late, "too late for this one"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("expired link works: %v", err)
	}

	// Asking again and again sends at most three mails per half hour.
	for range 5 {
		if err := e.svc.RequestReset(ctx, "ann@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	e.flush(t, 3)
}
