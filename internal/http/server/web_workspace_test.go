package server_test

import (
	. "andon/internal/http/server"
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// wsEnv is the agent workspace on a real server and database, driven by an
// HTTP client with a cookie jar, as a browser would.
type wsEnv struct {
	t      *testing.T
	db     *store.DB
	url    string
	agent  *domain.User
	client *http.Client
	csrf   string
}

const wsPassword = "a long enough secret"

func newWSEnv(t *testing.T) *wsEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	_, url := startServer(t, Deps{DB: db})
	e := &wsEnv{t: t, db: db, url: url}
	e.agent = e.user("ann@example.com", "Ann Agent", domain.RoleAgent)
	e.client = e.newClient()
	return e
}

func (e *wsEnv) user(email, name string, role domain.Role) *domain.User {
	e.t.Helper()
	return createAccount(e.t, e.db, email, name, role, wsPassword)
}

func (e *wsEnv) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// do sends a request and returns the final response (after redirects) and body.
func (e *wsEnv) do(c *http.Client, method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *wsEnv) get(path string) (int, string) {
	e.t.Helper()
	resp, body := e.do(e.client, "GET", path, nil, nil)
	return resp.StatusCode, body
}

// post submits a workspace form with the session's CSRF token.
func (e *wsEnv) post(path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", e.csrf)
	return e.do(e.client, "POST", path, form, nil)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// login signs the env's client in and remembers the CSRF token.
func (e *wsEnv) login(email string) {
	e.t.Helper()
	resp, body := e.do(e.client, "POST", "/login", url.Values{"email": {email}, "password": {wsPassword}, "next": {"/"}}, nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		e.t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatal("no CSRF token on the inbox page")
	}
	e.csrf = html.UnescapeString(m[1])
}

func (e *wsEnv) ticket(n domain.NewTicket) *domain.Ticket {
	e.t.Helper()
	t, err := e.db.CreateTicket(context.Background(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestWebLoginFlow(t *testing.T) {
	e := newWSEnv(t)
	resp, body := e.do(e.client, "GET", "/tickets/new", nil, nil)
	if resp.Request.URL.Path != "/login" || resp.Request.URL.Query().Get("next") != "/tickets/new" {
		t.Fatalf("signed-out visit ended at %s", resp.Request.URL)
	}
	mustContain(t, body, `id="login-form"`, `name="email"`)

	resp, body = e.do(e.client, "POST", "/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong password!"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", resp.StatusCode)
	}
	mustContain(t, body, "do not match an active account", `value="ann@example.com"`)
	resp, body2 := e.do(e.client, "POST", "/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password!"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body2, "do not match an active account") {
		t.Fatalf("unknown account: status %d", resp.StatusCode)
	}
	resp, _ = e.do(e.client, "POST", "/login", url.Values{"email": {"ann@example.com"}, "password": {wsPassword}}, map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site login post: status %d", resp.StatusCode)
	}

	// A successful sign-in returns to where the agent was going.
	noFollow := e.newClient()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ = e.do(noFollow, "POST", "/login", url.Values{"email": {"ANN@example.com"}, "password": {wsPassword}, "next": {"/tickets/new"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tickets/new" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "andon_session" {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || len(sc.Value) < 40 {
		t.Fatalf("session cookie %+v", sc)
	}
	if _, _, err := e.db.SessionUser(context.Background(), auth.HashToken(sc.Value)); err != nil {
		t.Fatalf("session not stored by its hash: %v", err)
	}
	// An open redirect is refused.
	resp, _ = e.do(noFollow, "POST", "/login", url.Values{"email": {"ann@example.com"}, "password": {wsPassword}, "next": {"//evil.example/x"}}, nil)
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("next=//evil redirected to %q", resp.Header.Get("Location"))
	}

	e.login("ann@example.com")
	code, body := e.get("/")
	if code != 200 {
		t.Fatalf("inbox: %d", code)
	}
	mustContain(t, body, "Ann Agent", `id="logout-button"`, `href="/contacts"`)
	if strings.Contains(body, `id="nav-settings"`) {
		t.Error("an agent sees the admin Settings link")
	}
	// Sign-out needs the CSRF token, then ends the session on the server.
	resp, _ = e.do(e.client, "POST", "/logout", url.Values{}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without CSRF: %d", resp.StatusCode)
	}
	resp, _ = e.post("/logout", nil)
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("after logout at %s", resp.Request.URL)
	}
	resp, _ = e.do(e.client, "GET", "/", nil, nil)
	if resp.Request.URL.Path != "/login" {
		t.Fatal("still signed in after logout")
	}
}

func TestWebCSRFRejected(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	tk := e.ticket(domain.NewTicket{Subject: "Printer on fire", Body: "Help", Requester: domain.Requester{Email: "c@example.com"}})
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10) + "/notes"
	resp, body := e.do(e.client, "POST", path, url.Values{"body": {"sneaky"}, "csrf": {"forged"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("forged CSRF: %d", resp.StatusCode)
	}
	resp, _ = e.do(e.client, "POST", path, url.Values{"body": {"via fetch"}}, map[string]string{"X-CSRF-Token": e.csrf})
	if resp.StatusCode != 200 {
		t.Fatalf("CSRF header: %d", resp.StatusCode)
	}
	tl, _ := e.db.Timeline(context.Background(), tk.ID)
	for _, en := range tl {
		if en.Body == "sneaky" {
			t.Fatal("forged post added a note")
		}
	}
	if tl[len(tl)-1].Body != "via fetch" {
		t.Fatal("note sent with the CSRF header is missing")
	}
}
