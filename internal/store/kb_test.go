package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func ptr[T any](v T) *T { return &v }

// kbFixture is a fixed set of articles whose words overlap on purpose.
func kbFixture(t *testing.T, db *store.DB) map[string]*domain.Article {
	t.Helper()
	ctx := context.Background()
	cat, err := db.CreateCategory(ctx, "Account & billing", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	arts := []struct{ title, body, tags string }{
		{"Reset your password", "If you forgot your password, open **Sign in** and choose *Forgot password*. We email you a reset link.", "login account"},
		{"Change the delivery address of an order", "Orders can be redirected until they are shipped. Open the order and change the delivery address.", "shipping"},
		{"Printer setup", "Connect the printers to the same network. Configuring a printer takes two minutes; the printers then show up in the app.", "hardware"},
		{"Refunds and returns", "We refund returned items within 14 days. A refund goes back to the card you paid with.", "billing"},
		{"Invoices", "Download every invoice from the billing page. Invoices are PDF files; refunds appear as credit notes.", "billing"},
	}
	out := map[string]*domain.Article{}
	for _, a := range arts {
		tags := strings.Fields(a.tags)
		art, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{
			Title: ptr(a.title), Body: ptr(a.body), Tags: &tags, CategoryID: &cat.ID, Status: ptr(domain.ArticlePublished)}})
		if err != nil {
			t.Fatal(err)
		}
		out[a.title] = art
	}
	return out
}

func TestSearchArticlesRanksWordForms(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	arts := kbFixture(t, db)
	draft, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{
		Title: ptr("Passwords policy (internal)"), Body: ptr("Secret password rules")}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ q, want string }{
		{"passwords", "Reset your password"},                   // plural of a title word
		{"how do I reset my password?", "Reset your password"}, // a whole question
		{"printer", "Printer setup"},                           // singular of "printers"
		{"configure printers", "Printer setup"},                // "configuring" and "printers"
		{"refunded", "Refunds and returns"},                    // another word form
		{"invoice", "Invoices"},                                // title beats a body mention
		{"changing delivery addresses", "Change the delivery address of an order"},
	}
	for _, c := range cases {
		hits, err := db.SearchArticles(ctx, c.q, true, 10)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if len(hits) == 0 {
			t.Fatalf("%q found nothing", c.q)
		}
		if got := hits[0].Article.Title; got != c.want {
			t.Errorf("%q: first hit %q, want %q", c.q, got, c.want)
		}
		for _, h := range hits {
			if h.Article.ID == draft.ID {
				t.Errorf("%q: draft article found by a public search", c.q)
			}
		}
	}
	hits, err := db.SearchArticles(ctx, "printers", true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hits[0].Snippet, "<mark>printers</mark>") || !strings.Contains(hits[0].Title, "<mark>Printer</mark>") {
		t.Errorf("snippet not highlighted: title %q snippet %q", hits[0].Title, hits[0].Snippet)
	}
	if hits, _ := db.SearchArticles(ctx, "<script>alert(1)</script> password", true, 10); len(hits) == 0 || strings.Contains(hits[0].Snippet, "<script") {
		t.Errorf("markup in a query: %+v", hits)
	}
	// Agents find drafts too.
	hits, err = db.SearchArticles(ctx, "policy", false, 10)
	if err != nil || len(hits) != 1 || hits[0].Article.ID != draft.ID {
		t.Fatalf("agent search for a draft: %+v %v", hits, err)
	}
	if hits, err := db.SearchArticles(ctx, "zebra", true, 10); err != nil || len(hits) != 0 {
		t.Fatalf("nonsense found %+v %v", hits, err)
	}
	_ = arts
}

