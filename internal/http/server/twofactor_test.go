package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "andon/internal/http/server"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/testutil"
)

// tfEnv is a server whose store and code limiter share a clock the test
// moves, so TOTP time steps are under its control.
type tfEnv struct {
	*adminEnv
	mu  sync.Mutex
	now time.Time
}

func newTFEnv(t *testing.T) *tfEnv {
	t.Helper()
	e := &tfEnv{now: time.Now().Truncate(30 * time.Second).Add(5 * time.Second)}
	db := testutil.OpenDB(t)
	db.SetClock(e.clock)
	_, u := startServer(t, Deps{DB: db, Codes: &auth.LoginLimiter{Now: e.clock}})
	e.adminEnv = adminEnvAt(t, db, u)
	return e
}

func (e *tfEnv) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
func (e *tfEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

var (
	secretRe   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRe = regexp.MustCompile(`<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>`)
)

func (e *tfEnv) code(secret string) string {
	e.t.Helper()
	c, err := auth.TOTPCode(secret, e.clock())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrolTOTP sets up an authenticator app from the security page and returns
// its secret and the recovery codes shown.
func (e *tfEnv) enrolTOTP(b *browser) (string, []string) {
	e.t.Helper()
	res, body := b.get("/account/security?setup=totp")
	wantStatus(e.t, "set-up page", res, http.StatusOK)
	m := secretRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `src="data:image/svg`) {
		e.t.Fatalf("no key or QR code on the set-up page:\n%s", body)
	}
	res, body = b.post("/account/security/totp/confirm", url.Values{"code": {"12345"}})
	wantStatus(e.t, "wrong confirmation code", res, http.StatusUnprocessableEntity)
	wantContains(e.t, "wrong code", body, "wrong, expired or already used")
	res, body = b.post("/account/security/totp/confirm", url.Values{"code": {e.code(m[1])}})
	wantStatus(e.t, "confirm", res, http.StatusOK)
	var codes []string
	for _, c := range recoveryRe.FindAllStringSubmatch(body, -1) {
		codes = append(codes, c[1])
	}
	if len(codes) != domain.RecoveryCodeCount {
		e.t.Fatalf("%d recovery codes shown, want %d", len(codes), domain.RecoveryCodeCount)
	}
	if _, again := b.get("/account/security"); recoveryRe.MatchString(again) {
		e.t.Fatal("recovery codes shown a second time")
	}
	return m[1], codes
}

// password signs in with the password only and reports where it landed.
func (e *tfEnv) password(email string) (*browser, string) {
	b := e.browser()
	res, _ := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	return b, res.Request.URL.Path
}

func signedInAt(t *testing.T, b *browser, what string) {
	t.Helper()
	if res, _ := b.get("/"); res.Request.URL.Path != "/" {
		t.Fatalf("%s: not signed in (at %s)", what, res.Request.URL.Path)
	}
}

func notSignedIn(t *testing.T, b *browser, what string) {
	t.Helper()
	if res, _ := b.get("/"); res.Request.URL.Path != "/login" {
		t.Fatalf("%s: signed in (at %s)", what, res.Request.URL.Path)
	}
}

func TestTOTPSignInReplayAndRecovery(t *testing.T) {
	e := newTFEnv(t)
	secret, codes := e.enrolTOTP(e.signedIn(e.agent.Email))

	// The password alone is not a session: the code step follows.
	b, at := e.password(e.agent.Email)
	if at != "/login/2fa" {
		t.Fatalf("after the password: at %s, want /login/2fa", at)
	}
	notSignedIn(t, b, "password only")
	// The confirming code's step is used: a new step's code signs in.
	res, _ := b.post("/login/2fa", url.Values{"code": {e.code(secret)}})
	wantStatus(t, "code used to confirm", res, http.StatusUnprocessableEntity)
	e.advance(30 * time.Second)
	used := e.code(secret)
	if res, _ := b.post("/login/2fa", url.Values{"code": {used}}); res.Request.URL.Path != "/" {
		t.Fatalf("right code: at %s", res.Request.URL.Path)
	}
	signedInAt(t, b, "password and code")

	// Replay: the same code, on another browser, within its time step.
	b2, _ := e.password(e.agent.Email)
	res, body := b2.post("/login/2fa", url.Values{"code": {used}})
	wantStatus(t, "replayed code", res, http.StatusUnprocessableEntity)
	wantContains(t, "replayed code", body, "already used")
	notSignedIn(t, b2, "replayed code")

	// A recovery code works once, typed in capitals.
	res, _ = b2.post("/login/2fa", url.Values{"code": {strings.ToUpper(codes[0])}})
	if res.Request.URL.Path != "/" {
		t.Fatalf("recovery code: at %s", res.Request.URL.Path)
	}
	b3, _ := e.password(e.agent.Email)
	res, _ = b3.post("/login/2fa", url.Values{"code": {codes[0]}})
	wantStatus(t, "recovery code used twice", res, http.StatusUnprocessableEntity)
	if st, _ := e.db.TwoFactorStatus(context.Background(), e.agent.ID); st.RecoveryLeft != domain.RecoveryCodeCount-1 {
		t.Fatalf("%d recovery codes left", st.RecoveryLeft)
	}
}

func TestSecondFactorGuessingIsLimited(t *testing.T) {
	e := newTFEnv(t)
	secret, _ := e.enrolTOTP(e.signedIn(e.agent.Email))
	e.advance(30 * time.Second)
	b, _ := e.password(e.agent.Email)
	// A few wrong codes are free; then the account must wait.
	for i := 0; i < 3; i++ {
		res, _ := b.post("/login/2fa", url.Values{"code": {"000000"}})
		wantStatus(t, "wrong code", res, http.StatusUnprocessableEntity)
	}
	res, _ := b.post("/login/2fa", url.Values{"code": {e.code(secret)}})
	wantStatus(t, "code right after three wrong ones", res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Waiting out the delays, the fifth wrong code ends the step: even the
	// right code then needs the password again.
	for i := 0; i < 2; i++ {
		e.advance(5 * time.Second)
		res, _ := b.post("/login/2fa", url.Values{"code": {"000000"}})
		wantStatus(t, "wrong code after waiting", res, http.StatusUnprocessableEntity)
	}
	e.advance(10 * time.Second)
	res, body := b.post("/login/2fa", url.Values{"code": {e.code(secret)}})
	wantStatus(t, "right code after five wrong ones", res, http.StatusUnauthorized)
	wantContains(t, "ended step", body, "Sign in again")
	notSignedIn(t, b, "after five wrong codes")
}

func TestTwoFactorRequiredPerRoleAndAdminReset(t *testing.T) {
	e := newTFEnv(t)
	ctx := context.Background()
	agent := e.signedIn(e.agent.Email)
	admin := e.signedIn(e.admin.Email)
	admin.get("/settings/security")
	res, _ := admin.post("/settings/security", url.Values{"require": {"agent"}})
	wantStatus(t, "require for agents", res, http.StatusOK)
	notSignedIn(t, agent, "unenrolled agent after the requirement")
	signedInAt(t, admin, "admin (role not required)")

	// At sign-in the agent must enrol; until then there is no session.
	b, at := e.password(e.agent.Email)
	if at != "/login/2fa/setup" {
		t.Fatalf("unenrolled agent signing in: at %s", at)
	}
	_, body := b.get("/login/2fa/setup")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key on the enrolment page:\n%s", body)
	}
	notSignedIn(t, b, "during enrolment")
	b, _ = e.password(e.agent.Email) // a fresh step shows the same pending key
	if _, again := b.get("/login/2fa/setup"); !strings.Contains(again, m[1]) {
		t.Fatal("the pending key changed between two sign-ins")
	}
	res, body = b.post("/login/2fa/setup", url.Values{"code": {e.code(m[1])}})
	wantStatus(t, "enrol", res, http.StatusOK)
	if n := len(recoveryRe.FindAllString(body, -1)); n != domain.RecoveryCodeCount {
		t.Fatalf("%d recovery codes after enrolling", n)
	}
	signedInAt(t, b, "after enrolling")

	// The last factor of a required role cannot be removed.
	b.get("/account/security")
	res, _ = b.post("/account/security/totp/remove", url.Values{"password": {testPassword}})
	wantStatus(t, "remove the only factor", res, http.StatusConflict)

	// An admin resets it: signed out, nothing enrolled, enrol again.
	admin.get("/settings/security")
	res, body = admin.post("/settings/security/users/"+strconv.FormatInt(e.agent.ID, 10)+"/reset", url.Values{})
	wantStatus(t, "reset", res, http.StatusOK)
	wantContains(t, "reset", body, "reset")
	notSignedIn(t, b, "after a reset")
	if st, _ := e.db.TwoFactorStatus(ctx, e.agent.ID); st.Enrolled() {
		t.Fatalf("still enrolled after reset: %+v", st)
	}
	if _, at := e.password(e.agent.Email); at != "/login/2fa/setup" {
		t.Fatalf("after reset: at %s", at)
	}
}

func TestInvitationToARequiredRoleEnrolsFirst(t *testing.T) {
	e := newTFEnv(t)
	admin := e.signedIn(e.admin.Email)
	admin.get("/settings/security")
	admin.post("/settings/security", url.Values{"require": {"agent"}})
	admin.get("/settings/agents")
	_, body := admin.post("/settings/agents/invite", url.Values{"email": {"nina@example.com"}, "name": {"Nina New"}, "role": {"agent"}})
	token := inviteToken(t, body)
	guest := e.browser()
	guest.get("/invite/" + token)
	res, body := guest.post("/invite/"+token, url.Values{"name": {"Nina New"}, "password": {testPassword}, "password2": {testPassword}})
	if res.Request.URL.Path != "/login/2fa/setup" {
		t.Fatalf("accepted invitation: at %s, want the enrolment page", res.Request.URL.Path)
	}
	notSignedIn(t, guest, "invitee before enrolling")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key on the enrolment page:\n%s", body)
	}
	guest.post("/login/2fa/setup", url.Values{"code": {e.code(m[1])}})
	signedInAt(t, guest, "invitee after enrolling")
}

func TestPasskeyEndpointsRefuseForeignOriginsAndStaleCeremonies(t *testing.T) {
	e := newTFEnv(t)
	b := e.browser()
	for _, path := range []string{"/login/passkey", "/login/passkey/finish", "/login/2fa/passkey"} {
		req, _ := http.NewRequest("POST", e.url+path, strings.NewReader("{}"))
		req.Header.Set("Origin", "https://evil.example")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		wantStatus(t, path+" from another site", res, http.StatusForbidden)
	}
	// Without a ceremony begun on this browser, an answer is refused.
	u, _ := url.Parse(e.url)
	req, _ := http.NewRequest("POST", e.url+"/login/passkey/finish", strings.NewReader(`{"id":"x"}`))
	req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wantStatus(t, "finish without begin", res, http.StatusUnauthorized)
	notSignedIn(t, b, "stale passkey ceremony")
}
