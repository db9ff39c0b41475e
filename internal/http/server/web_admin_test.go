package server_test

import (
	. "andon/internal/http/server"
	"context"
	"io"
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

// adminEnv is a real server on the engine under test with an admin and an
// agent who can sign in with a password.
type adminEnv struct {
	t     *testing.T
	db    *store.DB
	url   string
	admin *domain.User
	agent *domain.User
}

const testPassword = "correct horse battery"

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	_, url := startServer(t, Deps{DB: db})
	return adminEnvAt(t, db, url)
}

// adminEnvAt adds the admin and the agent to the server at url.
func adminEnvAt(t *testing.T, db *store.DB, url string) *adminEnv {
	t.Helper()
	e := &adminEnv{t: t, db: db, url: url}
	e.admin = e.account("boss@example.com", "Bea Boss", domain.RoleAdmin)
	e.agent = e.account("agent@example.com", "Alan Agent", domain.RoleAgent)
	return e
}

func (e *adminEnv) account(email, name string, role domain.Role) *domain.User {
	e.t.Helper()
	return createAccount(e.t, e.db, email, name, role, testPassword)
}

func wantStatus(t *testing.T, what string, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d (%s)", what, res.StatusCode, want, res.Request.URL)
	}
}

func wantContains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: page lacks %q", what, s)
		}
	}
}

