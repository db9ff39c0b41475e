package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
)

// Agent-side knowledge base and call reports: the REST API, the editor, and
// turning a ticket's answer into an article.

func TestAPIReportCall(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	call := func(body map[string]any, status int) callReportOut {
		t.Helper()
		resp, out := e.api.request("POST", "/api/v1/calls", body, nil)
		if resp.StatusCode != status {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, out)
		}
		checkAgainstDoc(t, "POST", "/api/v1/calls", status, out)
		return decode[callReportOut](t, out)
	}
	first := call(map[string]any{"from": "+44 20 7946 0000", "to": "+15559990000", "direction": "inbound", "duration": 65,
		"recording_url": "https://rec.example.com/1.mp3"}, 201)
	if !first.NewTicket || first.Ticket.Channel != domain.ChannelPhone {
		t.Fatalf("first call %+v", first)
	}
	// An outbound call to the same customer (in another format) joins the open ticket.
	second := call(map[string]any{"from": "+15559990000", "to": "+442079460000", "direction": "outbound", "duration": 30, "notes": "Called back"}, 200)
	if second.NewTicket || second.TicketID != first.TicketID {
		t.Fatalf("second call %+v", second)
	}
	tl, _ := e.db.Timeline(ctx, first.TicketID)
	if len(tl) < 2 || tl[0].Call == nil || tl[0].Call.RecordingURL != "https://rec.example.com/1.mp3" || tl[1].Body != "Called back" || tl[1].Call.Direction != domain.Outbound {
		t.Fatalf("timeline %+v", tl)
	}
	// Once the ticket is solved, the next call opens a new one.
	solved := domain.StatusSolved
	if _, err := e.db.UpdateTicket(ctx, first.TicketID, domain.TicketUpdate{Status: &solved}, domain.System); err != nil {
		t.Fatal(err)
	}
	third := call(map[string]any{"from": "+442079460000", "to": "+15559990000", "direction": "inbound"}, 201)
	if !third.NewTicket || third.TicketID == first.TicketID || third.Ticket.RequesterID != first.Ticket.RequesterID {
		t.Fatalf("third call %+v", third)
	}
	// Bad input is named field by field.
	resp, out := e.api.request("POST", "/api/v1/calls", map[string]any{"from": "nope", "to": "", "direction": "sideways"}, nil)
	if resp.StatusCode != 422 || !strings.Contains(string(out), `"from"`) || !strings.Contains(string(out), `"direction"`) {
		t.Fatalf("bad call: %d %s", resp.StatusCode, out)
	}
}

