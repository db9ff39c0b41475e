package server_test

import (
	. "andon/internal/http/server"
	"andon/internal/testutil"
	"io"
	"net/http"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/http/httpx"
)

// Admin API routes and the agent chat console are rate limited per user:
// past a (small, configured) limit they answer 429 with Retry-After.
func TestAdminAPIAndChatConsoleRateLimited(t *testing.T) {
	e := newAPIEnv(t, func(d *Deps) {
		d.Limits = map[httpx.Rate]httpx.Limit{
			httpx.RateAPIUser:   {PerMinute: 60, Burst: 3},
			httpx.RateAgentUser: {PerMinute: 60, Burst: 3},
		}
	})
	_, admin := e.newAgent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	for i := 0; i < 3; i++ {
		if resp, body := e.as(admin, "GET", "/api/v1/mailboxes", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.as(admin, "GET", "/api/v1/mailboxes", nil, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("4th admin request: %d %s", resp.StatusCode, body)
	}

	agent := newLiveAgent(t, e.db, e.url, "chat@example.com", "Chat Agent")
	for i := 0; i < 3; i++ {
		r := agent.do("GET", "/chat/status", "", false)
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("chat status %d: %d", i+1, r.StatusCode)
		}
	}
	r := agent.do("GET", "/chat/status", "", false)
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), `"code":"rate_limited"`) {
		t.Fatalf("4th chat status: %d %s", r.StatusCode, b)
	}
}

// Every route declares a rate-limit class; admin API routes and /chat/*
// take tokens from a per-user class.
func TestEveryRouteDeclaresItsRateClass(t *testing.T) {
	srv, err := newServer(t, Deps{DB: testutil.OpenDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range srv.Routes() {
		if rt.Rate == "" {
			t.Errorf("%s has no rate-limit class", rt.Pattern())
		}
		if (rt.Kind == httpx.API && rt.Access == httpx.Admin) || strings.HasPrefix(rt.Path, "/chat/") {
			if rt.Rate != httpx.RateAPIUser && rt.Rate != httpx.RateAgentUser {
				t.Errorf("%s is limited by %q, want a per-user class", rt.Pattern(), rt.Rate)
			}
		}
	}
}

// A fresh node shows, at zero, the counters the README's operations
// section names: tickets created by channel, background jobs by result, and
// mail by direction and outcome.
func TestMetricsExistFromStart(t *testing.T) {
	e := newAPIEnv(t)
	resp, body := e.scrape()
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`andon_tickets_created_total{channel="email"} 0`,
		`andon_tickets_created_total{channel="chat"} 0`,
		`andon_tickets_created_total{channel="portal"} 0`,
		`andon_tickets_created_total{channel="phone"} 0`,
		`andon_tickets_created_total{channel="api"} 0`,
		`andon_jobs_total{job="session_cleanup",result="ok"} 0`,
		`andon_jobs_total{job="problem_verification",result="error"} 0`,
		`andon_mail_messages_total{direction="in",outcome="received"} 0`,
		`andon_mail_messages_total{direction="out",outcome="sent"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("fresh /metrics lacks %s", want)
		}
	}
}