func inviteToken(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`value="http://andon\.test/invite/(inv_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no invitation link on the page")
	}
	return m[1]
}

func TestInviteFlowEndToEnd(t *testing.T) {
	e := newAdminEnv(t)
	admin := e.signedIn("boss@example.com")
	admin.get("/settings/agents")

	// Invalid input: errors next to the fields, nothing created.
	res, body := admin.post("/settings/agents/invite", url.Values{"email": {"not-an-email"}, "name": {""}, "role": {"agent"}})
	wantStatus(t, "bad invite", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad invite", body, `value="not-an-email"`, `class="field-error"`)
	if inv, _ := e.db.PendingInvites(context.Background()); len(inv) != 0 {
		t.Fatalf("a failed form created %d invitations", len(inv))
	}
	// An existing account cannot be invited.
	res, body = admin.post("/settings/agents/invite", url.Values{"email": {"agent@example.com"}, "name": {"Again"}, "role": {"agent"}})
	wantStatus(t, "duplicate invite", res, http.StatusConflict)
	wantContains(t, "duplicate invite", body, "already has an account")

	res, body = admin.post("/settings/agents/invite", url.Values{"email": {"Nina@Example.com"}, "name": {"Nina New"}, "role": {"agent"}})
	wantStatus(t, "invite", res, http.StatusOK)
	wantContains(t, "invite", body, "Invitation created", "nina@example.com")
	token := inviteToken(t, body)
	// The link is shown once: a reload does not show it again.
	_, body = admin.get("/settings/agents")
	if strings.Contains(body, token) {
		t.Fatal("invitation link shown twice")
	}

	// The invitee opens the link, picks a password that is too short first.
	guest := e.browser()
	res, body = guest.get("/invite/" + token)
	wantStatus(t, "open invite", res, http.StatusOK)
	wantContains(t, "open invite", body, "nina@example.com", `value="Nina New"`)
	res, body = guest.post("/invite/"+token, url.Values{"name": {"Nina N."}, "password": {"short"}, "password2": {"short"}})
	wantStatus(t, "short password", res, http.StatusUnprocessableEntity)
	wantContains(t, "short password", body, "at least 12 characters")
	// The invitee's own address or name is no password.
	for _, pw := range []string{"nina@example.com", "nina newcomer"} {
		res, body = guest.post("/invite/"+token, url.Values{"name": {"Nina Newcomer"}, "password": {pw}, "password2": {pw}})
		wantStatus(t, "password "+pw, res, http.StatusUnprocessableEntity)
		wantContains(t, "password "+pw, body, "not your name or email address")
	}
	res, body = guest.post("/invite/"+token, url.Values{"name": {"Nina N."}, "password": {testPassword}, "password2": {testPassword}})
	wantStatus(t, "accept", res, http.StatusOK)
	if res.Request.URL.Path != "/" {
		t.Fatalf("after accepting: at %s, want the inbox", res.Request.URL.Path)
	}
	_, body = guest.get("/contacts")
	wantContains(t, "signed in after accepting", body, "Nina N.")
	res, _ = guest.get("/settings/agents")
	wantStatus(t, "new agent on settings", res, http.StatusForbidden)

	// The link works once.
	other := e.browser()
	res, body = other.get("/invite/" + token)
	wantStatus(t, "reuse link", res, http.StatusNotFound)
	wantContains(t, "reuse link", body, "invalid, expired or already used")
	res, _ = other.post("/invite/"+token, url.Values{"name": {"Mallory"}, "password": {testPassword}, "password2": {testPassword}})
	wantStatus(t, "reuse link post", res, http.StatusNotFound)

	// The new account signs in with its password.
	if _, code := e.signIn("nina@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("invited agent cannot sign in: %d", code)
	}
	_, body = admin.get("/settings/agents")
	wantContains(t, "agents list", body, "Nina N.", "nina@example.com")

	// An expired link is refused.
	_, body = admin.post("/settings/agents/invite", url.Values{"email": {"late@example.com"}, "name": {"Lou Late"}, "role": {"admin"}})
	late := inviteToken(t, body)
	e.db.SetClock(func() time.Time { return time.Now().Add(domain.InviteTTL + time.Hour) })
	res, _ = e.browser().get("/invite/" + late)
	wantStatus(t, "expired link", res, http.StatusNotFound)
	res, _ = e.browser().post("/invite/"+late, url.Values{"name": {"Lou"}, "password": {testPassword}, "password2": {testPassword}})
	wantStatus(t, "expired link post", res, http.StatusNotFound)
	if _, _, err := e.db.UserByEmail(context.Background(), "late@example.com"); !domain.IsNotFound(err) {
		t.Fatalf("expired invitation made an account: %v", err)
	}
}

func TestDeactivatedAgentCannotSignIn(t *testing.T) {
	e := newAdminEnv(t)
	agent := e.signedIn("agent@example.com")
	res, _ := agent.get("/contacts")
	wantStatus(t, "agent before", res, http.StatusOK)

	admin := e.signedIn("boss@example.com")
	admin.get("/settings/agents")
	id := strconv.FormatInt(e.agent.ID, 10)
	// Admins cannot lock themselves out.
	res, _ = admin.post("/settings/agents/"+strconv.FormatInt(e.admin.ID, 10)+"/active", url.Values{"active": {"false"}})
	wantStatus(t, "deactivate self", res, http.StatusUnprocessableEntity)

	res, body := admin.post("/settings/agents/"+id+"/active", url.Values{"active": {"false"}})
	wantStatus(t, "deactivate", res, http.StatusOK)
	wantContains(t, "deactivate", body, "Alan Agent is deactivated", "Deactivated", "reactivate-"+id)

	// The open session has ended, and signing in again is refused.
	res, _ = agent.get("/contacts")
	if res.Request.URL.Path != "/login" {
		t.Fatalf("deactivated agent's session still works: at %s", res.Request.URL.Path)
	}
	if _, code := e.signIn("agent@example.com", testPassword); code != http.StatusUnauthorized {
		t.Fatalf("deactivated agent signs in: %d", code)
	}

	admin.post("/settings/agents/"+id+"/active", url.Values{"active": {"true"}})
	if _, code := e.signIn("agent@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("reactivated agent cannot sign in: %d", code)
	}

	// Role change.
	res, body = admin.post("/settings/agents/"+id+"/role", url.Values{"role": {"admin"}})
	wantStatus(t, "promote", res, http.StatusOK)
	wantContains(t, "promote", body, "Alan Agent is now an admin")
	if u, _ := e.db.User(context.Background(), e.agent.ID); u.Role != domain.RoleAdmin {
		t.Fatalf("role %s", u.Role)
	}
}

func TestSettingsAreForAdminsOnly(t *testing.T) {
	e := newAdminEnv(t)
	agent := e.signedIn("agent@example.com")
	for _, p := range []string{"/settings", "/settings/agents", "/settings/teams", "/settings/tokens", "/settings/branding"} {
		res, body := agent.get(p)
		wantStatus(t, "agent GET "+p, res, http.StatusForbidden)
		wantContains(t, p, body, "Only admins")
	}
	agent.get("/contacts") // a valid CSRF token of the agent's own session
	for _, p := range []string{"/settings/agents/invite", "/settings/tokens", "/settings/branding", "/settings/teams"} {
		res, _ := agent.post(p, url.Values{"email": {"x@example.com"}, "name": {"X"}, "role": {"admin"}, "user_id": {"1"}, "color": {"#000000"}})
		wantStatus(t, "agent POST "+p, res, http.StatusForbidden)
	}
	if inv, _ := e.db.PendingInvites(context.Background()); len(inv) != 0 {
		t.Fatal("agent created an invitation")
	}
	// Signed out: sent to the login page.
	res, _ := e.browser().get("/settings/agents")
	if res.Request.URL.Path != "/login" {
		t.Fatalf("anonymous at %s", res.Request.URL.Path)
	}
	// A form without the CSRF token is refused.
	admin := e.signedIn("boss@example.com")
	res, _ = admin.post("/settings/teams", url.Values{"name": {"Billing"}, "csrf": {"forged"}})
	wantStatus(t, "forged csrf", res, http.StatusForbidden)
}

func TestTokenCreatedInUIAuthenticatesAPI(t *testing.T) {
	e := newAdminEnv(t)
	admin := e.signedIn("boss@example.com")
	admin.get("/settings/tokens")
	res, body := admin.post("/settings/tokens", url.Values{"name": {""}, "user_id": {strconv.FormatInt(e.agent.ID, 10)}})
	wantStatus(t, "unnamed token", res, http.StatusUnprocessableEntity)
	wantContains(t, "unnamed token", body, "Name the token")

	res, body = admin.post("/settings/tokens", url.Values{"name": {"CRM sync"}, "user_id": {strconv.FormatInt(e.agent.ID, 10)}})
	wantStatus(t, "create token", res, http.StatusOK)
	m := regexp.MustCompile(`value="(andon_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("new token not shown")
	}
	token := m[1]
	wantContains(t, "token list", body, "CRM sync", "acts as Alan Agent")
	if _, body = admin.get("/settings/tokens"); strings.Contains(body, token) {
		t.Fatal("token shown twice")
	}

	api := func() int {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK && !strings.Contains(string(b), "agent@example.com") {
			t.Fatalf("token acts as the wrong user: %s", b)
		}
		return res.StatusCode
	}
	if code := api(); code != http.StatusOK {
		t.Fatalf("API with new token: %d", code)
	}
	toks, _ := e.db.APITokens(context.Background(), e.agent.ID)
	if len(toks) != 1 {
		t.Fatalf("%d tokens", len(toks))
	}
	res, _ = admin.post("/settings/tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", url.Values{})
	wantStatus(t, "revoke", res, http.StatusOK)
	if code := api(); code != http.StatusUnauthorized {
		t.Fatalf("API with revoked token: %d", code)
	}
}

