package server_test

import (
	"andon/internal/http/httpx"
	. "andon/internal/http/server"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// createViaAPI opens a ticket through the API and returns it.
func createViaAPI(e *apiEnv, body map[string]any) domain.Ticket {
	e.t.Helper()
	return decode[domain.Ticket](e.t, e.call("POST", "/api/v1/tickets", body, 201))
}

// Paging through the API visits every ticket exactly once, in order, for
// each sort, also when several statuses are merged.
func TestAPIKeysetPaging(t *testing.T) {
	e := newAPIEnv(t)
	// Distinct, known update times so the orders are well defined.
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	step := 0
	e.db.SetClock(func() time.Time { step++; return base.Add(time.Duration(step) * time.Minute) })
	statuses := []string{"new", "open", "pending", "solved"}
	want := map[int64]bool{}
	for i := 0; i < 11; i++ {
		tk := createViaAPI(e, map[string]any{"subject": fmt.Sprintf("Ticket %d", i), "body": "Body", "status": statuses[i%4],
			"priority": []string{"low", "normal", "high", "urgent"}[i%4], "requester": map[string]any{"email": fmt.Sprintf("p%d@example.com", i%3)}})
		want[tk.ID] = true
	}
	for _, tc := range []struct{ query, sort string }{
		{"", "updated"}, {"", "newest"}, {"", "oldest"}, {"", "priority"},
		{"status=new,open,solved", "updated"}, {"status=pending,new", "priority"},
	} {
		t.Run(tc.query+" "+tc.sort, func(t *testing.T) {
			var got []domain.Ticket
			cursor, pages := "", 0
			for {
				q := url.Values{"limit": {"3"}, "sort": {tc.sort}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				path := "/api/v1/tickets?" + q.Encode()
				if tc.query != "" {
					path += "&" + tc.query
				}
				page := decode[domain.TicketPage](t, e.call("GET", path, nil, 200))
				if len(page.Tickets) > 3 {
					t.Fatalf("page of %d", len(page.Tickets))
				}
				got = append(got, derefTickets(page.Tickets)...)
				pages++
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
				if pages > 10 {
					t.Fatal("paging does not end")
				}
			}
			seen := map[int64]bool{}
			for i, tk := range got {
				if seen[tk.ID] {
					t.Fatalf("ticket %d twice", tk.ID)
				}
				seen[tk.ID] = true
				if tc.query != "" && !strings.Contains(tc.query, string(tk.Status)) {
					t.Fatalf("status %s not asked for", tk.Status)
				}
				if i > 0 && !inOrder(tc.sort, got[i-1], tk) {
					t.Fatalf("%s order broken between %d and %d", tc.sort, got[i-1].ID, tk.ID)
				}
			}
			n := 0
			for id := range want {
				tk, _ := e.db.Ticket(context.Background(), id)
				if tc.query == "" || strings.Contains(tc.query, string(tk.Status)) {
					n++
					if !seen[id] {
						t.Fatalf("ticket %d never listed", id)
					}
				}
			}
			if len(got) != n {
				t.Fatalf("listed %d tickets, want %d", len(got), n)
			}
		})
	}
	// A cursor belongs to its sort order.
	page := decode[domain.TicketPage](t, e.call("GET", "/api/v1/tickets?limit=2&sort=newest", nil, 200))
	e.call("GET", "/api/v1/tickets?sort=oldest&cursor="+url.QueryEscape(page.NextCursor), nil, 422)
}

func derefTickets(ts []*domain.Ticket) []domain.Ticket {
	out := make([]domain.Ticket, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out
}

func inOrder(sort string, a, b domain.Ticket) bool {
	switch sort {
	case "newest":
		return a.ID > b.ID
	case "oldest":
		return a.ID < b.ID
	case "priority":
		if a.Priority.Rank() != b.Priority.Rank() {
			return a.Priority.Rank() > b.Priority.Rank()
		}
	}
	return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
}

// Merging two contacts moves the source's tickets and addresses to the
// target; the source is gone.
func TestAPIMergeMovesTickets(t *testing.T) {
	e := newAPIEnv(t)
	email := createViaAPI(e, map[string]any{"subject": "Email ticket", "body": "By email", "channel": "email",
		"requester": map[string]any{"email": "gus@example.com", "name": "Gus"}})
	phone := createViaAPI(e, map[string]any{"subject": "Phone ticket", "body": "By phone", "channel": "phone",
		"requester": map[string]any{"phone": "+49 30 1234567"}})
	if email.RequesterID == phone.RequesterID {
		t.Fatal("different identities made one contact")
	}
	out := e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/merge", email.RequesterID), map[string]any{"source_id": phone.RequesterID}, 200)
	merged := decode[contactOut](t, out)
	if merged.ID != email.RequesterID || merged.Name != "Gus" || merged.Email() != "gus@example.com" || merged.Phone() != "+49301234567" {
		t.Fatalf("merged contact %s", out)
	}
	if len(merged.Tickets) != 2 || merged.Tickets[0].ID != phone.ID || merged.Tickets[1].ID != email.ID {
		t.Fatalf("merged contact's tickets: %s", out)
	}
	got := decode[domain.Ticket](t, e.call("GET", fmt.Sprintf("/api/v1/tickets/%d", phone.ID), nil, 200))
	if got.RequesterID != email.RequesterID || got.Timeline[0].AuthorContactID == nil || *got.Timeline[0].AuthorContactID != email.RequesterID {
		t.Fatalf("phone ticket still points at the old contact: requester %d", got.RequesterID)
	}
	e.call("GET", fmt.Sprintf("/api/v1/contacts/%d", phone.RequesterID), nil, 404)
	// The next call from that number lands on the merged contact.
	again := createViaAPI(e, map[string]any{"subject": "Again", "body": "Calling again", "channel": "phone", "requester": map[string]any{"phone": "+493012345 67"}})
	if again.RequesterID != email.RequesterID {
		t.Fatalf("new ticket went to contact %d", again.RequesterID)
	}
	list := decode[domain.TicketPage](t, e.call("GET", fmt.Sprintf("/api/v1/tickets?requester=%d&sort=oldest", email.RequesterID), nil, 200))
	if len(list.Tickets) != 3 {
		t.Fatalf("requester filter: %d tickets", len(list.Tickets))
	}
}

// Search finds words in subjects and messages, ranks, and marks the match in
// an HTML-safe snippet.
func TestAPISearchSnippet(t *testing.T) {
	e := newAPIEnv(t)
	createViaAPI(e, map[string]any{"subject": "Fridge noise", "body": "The <b>compressor</b> of my refrigerator rattles at night. <script>alert(1)</script>",
		"requester": map[string]any{"email": "hal@example.com"}})
	other := createViaAPI(e, map[string]any{"subject": "Login fails", "body": "Password reset mail never arrives",
		"requester": map[string]any{"email": "ida@example.com"}})
	e.call("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", other.ID), map[string]any{"body": "Is the compressor related? Just kidding.", "internal": true}, 201)

	res := decode[searchOut](t, e.call("GET", "/api/v1/search?q=compressor", nil, 200))
	if len(res.Hits) != 2 {
		t.Fatalf("%d hits", len(res.Hits))
	}
	var fridge *store.SearchHit
	for i, h := range res.Hits {
		if h.Ticket.Subject == "Fridge noise" {
			fridge = &res.Hits[i]
		}
	}
	if fridge == nil || fridge.Field != "body" || !strings.Contains(fridge.Snippet, "<mark>compressor</mark>") {
		t.Fatalf("fridge hit %+v", res.Hits)
	}
	// The customer's markup never reaches the page as HTML: SQLite escapes
	// it, PostgreSQL's headline drops tags.
	if plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fridge.Snippet); strings.ContainsAny(plain, "<>") {
		t.Fatalf("snippet carries raw HTML: %q", fridge.Snippet)
	}
	// A subject match ranks first.
	res = decode[searchOut](t, e.call("GET", "/api/v1/search?q=fridge", nil, 200))
	if len(res.Hits) != 1 || res.Hits[0].Field != "subject" || !strings.Contains(res.Hits[0].Snippet, "<mark>Fridge</mark>") {
		t.Fatalf("subject hit %+v", res.Hits)
	}
	res = decode[searchOut](t, e.call("GET", "/api/v1/search?q=zebra", nil, 200))
	if len(res.Hits) != 0 {
		t.Fatalf("zebra found %+v", res.Hits)
	}
	// Metrics count tickets created through the API.
	resp, body := e.scrape()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `andon_tickets_created_total{channel="api"} 2`) {
		t.Fatalf("metrics lack the created tickets")
	}
}

// A runaway client gets 429 with Retry-After, per user.
func TestAPIRateLimit(t *testing.T) {
	e := newAPIEnv(t, func(d *Deps) { d.Limits = map[httpx.Rate]httpx.Limit{httpx.RateAPIUser: {PerMinute: 60, Burst: 3}} })
	for i := 0; i < 3; i++ {
		e.call("GET", "/api/v1/me", nil, 200)
	}
	resp, body := e.request("GET", "/api/v1/me", nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"rate_limited"`) {
		t.Fatalf("4th request: %d %s", resp.StatusCode, body)
	}
	checkAgainstDoc(t, "GET", "/api/v1/me", 429, body)
	// Another agent has their own budget.
	_, tok := e.newAgent("other@example.com", "Other", domain.RoleAgent)
	resp, _ = e.request("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + tok})
	if resp.StatusCode != 200 {
		t.Fatalf("other agent limited too: %d", resp.StatusCode)
	}
}
