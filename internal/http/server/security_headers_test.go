package server_test

import (
	. "andon/internal/http/server"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/testutil"
)

// pageCrawl visits Andon's pages the way a person clicking every link
// would, and checks each HTML answer carries the security headers and no
// inline script or style (which the CSP would block in a browser).
type pageCrawl struct {
	t       *testing.T
	seen    map[string]bool
	perPath map[string]int
	html    map[string]int // path (without query) → status, for HTML answers
}

// Links to follow: anchors, frames and stylesheets on this site.
var crawlLinkRe = regexp.MustCompile(`(?:href|src)="(/[^"]*)"`)

// crawlSkip are paths a crawl must not follow: event streams never end;
// static files, icons, the widget and the API are not pages.
func crawlSkip(p string) bool {
	for _, pre := range []string{"/events", "/chat/events", "/static/", "/icons/", "/widget", "/api/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

const crawlLimit = 400

func (c *pageCrawl) run(b *browser, start ...string) {
	c.t.Helper()
	queue := append([]string(nil), start...)
	for len(queue) > 0 && len(c.seen) < crawlLimit {
		p := queue[0]
		queue = queue[1:]
		path, _, _ := strings.Cut(p, "?")
		if c.seen[p] || crawlSkip(path) || c.perPath[path] >= 3 {
			continue
		}
		c.seen[p] = true
		c.perPath[path]++
		res, body := b.get(p)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		c.html[path] = res.StatusCode
		c.check(p, res.Header, body)
		for _, m := range crawlLinkRe.FindAllStringSubmatch(body, -1) {
			next := html.UnescapeString(m[1])
			if !strings.HasPrefix(next, "//") {
				queue = append(queue, next)
			}
		}
	}
}

var (
	crawlTagRe    = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	inlineAttrRe  = regexp.MustCompile(`(?i)\s(style|on[a-z]+)\s*=`)
	scriptOrStyle = regexp.MustCompile(`(?i)^<(script|style)\b`)
)

func (c *pageCrawl) check(p string, h http.Header, body string) {
	c.t.Helper()
	csp := h.Get("Content-Security-Policy")
	if strings.Contains(csp, "sandbox") { // message HTML: its own, stricter policy
		if !strings.Contains(csp, "default-src 'none'") {
			c.t.Errorf("%s: sandboxed answer with a loose policy %q", p, csp)
		}
		return
	}
	if csp != ContentSecurityPolicy {
		c.t.Errorf("%s: Content-Security-Policy = %q", p, csp)
	}
	for k, want := range map[string]string{"Cross-Origin-Opener-Policy": "same-origin", "X-Frame-Options": "SAMEORIGIN",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Permissions-Policy": PermissionsPolicy} {
		if got := h.Get(k); got != want {
			c.t.Errorf("%s: %s = %q, want %q", p, k, got, want)
		}
	}
	if v := h.Get("Strict-Transport-Security"); v != "" {
		c.t.Errorf("%s: HSTS %q on a site served over http", p, v)
	}
	for _, tag := range crawlTagRe.FindAllString(body, -1) {
		m := scriptOrStyle.FindStringSubmatch(tag)
		switch {
		case m != nil && strings.EqualFold(m[1], "style"):
			c.t.Errorf("%s: inline <style> the CSP blocks", p)
		case m != nil && !strings.Contains(tag, " src="):
			c.t.Errorf("%s: inline <script> the CSP blocks", p)
		case inlineAttrRe.MatchString(tag):
			c.t.Errorf("%s: inline style or handler the CSP blocks: %s", p, tag)
		}
	}
}

// TestEveryPageCarriesSecurityHeaders crawls the workspace as an admin, the
// portal as a signed-in customer and the public pages (sign-in, portal,
// survey, error pages) anonymously.
func TestEveryPageCarriesSecurityHeaders(t *testing.T) {
	db := testutil.OpenDB(t)
	surveys, err := reports.NewSurveys(db, "", "", "http://andon.test")
	if err != nil {
		t.Fatal(err)
	}
	srv, u := startServer(t, Deps{DB: db, Surveys: surveys})
	e := &portalEnv{adminEnv: adminEnvAt(t, db, u), srv: srv}
	ctx := context.Background()
	by := domain.Actor{UserID: e.admin.ID, Name: "Bea Boss"}

	e.customer("Kim", "kim@example.com")
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Heater trips", Body: "It trips the fuse",
		Requester: domain.Requester{Email: "kim@example.com", Name: "Kim"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	solved, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Refund", Body: "Please refund",
		Requester: domain.Requester{Email: "kim@example.com", Name: "Kim"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: solved.ID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: "Done", Actor: by, Status: domain.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProblem(ctx, domain.NewProblem{Title: "Heaters trip fuses", TicketIDs: []int64{tk.ID}}, by)
	if err != nil {
		t.Fatal(err)
	}
	art := e.publish("Resetting the fuse", "Open the panel and **reset** it.", "heater")
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	c := &pageCrawl{t: t, seen: map[string]bool{}, perPath: map[string]int{}, html: map[string]int{}}
	c.run(e.signedIn("boss@example.com"), "/", "/tickets/"+id(tk.ID), "/problems/"+id(p.ID), "/settings/branding",
		"/reports", "/search?q=heater", "/tickets/999999", "/no-such-page")
	c.run(e.signInCustomer("kim@example.com"), "/help", "/help/tickets", "/help/tickets/"+id(tk.ID), "/help/tickets/999999")
	token := surveys.Token(solved.ID)
	c.run(e.browser(), "/login", "/help", "/help/articles/"+art.Slug, "/survey/"+token+"?csat=5", "/survey/forged", "/nothing-here")

	for path, want := range map[string]int{
		"/": 200, "/tickets/" + id(tk.ID): 200, "/problems/" + id(p.ID): 200, "/settings/branding": 200, "/reports": 200,
		"/tickets/999999": 404, "/help": 200, "/help/tickets/" + id(tk.ID): 200,
		"/help/tickets/999999": 404, "/login": 200, "/help/articles/" + art.Slug: 200, "/survey/" + token: 200,
		"/survey/forged": 403,
	} {
		if got, ok := c.html[path]; !ok || got != want {
			t.Errorf("%s: HTML answer %d (seen %v), want %d", path, got, ok, want)
		}
	}
	t.Logf("crawled %d HTML pages", len(c.html))
	if len(c.html) < 30 {
		t.Errorf("the crawl reached only %d pages: %v", len(c.html), c.html)
	}
	// Unknown paths (the mux's plain-text 404) carry the policy too.
	if res, _ := e.browser().get("/nothing-here"); res.StatusCode != 404 || res.Header.Get("Content-Security-Policy") != ContentSecurityPolicy {
		t.Errorf("/nothing-here: %d, CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	// The widget's endpoints stay usable from customers' sites.
	res, _ := e.browser().get("/widget/config")
	if res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Content-Security-Policy") != "" ||
		res.Header.Get("Cross-Origin-Opener-Policy") != "" || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("/widget/config headers: %v", res.Header)
	}
	// The address confirmation page the widget mails a link to is Andon's own page.
	if res, _ := e.browser().get("/widget/confirm/unknown-token"); res.Header.Get("Content-Security-Policy") != ContentSecurityPolicy ||
		res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("/widget/confirm/…: %d, headers %v", res.StatusCode, res.Header)
	}
	// The brand colour stylesheet pages link holds the colour, and only ever a colour.
	if res, body := e.browser().get("/brand.css?c=%23FF5500"); res.StatusCode != 200 || body != ":root{--brand: #ff5500;}\n" ||
		res.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("/brand.css: %d %q", res.StatusCode, body)
	}
	res, body := e.browser().get("/brand.css?c=" + url.QueryEscape("red;} body{display:none"))
	if res.StatusCode != 200 || body != ":root{--brand: "+domain.DefaultBrandColor+";}\n" {
		t.Errorf("/brand.css with a bad colour: %d %q", res.StatusCode, body)
	}
}

// TestHSTSOnlyOverHTTPS: browsers are told to keep to https only when the
// site's configured address is https.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	for _, c := range []struct {
		base string
		want string
	}{{"https://help.example.com", "max-age=31536000"}, {"http://andon.test", ""}} {
		db := testutil.OpenDB(t)
		_, u := startServer(t, Deps{DB: db, Config: &config.Config{BaseURL: c.base}})
		for _, p := range []string{"/login", "/help", "/healthz"} {
			res, err := http.Get(u + p)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Strict-Transport-Security"); got != c.want {
				t.Errorf("base %s, %s: HSTS %q, want %q", c.base, p, got, c.want)
			}
		}
	}
}
