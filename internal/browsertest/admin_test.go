package browsertest

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
)

// acceptConfirms makes window.confirm answer yes, as the user would click OK.
func (b *tab) acceptConfirms() { b.t.Helper(); js[bool](b, `(window.confirm = () => true, true)`) }

// TestAdminOnPhone: on a 375-px phone an admin invites an agent, the agent
// accepts the link and lands in the inbox; the admin deactivates them and
// their open session ends; branding recolours the workspace. Every settings
// page fits the screen.
func TestAdminOnPhone(t *testing.T) {
	e := newEnv(t)
	e.agent("boss@example.com", "Bea Boss", domain.RoleAdmin)

	admin := newTab(t, e.a().url, 375)
	admin.login("boss@example.com")
	admin.open("/settings/agents")
	admin.waitFor("the agents page", `document.getElementById('invite-form')`)
	admin.noHorizontalScroll("agents settings")
	admin.reachable("#invite-submit")
	admin.do(
		chromedp.SendKeys(chromedp.ID("invite-email"), "nina@example.com"),
		chromedp.SendKeys(chromedp.ID("invite-name"), "Nina New"),
		chromedp.Tap(chromedp.ID("invite-submit")),
	)
	admin.waitFor("the invitation link", `document.getElementById('invite-url')`)
	admin.noHorizontalScroll("agents settings with a link")
	admin.reachable("[data-copy=invite-url]")
	link := js[string](admin, `document.getElementById('invite-url').value`)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("invitation link %q: %v", link, err)
	}

	nina := newTab(t, e.a().url, 375)
	nina.open(u.Path)
	nina.waitFor("the invitation form", `document.getElementById('invite-accept-form')`)
	nina.noHorizontalScroll("invitation page")
	nina.do(
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password2"), password),
		chromedp.Tap(chromedp.ID("invite-submit")),
	)
	nina.waitFor("the inbox after joining", `location.pathname === '/' && document.getElementById('flash') && document.getElementById('flash').innerText.includes('Welcome, Nina New')`)

	// The admin deactivates Nina: her open page sends her to sign in.
	acct, _, err := e.a().db.UserByEmail(t.Context(), "nina@example.com")
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(acct.ID, 10)
	admin.open("/settings/agents")
	admin.waitFor("Nina in the list", `document.getElementById('deactivate-`+id+`')`)
	admin.acceptConfirms()
	admin.reachable("#deactivate-" + id)
	admin.do(chromedp.Tap(chromedp.ID("deactivate-" + id)))
	admin.waitFor("Nina deactivated", `document.getElementById('reactivate-`+id+`')`)
	nina.open("/")
	nina.waitFor("the login page", `location.pathname === '/login'`)

	// Branding recolours buttons and the phone's title bar.
	admin.open("/settings/branding")
	admin.waitFor("the branding form", `document.getElementById('branding-form')`)
	admin.noHorizontalScroll("branding settings")
	js[bool](admin, `(document.getElementById('brand-color').value = '', true)`)
	admin.do(chromedp.SendKeys(chromedp.ID("brand-color"), "#0f766e"))
	admin.reachable("#branding-submit")
	admin.do(chromedp.Tap(chromedp.ID("branding-submit")))
	admin.waitFor("the saved branding", `document.getElementById('flash') && document.querySelector('meta[name=theme-color]').content === '#0f766e'`)
	if bg := js[string](admin, `getComputedStyle(document.getElementById('branding-submit')).backgroundColor`); bg != "rgb(15, 118, 110)" {
		t.Errorf("primary button colour %s, want the brand colour rgb(15, 118, 110)", bg)
	}

	for _, p := range []string{"/settings/teams", "/settings/tokens"} {
		admin.open(p)
		admin.waitFor(p, `document.querySelector('.settings-body')`)
		admin.noHorizontalScroll(p)
	}
}

// TestContactMergeOnPhone: an agent finds a caller by part of the number,
// merges the phone contact into the email contact and sees both tickets.
func TestContactMergeOnPhone(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	byMail := e.ticket(domain.ChannelEmail, "Invoice is wrong", "Please fix my invoice.", "carla.diaz.with.a.long.address@shop-example-domain.com", "Carla Diaz")
	byPhone := e.ticket(domain.ChannelPhone, "Called about the invoice", "Customer called about the invoice.", "+1 555 010 7788", "")

	b := newTab(t, e.a().url, 375)
	b.login("maria@example.com")
	b.open("/contacts")
	b.waitFor("the contacts page", `document.getElementById('contact-search')`)
	b.do(chromedp.SendKeys(chromedp.ID("contact-q"), "010 77\n"))
	b.waitFor("the caller found", `document.querySelectorAll('#contact-list .contact-row').length === 1 && document.getElementById('contact-list').innerText.includes('15550107788')`)
	b.noHorizontalScroll("contact search")

	target := strconv.FormatInt(byMail.RequesterID, 10)
	b.open("/contacts/" + target)
	b.waitFor("the contact page", `document.getElementById('contact-tickets')`)
	b.noHorizontalScroll("contact page")
	b.reachable("#merge-link")
	b.do(chromedp.Tap(chromedp.ID("merge-link")))
	b.waitFor("the merge picker", `document.getElementById('merge-q')`)
	b.do(chromedp.SendKeys(chromedp.ID("merge-q"), "5550107788\n"))
	b.waitFor("a candidate", `document.querySelector('#merge-candidates a.btn')`)
	b.noHorizontalScroll("merge picker")
	b.do(chromedp.Tap(`#merge-candidates a.btn`))
	b.waitFor("the confirmation", `document.getElementById('merge-confirm') && document.getElementById('merge-moves').innerText.includes('1 ticket')`)
	b.noHorizontalScroll("merge confirmation")
	b.reachable("#merge-submit")
	b.do(chromedp.Tap(chromedp.ID("merge-submit")))
	b.waitFor("both tickets on one contact", `location.pathname === '/contacts/`+target+`' && document.querySelectorAll('#contact-tickets .ticket-line').length === 2`)
	tk, err := e.a().db.Ticket(t.Context(), byPhone.ID)
	if err != nil || tk.RequesterID != byMail.RequesterID {
		t.Fatalf("phone ticket not moved: %+v %v", tk, err)
	}
}
