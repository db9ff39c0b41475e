package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// demoArticles are the demo knowledge base: answers to the questions the
// demo customers ask most, so the portal and its suggestions have content.
var demoArticles = []struct{ category, title, body, tags string }{
	{"Orders & delivery", "Track your parcel", "Every shipping email has a **tracking link**. Parcels usually arrive in 2–4 working days.\n\nIf the tracking has not moved for 3 days, [contact us](/help/new) with your order number.", "delivery tracking"},
	{"Orders & delivery", "Change the delivery address of an order", "You can change the address until the order ships:\n\n1. Open *My orders*.\n2. Choose the order and **Change address**.\n\nOnce shipped, the carrier can redirect the parcel from the tracking page.", "delivery address"},
	{"Billing & refunds", "Refunds and returns", "Return items within **30 days**. We refund to the card you paid with within 5 working days of receiving the return.", "refund returns billing"},
	{"Billing & refunds", "Download your invoices", "Every invoice is a PDF under *Account → Invoices*. Refunds appear as credit notes.", "invoice billing"},
	{"Account", "Reset your password", "On the sign-in page choose **Forgot password**. We email you a link that works for 30 minutes.\n\nNo email? Check your spam folder, then [contact us](/help/new).", "login password account"},
	{"Account", "Set up two-step sign-in", "Under *Account → Security* choose **Two-step sign-in** and scan the code with an authenticator app.", "login security account"},
}

// knowledgeBase publishes the demo articles in their categories.
func (p *player) knowledgeBase(ctx context.Context) error {
	cats := map[string]int64{}
	published := domain.ArticlePublished
	for _, a := range demoArticles {
		if _, ok := cats[a.category]; !ok {
			c, err := p.db.CreateCategory(ctx, a.category, "", len(cats)+1)
			if err != nil {
				return err
			}
			cats[a.category] = c.ID
		}
		a := a
		cid := cats[a.category]
		tags := strings.Fields(a.tags)
		if _, err := p.db.CreateArticle(ctx, store.NewArticle{ArticleInput: domain.ArticleInput{
			Title: &a.title, Body: &a.body, Tags: &tags, CategoryID: &cid, Status: &published}}); err != nil {
			return err
		}
	}
	return nil
}

// kbSearches are what the demo customers type into the help centre; some
// find nothing: the articles to write next.
var kbSearches = []struct {
	q string
	w int
}{
	{"track parcel", 9}, {"where is my order", 6}, {"refund", 7}, {"invoice", 4}, {"reset password", 5},
	{"change delivery address", 3}, {"two-step sign-in", 1}, {"returns", 3},
	{"cancel subscription", 4}, {"warranty extension", 3}, {"descaling", 3}, {"spare parts price", 2}, {"gift wrapping", 1},
}

// kbActivity plays two months of help-centre use: searches (some with no
// result), article views, "did this help?" votes and deflections.
func (p *player) kbActivity(ctx context.Context) error {
	total := 0
	for _, s := range kbSearches {
		total += s.w
	}
	visitor := 0
	for d := 60; d >= 1; d-- {
		n := 2 + p.lr.IntN(6)
		for i := 0; i < n; i++ {
			p.clock.Set(p.now.Add(-time.Duration(d)*24*time.Hour + time.Duration(p.lr.IntN(20*60))*time.Minute))
			k := p.lr.IntN(total)
			q := kbSearches[0].q
			for _, s := range kbSearches {
				if k < s.w {
					q = s.q
					break
				}
				k -= s.w
			}
			hits, err := p.db.SearchArticles(ctx, q, true, 10)
			if err != nil {
				return err
			}
			source := domain.SearchPortal
			if p.lr.IntN(100) < 30 {
				source = domain.SearchSuggest
			}
			if err := p.db.LogSearch(ctx, q, len(hits), source); err != nil {
				return err
			}
			if len(hits) == 0 || p.lr.IntN(100) >= 75 {
				continue
			}
			a := hits[0].Article.ID
			if err := p.db.RecordView(ctx, a); err != nil {
				return err
			}
			if source == domain.SearchSuggest && p.lr.IntN(100) < 60 {
				// Opened from the ticket form and never sent the ticket.
				visitor++
				if err := p.db.RecordDeflection(ctx, a, fmt.Sprintf("demo-visitor-%d", visitor), q); err != nil {
					return err
				}
			}
			if p.lr.IntN(100) < 35 {
				if err := p.db.RecordVote(ctx, a, p.lr.IntN(100) < 80); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
