package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// Tickets created by any channel count once on /metrics, labelled by channel:
// email arriving through the inbound API, and a duplicate of it not at all.
func TestMetricsCountTicketsFromEveryChannel(t *testing.T) {
	e, admin := newMailEnv(t)
	rfc := map[string]string{"Content-Type": "message/rfc822"}
	raw := "From: Ann <ann@example.com>\r\nTo: help@example.org\r\nSubject: Broken widget\r\nMessage-ID: <metrics-1@example.com>\r\n\r\nIt broke.\r\n"
	for range 2 { // the second is a duplicate: no new ticket
		if resp, body := e.as(admin, "POST", "/api/v1/inbound/email", raw, rfc); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("inbound: %d %s", resp.StatusCode, body)
		}
	}
	e.call("POST", "/api/v1/tickets", map[string]any{"subject": "Via API", "body": "Hello", "requester": map[string]any{"email": "bob@example.com"}}, 201)
	resp, body := e.scrape()
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{`andon_tickets_created_total{channel="email"} 1`, `andon_tickets_created_total{channel="api"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(string(body), "andon_tickets_created_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