func TestArticleRevisionsVotesViewsDeflections(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	arts := kbFixture(t, db)
	a := arts["Invoices"]
	if a.Slug != "invoices" || a.PublishedAt == nil {
		t.Fatalf("article %+v", a)
	}
	// Same title again: the slug gets a suffix; a chosen taken slug is a conflict.
	b, err := db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{Title: ptr("Invoices")}})
	if err != nil || b.Slug != "invoices-2" || b.Status != domain.ArticleDraft || b.PublishedAt != nil {
		t.Fatalf("second article %+v %v", b, err)
	}
	if _, err := db.UpdateArticle(ctx, b.ID, domain.ArticleInput{Slug: ptr("invoices")}, 0); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("taken slug: %v", err)
	}
	if _, err := db.UpdateArticle(ctx, a.ID, domain.ArticleInput{Body: ptr("New text about invoices")}, 0); err != nil {
		t.Fatal(err)
	}
	revs, err := db.ArticleRevisions(ctx, a.ID)
	if err != nil || len(revs) != 2 || revs[0].Body != "New text about invoices" {
		t.Fatalf("revisions %+v %v", revs, err)
	}
	// The old body no longer matches; the new one does.
	if hits, _ := db.SearchArticles(ctx, "credit notes", true, 10); len(hits) != 0 {
		t.Fatalf("stale index: %+v", hits)
	}
	for i := 0; i < 3; i++ {
		if err := db.RecordView(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordVote(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordVote(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordVote(ctx, b.ID, true); !domain.IsNotFound(err) {
		t.Fatalf("vote on a draft: %v", err)
	}
	got, _ := db.Article(ctx, a.ID)
	if got.Views != 3 || got.HelpfulYes != 1 || got.HelpfulNo != 1 {
		t.Fatalf("counters %+v", got)
	}
	if _, err := db.PublishedArticle(ctx, b.Slug); !domain.IsNotFound(err) {
		t.Fatalf("draft by slug: %v", err)
	}
	// Searches that found nothing are reported.
	_ = db.LogSearch(ctx, "Warranty claim", 0, domain.SearchPortal)
	_ = db.LogSearch(ctx, "warranty  claim", 0, domain.SearchPortal)
	_ = db.LogSearch(ctx, "invoice", 2, domain.SearchPortal)
	_ = db.LogSearch(ctx, "warr", 0, domain.SearchSuggest)
	empty, err := db.EmptySearches(ctx, time.Now().Add(-time.Hour), 10, domain.SearchPortal)
	if err != nil || len(empty) != 1 || empty[0].Query != "warranty claim" || empty[0].Count != 2 {
		t.Fatalf("empty searches %+v %v", empty, err)
	}
	// Two visitors open an article from the ticket form; one submits anyway.
	_ = db.RecordDeflection(ctx, a.ID, "v1", "invoice")
	_ = db.RecordDeflection(ctx, a.ID, "v1", "invoice") // same visit, counted once
	_ = db.RecordDeflection(ctx, a.ID, "v2", "invoice")
	if _, err := db.CreatePortalTicket(ctx, domain.NewTicket{Subject: "Invoice", Body: "Still missing",
		Requester: domain.Requester{Email: "v2@example.com"}}, nil, "v2"); err != nil {
		t.Fatal(err)
	}
	opened, deflected, err := db.DeflectionStats(ctx, time.Now().Add(-time.Hour))
	if err != nil || opened != 2 || deflected != 1 {
		t.Fatalf("deflections opened=%d deflected=%d %v", opened, deflected, err)
	}
}

func TestCustomerSeesOrganizationTicketsOnlyWhenAllowed(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	mk := func(name, email, org string) *domain.Contact {
		c, err := db.CreateContact(ctx, store.NewContact{Name: name, Organization: org, Identities: []domain.Identity{{Kind: domain.IdentityEmail, Value: email}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ann, bob, eve := mk("Ann", "ann@acme.test", "Acme"), mk("Bob", "bob@acme.test", "Acme"), mk("Eve", "eve@other.test", "Other")
	open := func(c *domain.Contact, subject string) *domain.Ticket {
		tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: subject, Body: "x", RequesterID: c.ID, Channel: domain.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	open(ann, "Ann's")
	open(eve, "Eve's")
	bobs := open(bob, "Bob's")
	titles := func(c *domain.Contact) string {
		page, err := db.CustomerTickets(ctx, c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, tk := range page.Tickets {
			s = append(s, tk.Subject)
		}
		return strings.Join(s, ",")
	}
	if got := titles(ann); got != "Ann's" {
		t.Fatalf("without sharing Ann sees %q", got)
	}
	if _, _, err := db.CustomerTicket(ctx, ann.ID, bobs.ID); !domain.IsNotFound(err) {
		t.Fatalf("without sharing: %v", err)
	}
	if err := db.SetSettings(ctx, map[string]string{store.SettingPortalOrgTickets: "true"}); err != nil {
		t.Fatal(err)
	}
	if got := titles(ann); got != "Bob's,Ann's" {
		t.Fatalf("with sharing Ann sees %q", got)
	}
	if _, _, err := db.CustomerTicket(ctx, ann.ID, bobs.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CustomerReply(ctx, ann, bobs.ID, "I can confirm", nil); err != nil {
		t.Fatal(err)
	}
	if got := titles(eve); got != "Eve's" {
		t.Fatalf("another organization sees %q", got)
	}
	if _, err := db.CustomerReply(ctx, eve, bobs.ID, "hi", nil); !domain.IsNotFound(err) {
		t.Fatalf("another organization replied: %v", err)
	}
}