func TestBrandingAppliesToLayout(t *testing.T) {
	e := newAdminEnv(t)
	admin := e.signedIn("boss@example.com")
	admin.get("/settings/branding")

	// One bad field: nothing is saved, the error sits next to the field.
	res, body := admin.postFiles("/settings/branding", map[string]string{"name": "Acme Help", "color": "orange", "support_email": "help@acme.test"}, "logo_file", nil)
	wantStatus(t, "bad colour", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad colour", body, "Nothing was saved", "# and six hex digits", `value="Acme Help"`)
	if v, _ := e.db.Setting(context.Background(), "brand.name", ""); v != "" {
		t.Fatalf("half-saved branding: name %q", v)
	}

	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`)
	res, body = admin.postFiles("/settings/branding", map[string]string{"name": "Acme Help", "color": "#FF5500",
		"support_email": "Help@Acme.test", "support_phone": "+1 555 010 2030"}, "logo_file", oneFile("logo.svg", svg))
	wantStatus(t, "save branding", res, http.StatusOK)
	wantContains(t, "save branding", body, "Branding saved")

	agent := e.signedIn("agent@example.com")
	_, body = agent.get("/contacts")
	wantContains(t, "branded layout", body, `href="/brand.css?c=%23ff5500"`, `<meta name="theme-color" content="#ff5500">`, "Acme Help", `src="/brand/logo?v=`)
	res, mbody := agent.get("/manifest.webmanifest")
	wantStatus(t, "manifest", res, http.StatusOK)
	wantContains(t, "manifest", mbody, `"theme_color":"#ff5500"`, `"name":"Acme Help"`)
	res, logo := agent.get("/brand/logo")
	wantStatus(t, "logo", res, http.StatusOK)
	if res.Header.Get("Content-Type") != "image/svg+xml" || logo != string(svg) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("logo served as %q csp %q", res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"))
	}
	s, _ := e.db.Settings(context.Background(), "brand.")
	if s["brand.support_email"] != "help@acme.test" || s["brand.support_phone"] != "+1 555 010 2030" {
		t.Fatalf("support contact %v", s)
	}

	// Not an image: refused next to the file field.
	res, body = admin.postFiles("/settings/branding", map[string]string{"name": "Acme Help", "color": "#ff5500"}, "logo_file", oneFile("logo.txt", []byte("hello")))
	wantStatus(t, "bad logo", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad logo", body, "Upload a PNG or SVG image")
}

func TestTeamsCreateAndMembers(t *testing.T) {
	e := newAdminEnv(t)
	admin := e.signedIn("boss@example.com")
	admin.get("/settings/teams")
	res, body := admin.post("/settings/teams", url.Values{"name": {"  "}})
	wantStatus(t, "empty team", res, http.StatusUnprocessableEntity)
	wantContains(t, "empty team", body, "has-error")
	res, _ = admin.post("/settings/teams", url.Values{"name": {"Billing"}})
	wantStatus(t, "create team", res, http.StatusOK)
	res, body = admin.post("/settings/teams", url.Values{"name": {"billing"}})
	wantStatus(t, "duplicate team", res, http.StatusConflict)
	wantContains(t, "duplicate team", body, "already in use")
	teams, _ := e.db.Teams(context.Background())
	if len(teams) != 1 {
		t.Fatalf("%d teams", len(teams))
	}
	tid := strconv.FormatInt(teams[0].ID, 10)
	res, body = admin.post("/settings/teams/"+tid+"/members", url.Values{"member": {strconv.FormatInt(e.agent.ID, 10), strconv.FormatInt(e.admin.ID, 10)}})
	wantStatus(t, "members", res, http.StatusOK)
	wantContains(t, "members", body, "2 members: ", "Alan Agent")
	u, _ := e.db.User(context.Background(), e.agent.ID)
	if len(u.TeamIDs) != 1 || u.TeamIDs[0] != teams[0].ID {
		t.Fatalf("agent teams %v", u.TeamIDs)
	}
}

func TestContactSearchAndMerge(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	mk := func(subject string, r domain.Requester, ch domain.Channel) *domain.Ticket {
		tk, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: subject, Body: "text", Requester: r, Channel: ch})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	byMail := mk("Invoice wrong", domain.Requester{Email: "carla@shop.example", Name: "Carla Diaz"}, domain.ChannelEmail)
	byPhone := mk("Called about invoice", domain.Requester{Phone: "+1 (555) 010-7788"}, domain.ChannelPhone)
	mk("Unrelated", domain.Requester{Email: "zed@else.example", Name: "Zed"}, domain.ChannelEmail)

	agent := e.signedIn("agent@example.com")
	_, body := agent.get("/contacts?q=" + url.QueryEscape("7-78"))
	wantContains(t, "phone fragment", body, "15550107788")
	if strings.Contains(body, "Zed") {
		t.Fatal("phone search matched an unrelated contact")
	}
	_, body = agent.get("/contacts?q=carla%40shop")
	wantContains(t, "email search", body, "Carla Diaz", "/contacts/"+strconv.FormatInt(byMail.RequesterID, 10))
	_, body = agent.get("/contacts?q=nobody-here")
	wantContains(t, "no match", body, "No contact matches")

	target := strconv.FormatInt(byMail.RequesterID, 10)
	source := strconv.FormatInt(byPhone.RequesterID, 10)
	_, body = agent.get("/contacts/" + target)
	wantContains(t, "contact page", body, "Carla Diaz", "carla@shop.example", "Invoice wrong")

	// Adding the phone that belongs to the other contact points to a merge.
	res, body := agent.post("/contacts/"+target+"/identities", url.Values{"kind": {"phone"}, "value": {"+15550107788"}})
	wantStatus(t, "taken phone", res, http.StatusConflict)
	wantContains(t, "taken phone", body, "Merge the two contacts")
	res, body = agent.post("/contacts/"+target+"/identities", url.Values{"kind": {"email"}, "value": {"carla@home.example"}})
	wantStatus(t, "add email", res, http.StatusOK)
	wantContains(t, "add email", body, "carla@home.example")
	res, body = agent.post("/contacts/"+target, url.Values{"name": {"Carla Díaz"}, "organization": {"Shop Ltd"}})
	wantStatus(t, "edit", res, http.StatusOK)
	wantContains(t, "edit", body, "Carla Díaz", "Shop Ltd")

	// Picker, then a confirmation saying what moves, then the merge.
	_, body = agent.get("/contacts/" + target + "/merge?q=555010")
	wantContains(t, "picker", body, "merge?source="+source)
	_, body = agent.get("/contacts/" + target + "/merge?source=" + source)
	wantContains(t, "confirm", body, "1 ticket", "15550107788", "cannot be undone")
	res, body = agent.post("/contacts/"+target+"/merge", url.Values{"source_id": {source}})
	wantStatus(t, "merge", res, http.StatusOK)
	wantContains(t, "merge", body, "Merged", "Called about invoice", "Invoice wrong", "15550107788")
	tk, err := e.db.Ticket(ctx, byPhone.ID)
	if err != nil || strconv.FormatInt(tk.RequesterID, 10) != target {
		t.Fatalf("ticket not moved: %+v %v", tk, err)
	}
	res, _ = agent.get("/contacts/" + source)
	wantStatus(t, "merged contact", res, http.StatusNotFound)
	// Merging a contact that no longer exists says so and changes nothing.
	res, body = agent.post("/contacts/"+target+"/merge", url.Values{"source_id": {source}})
	wantStatus(t, "merge again", res, http.StatusUnprocessableEntity)
	wantContains(t, "merge again", body, "no longer exists")
}
