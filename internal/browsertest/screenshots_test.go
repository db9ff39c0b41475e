package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
	"andon/internal/events"
)

// TestScreenshots refreshes the README screenshots (make screenshots sets
// ANDON_SCREENSHOTS to docs/screenshots). Skipped otherwise.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("ANDON_SCREENSHOTS")
	if dir == "" {
		t.Skip("set ANDON_SCREENSHOTS=dir to write screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAdmin)
	bob := e.agent("bob@example.com", "Bob Chen", domain.RoleAgent)
	ctx := context.Background()
	db := e.a().db

	main := e.ticket(domain.ChannelEmail, "Order 1042 arrived broken", "Hi,\n\nthe mug I ordered was in pieces when I opened the box. Can you send a new one?\n\nThanks, Ann", "ann@example.com", "Ann Smith")
	e.ticket(domain.ChannelChat, "Do you ship to Norway?", "Hello! Do you ship to Norway, and how long does it take?", "lars@example.no", "Lars Berg")
	e.ticket(domain.ChannelPhone, "Cannot log in to my account", "Password reset mail never arrives.", "+44 20 7946 0000", "Dana Price")
	e.ticket(domain.ChannelPortal, "Invoice for March missing", "I cannot find the invoice for March in my account.", "finance@acme.example", "Acme Finance")
	high := domain.PriorityHigh
	other := e.ticket(domain.ChannelEmail, "Refund not received", "I returned the parcel two weeks ago and have not got my refund.", "ann@example.com", "Ann Smith")
	if _, err := db.UpdateTicket(ctx, other.ID, domain.TicketUpdate{Priority: &high, AssigneeID: &bob.ID}, domain.System); err != nil {
		t.Fatal(err)
	}
	steps := []domain.NewEntry{
		{TicketID: main.ID, Kind: domain.EntryMessage, Body: "Sorry to hear that, Ann! A replacement mug is on its way; you will get tracking details by email.", Actor: domain.Actor{UserID: bob.ID, Name: bob.Name}, Status: domain.StatusPending},
		{TicketID: main.ID, Kind: domain.EntryNote, Body: "Courier damaged two parcels this week, raised with them.", Actor: domain.Actor{UserID: bob.ID, Name: bob.Name}},
		{TicketID: main.ID, Kind: domain.EntryCall, Body: "Ann called to check the delivery address. Confirmed.", Call: &domain.CallInfo{Direction: domain.Inbound, DurationSeconds: 240}, Actor: domain.Actor{UserID: bob.ID, Name: bob.Name}},
	}
	for _, s := range steps {
		if _, err := db.AddEntry(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	shoot := func(b *tab, name string) {
		t.Helper()
		time.Sleep(150 * time.Millisecond) // let fonts and layout settle
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	desk := newTab(t, e.a().url, 0)
	desk.open("/login")
	desk.waitFor("the login form", `document.getElementById('login-form')`)
	shoot(desk, "login.png")
	desk.login("maria@example.com")
	shoot(desk, "inbox.png")
	// Bob is typing on the same ticket: the collision warning shows.
	e.a().bus.SetPresence(events.Presence{TicketID: main.ID, UserID: bob.ID, Name: bob.Name, State: events.PresenceReplying})
	desk.open(ticketPath(main.ID))
	desk.waitFor("the timeline and presence", `document.querySelectorAll('#timeline .entry').length >= 4 && document.getElementById('presence') && !document.getElementById('presence').hidden`)
	shoot(desk, "ticket.png")

	phone := newTab(t, e.a().url, 375)
	phone.login("maria@example.com")
	shoot(phone, "inbox-phone.png")
	phone.open(ticketPath(main.ID))
	phone.waitFor("the timeline", `document.getElementById('timeline')`)
	shoot(phone, "ticket-phone.png")
}
