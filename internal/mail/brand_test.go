package mail_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
	"andon/internal/settings"
	"andon/internal/web"
)

// workspacePage renders an agent page the way the server does, with the
// brand read from settings.
func workspacePage(t *testing.T, tm *web.Templates, src settings.Source) string {
	t.Helper()
	b, err := settings.Brand(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p := &web.Page{Title: "Not found", Brand: b, User: &domain.User{Name: "Alex Agent", Role: domain.RoleAgent},
		Data: map[string]any{"Status": 404, "Message": "ticket not found"}}
	if err := tm.Render(rec, "error", p); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

// The workspace and the mail customers receive show the same brand: the one
// set of defaults before an admin sets anything, then the admin's name and
// colour in both, and an uploaded logo linked absolutely from mail.
func TestWorkspaceAndMailShowTheSameBrand(t *testing.T) {
	s := newStack(t, "", 0)
	s.sender.BaseURL = "https://help.acme.test/"
	ctx := context.Background()
	assets, err := web.LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := web.Load(assets)
	if err != nil {
		t.Fatal(err)
	}
	both := func(stage, mailHTML string, want ...string) {
		t.Helper()
		page := workspacePage(t, tm, s.db)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: workspace page lacks %q", stage, w)
			}
			if !strings.Contains(mailHTML, w) {
				t.Errorf("%s: mail lacks %q:\n%s", stage, w, mailHTML)
			}
		}
	}

	res, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<b-1@example.com>", "Where is it?", "", "Order 77"), Source: ingest.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	ack := s.send(t, 1)[0]
	both("unbranded", ack.HTML, domain.DefaultBrandName, domain.DefaultBrandColor)

	if err := s.db.SetSettings(ctx, map[string]string{settings.BrandName: "Acme Help", settings.BrandColor: "#FF5500",
		settings.BrandLogoURL: "/brand/logo?v=abc"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.AddEntry(ctx, domain.NewEntry{TicketID: res.TicketID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: "On its way.", Actor: domain.Actor{UserID: s.agent.ID, Name: s.agent.Name}}); err != nil {
		t.Fatal(err)
	}
	reply := s.send(t, 1)[0]
	both("branded", reply.HTML, "Acme Help", "#ff5500")
	if strings.Contains(reply.HTML, domain.DefaultBrandColor) {
		t.Errorf("branded mail still carries the default colour")
	}
	if !strings.Contains(reply.HTML, `src="https://help.acme.test/brand/logo?v=abc"`) {
		t.Errorf("mail logo not absolute:\n%s", reply.HTML)
	}
	if page := workspacePage(t, tm, s.db); !strings.Contains(page, `src="/brand/logo?v=abc"`) {
		t.Errorf("workspace lost the uploaded logo")
	}
}
