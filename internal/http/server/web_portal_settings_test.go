package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
)

func TestPortalSettingsOrganizationTickets(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	contact := func(name, email, org string) int64 {
		c, err := e.db.CreateContact(ctx, store.NewContact{Name: name, Organization: org,
			Identities: []domain.Identity{{Kind: domain.IdentityEmail, Value: email}}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	contact("Kim", "kim@acme.example", "Acme")
	lee := contact("Lee", "lee@acme.example", "Acme")
	olga := contact("Olga", "olga@other.example", "Other Ltd")
	leeTicket, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Acme printer is down", Body: "It jams.", RequesterID: lee, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Other company matter", Body: "private", RequesterID: olga, Channel: domain.ChannelEmail}); err != nil {
		t.Fatal(err)
	}
	leePath := "/help/tickets/" + strconv.FormatInt(leeTicket.ID, 10)
	setting := func() string {
		v, err := e.db.Setting(ctx, store.SettingPortalOrgTickets, "")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// Agents may not open or post the page.
	agent := e.signedIn("agent@example.com")
	res, body := agent.get("/settings/portal")
	wantStatus(t, "agent GET", res, http.StatusForbidden)
	wantContains(t, "agent GET", body, "Only admins")
	agent.get("/contacts") // the agent's own valid CSRF token
	res, _ = agent.post("/settings/portal", url.Values{"organization_tickets": {"1"}})
	wantStatus(t, "agent POST", res, http.StatusForbidden)
	if v := setting(); v != "" {
		t.Fatalf("agent changed the setting to %q", v)
	}

	// Off by default: Kim sees only her own tickets.
	kim := e.signInCustomer("kim@acme.example")
	res, body = kim.get("/help/tickets")
	mustStatus(t, res, body, 200)
	if strings.Contains(body, "Acme printer is down") {
		t.Fatal("colleague's ticket listed before the admin allowed it")
	}
	res, body = kim.get(leePath)
	mustStatus(t, res, body, 404)

	admin := e.signedIn("boss@example.com")
	res, body = admin.get("/settings/portal")
	wantStatus(t, "admin GET", res, http.StatusOK)
	wantContains(t, "admin GET", body, `id="settings-portal"`, "Customers can see and answer their organization’s tickets", `name="welcome"`)
	if strings.Contains(body, "checked") {
		t.Fatal("checkbox ticked while the setting is off")
	}
	// A forged form changes nothing.
	res, _ = admin.post("/settings/portal", url.Values{"organization_tickets": {"1"}, "csrf": {"forged"}})
	wantStatus(t, "forged csrf", res, http.StatusForbidden)
	// A too long welcome text is refused by field, and the checkbox is not saved either.
	res, body = admin.post("/settings/portal", url.Values{"organization_tickets": {"1"}, "welcome": {strings.Repeat("x", 501)}})
	wantStatus(t, "too long", res, http.StatusUnprocessableEntity)
	wantContains(t, "too long", body, "Nothing was saved", "At most 500 characters.", `id="portal-welcome"`)
	if v := setting(); v != "" {
		t.Fatalf("invalid form half-saved: %q", v)
	}

	// The admin turns it on, with a welcome text.
	res, body = admin.post("/settings/portal", url.Values{"organization_tickets": {"1"}, "welcome": {"  Open weekdays <b>9–17</b>.\r\n\r\n\r\nCall us any time.  "}})
	wantStatus(t, "save", res, http.StatusOK)
	if res.Request.URL.Path != "/settings/portal" {
		t.Fatalf("after save at %s", res.Request.URL.Path)
	}
	wantContains(t, "save", body, "Portal settings saved.", `name="organization_tickets" value="1" checked`)
	if v := setting(); v != "true" {
		t.Fatalf("setting %q after turning it on", v)
	}

	// Kim now sees and opens Lee's ticket, but not another company's.
	res, body = kim.get("/help/tickets")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Acme printer is down") || strings.Contains(body, "Other company matter") {
		t.Fatalf("organization tickets: %s", body)
	}
	res, body = kim.get(leePath)
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "It jams.") {
		t.Fatalf("colleague's ticket: %s", body)
	}
	// The welcome text is on the help home page, escaped, with its line breaks.
	res, body = kim.get("/help")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "Open weekdays &lt;b&gt;9–17&lt;/b&gt;.<br><br>Call us any time.") || strings.Contains(body, "<b>9") {
		t.Fatalf("welcome text not shown escaped: %s", body)
	}

	// Turned off again (the unticked box is not sent): 404 once more.
	admin.get("/settings/portal")
	res, body = admin.post("/settings/portal", url.Values{"welcome": {""}})
	wantStatus(t, "turn off", res, http.StatusOK)
	if v := setting(); v != "false" {
		t.Fatalf("setting %q after turning it off", v)
	}
	res, body = kim.get(leePath)
	mustStatus(t, res, body, 404)
	res, body = kim.get("/help/tickets")
	mustStatus(t, res, body, 200)
	if strings.Contains(body, "Acme printer is down") {
		t.Fatal("colleague's ticket still listed after turning the setting off")
	}
	res, body = kim.get("/help")
	mustStatus(t, res, body, 200)
	if strings.Contains(body, `id="portal-welcome"`) {
		t.Fatal("empty welcome text still shown")
	}
}