func TestTicketToArticleAndEditor(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	tk, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "How do I export my data?", Body: "Need a CSV", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "kim@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Body: "Open **Settings → Export** and choose CSV.", Actor: domain.Actor{UserID: e.agent.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryNote, Body: "internal only", Actor: domain.Actor{UserID: e.agent.ID}}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn("agent@example.com")
	// The ticket page offers the button (the ticket has an agent reply) and
	// the article picker in the reply composer; the nav leads to the KB.
	res, body := b.get("/tickets/" + strconv.FormatInt(tk.ID, 10))
	mustStatus(t, res, body, 200)
	for _, want := range []string{`action="/tickets/` + strconv.FormatInt(tk.ID, 10) + `/to-article"`, `id="ticket-to-article"`,
		`<button class="btn btn-sm" type="button" id="insert-article" data-article-picker="#reply-body">Insert article</button>`,
		`/static/kb_picker.js`, `<a href="/kb/articles"  id="nav-kb">`} {
		if !strings.Contains(body, want) {
			t.Errorf("ticket page lacks %s", want)
		}
	}
	res, body = b.get("/kb/articles")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, `<a href="/kb/articles" aria-current="page" id="nav-kb">`) {
		t.Errorf("KB page does not mark its nav link current")
	}
	res, body = b.post("/tickets/"+strconv.FormatInt(tk.ID, 10)+"/to-article", url.Values{})
	mustStatus(t, res, body, 200)
	if !regexp.MustCompile(`^/kb/articles/\d+/edit$`).MatchString(res.Request.URL.Path) {
		t.Fatalf("landed on %s", res.Request.URL.Path)
	}
	arts, _ := e.db.Articles(ctx, domain.ArticleFilter{})
	if len(arts) != 1 || arts[0].Title != "How do I export my data?" || arts[0].Body != "Open **Settings → Export** and choose CSV." ||
		arts[0].Status != domain.ArticleDraft || arts[0].SourceTicketID == nil || *arts[0].SourceTicketID != tk.ID {
		t.Fatalf("draft %+v", arts)
	}
	if !strings.Contains(body, "<strong>Settings → Export</strong>") {
		t.Errorf("editor preview: %s", body)
	}
	// Preview renders (sanitized) without saving.
	editPath := "/kb/articles/" + strconv.FormatInt(arts[0].ID, 10) + "/edit"
	res, body = b.post(editPath, url.Values{"title": {"Changed"}, "body": {"# Hi\n\n<script>alert(1)</script>"}, "action": {"preview"}})
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, `<h1 id="hi">Hi</h1>`) || strings.Contains(body, "<script>alert") {
		t.Errorf("preview: %s", body)
	}
	if a, _ := e.db.Article(ctx, arts[0].ID); a.Title != "How do I export my data?" {
		t.Fatalf("preview saved: %+v", a)
	}
	res, body = b.get("/kb/articles?q=exporting")
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, "<mark>export</mark>") && !strings.Contains(body, "<mark>Export</mark>") {
		t.Errorf("agent search: %s", body)
	}
	// Not public until published from the editor.
	c := e.browser()
	res, _ = c.get("/help/articles/" + arts[0].Slug)
	if res.StatusCode != 404 {
		t.Fatalf("draft public: %d", res.StatusCode)
	}
	res, body = b.post(res.Request.URL.Path[:0]+"/kb/articles/"+strconv.FormatInt(arts[0].ID, 10)+"/edit", url.Values{
		"title": {"Export your data"}, "slug": {""}, "body": {arts[0].Body + "\n\nIt takes a minute."}, "tags": {"export, data"}, "action": {"publish"}})
	mustStatus(t, res, body, 200)
	a, _ := e.db.Article(ctx, arts[0].ID)
	if !a.Published() || a.Slug != "export-your-data" || strings.Join(a.Tags, ",") != "export,data" {
		t.Fatalf("published %+v", a)
	}
	res, body = c.get("/help/articles/export-your-data")
	mustStatus(t, res, body, 200)
	// A ticket without an agent reply cannot become an article.
	bare, _ := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Hello", Body: "Hi", Requester: domain.Requester{Email: "x@example.com"}})
	if res, body = b.get("/tickets/" + strconv.FormatInt(bare.ID, 10)); strings.Contains(body, `id="ticket-to-article"`) {
		t.Errorf("a ticket without an agent reply offers to become an article")
	}
	res, body = b.post("/tickets/"+strconv.FormatInt(bare.ID, 10)+"/to-article", url.Values{})
	mustStatus(t, res, body, 422)
}

func TestAPIArticles(t *testing.T) {
	e := newAPIEnv(t)
	created := decode[domain.Article](t, e.call("POST", "/api/v1/articles", map[string]any{
		"title": "Shipping times", "body": "Orders ship in **2 days**.", "tags": []string{"Shipping"}}, 201))
	if created.Slug != "shipping-times" || created.Status != domain.ArticleDraft || created.AuthorID == nil {
		t.Fatalf("created %+v", created)
	}
	e.call("POST", "/api/v1/articles", map[string]any{"title": "Other", "slug": "shipping-times"}, 409)
	e.call("POST", "/api/v1/articles", map[string]any{"body": "no title"}, 422)
	id := strconv.FormatInt(created.ID, 10)
	patched := decode[domain.Article](t, e.call("PATCH", "/api/v1/articles/"+id, map[string]any{"status": "published", "body": "Orders ship in 1 day."}, 200))
	if !patched.Published() || patched.PublishedAt == nil || patched.Body != "Orders ship in 1 day." {
		t.Fatalf("patched %+v", patched)
	}
	revs := decode[revisionList](t, e.call("GET", "/api/v1/articles/"+id+"/revisions", nil, 200))
	if len(revs.Revisions) != 2 {
		t.Fatalf("revisions %+v", revs)
	}
	hits := decode[articleHits](t, e.call("GET", "/api/v1/articles?q=shipped", nil, 200))
	if len(hits.Hits) != 1 || hits.Hits[0].Article.ID != created.ID {
		t.Fatalf("hits %+v", hits)
	}
	e.call("GET", "/api/v1/articles/999999", nil, 404)
	e.call("GET", "/api/v1/articles?status=weird", nil, 422)
	list := decode[articleList](t, e.call("GET", "/api/v1/articles?status=published", nil, 200))
	if len(list.Articles) != 1 {
		t.Fatalf("list %+v", list)
	}
	cat := decode[domain.Category](t, e.call("POST", "/api/v1/kb/categories", map[string]any{"name": "Shipping"}, 201))
	e.call("PATCH", "/api/v1/articles/"+id, map[string]any{"category_id": cat.ID}, 200)
	cats := decode[categoryList](t, e.call("GET", "/api/v1/kb/categories", nil, 200))
	if len(cats.Categories) != 1 || cats.Categories[0].Articles != 1 {
		t.Fatalf("categories %+v", cats)
	}
}
