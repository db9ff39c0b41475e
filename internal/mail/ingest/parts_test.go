package ingest_test

import (
	"context"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
)

func TestAttachedMessagesAreShown(t *testing.T) {
	m, err := ingest.Parse(corpus(t, "forwarded_headerless.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	part, fwd := m.Attachments[0], m.Attachments[1]
	if part.ContentType != "text/plain" || string(m.AttachmentData[0]) != "See the forwarded mail below." {
		t.Errorf("headerless part = %+v %q", part, m.AttachmentData[0])
	}
	if fwd.ContentType != "message/rfc822" || fwd.Name != "Invoice 4711.eml" || fwd.Message == nil ||
		fwd.Message.Subject != "Invoice 4711" || !strings.Contains(fwd.Message.From, "accounts@vendor.example") ||
		fwd.Message.Text != "Invoice 4711 is overdue." {
		t.Errorf("forwarded = %+v %+v", fwd, fwd.Message)
	}
	if !strings.HasPrefix(string(m.AttachmentData[1]), "From: Accounts") {
		t.Errorf("the .eml download is not the message: %q", m.AttachmentData[1])
	}

	g, db := newIngester(t)
	res := mustIngest(t, g, corpus(t, "digest.eml"))
	e, err := db.Entry(context.Background(), res.EntryID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Subject: Broken grinder", "From: Bob <bob@example.com>", "grinding noise", "Subject: Late parcel", "two weeks late"} {
		if !strings.Contains(e.Body, want) {
			t.Errorf("timeline entry lacks %q: %q", want, e.Body)
		}
	}
	atts := emailMeta(t, e)["attachments"].([]any)
	a := atts[1].(map[string]any)
	if a["name"] != "Late parcel.eml" || a["content_type"] != "message/rfc822" || a["message"].(map[string]any)["subject"] != "Late parcel" {
		t.Errorf("stored attachment = %v", a)
	}
}

func TestDeclaredUTF8BeatsDetection(t *testing.T) {
	m, err := ingest.Parse(corpus(t, "utf8_declared.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "öoöo") || strings.Contains(m.Text, "Ã") {
		t.Fatalf("text = %q", m.Text)
	}
	// A label that does not decode cleanly still gives way to detection.
	m, err = ingest.Parse(corpus(t, "latin1.eml"))
	if err != nil || !strings.Contains(m.Text, "Schöne Grüße") {
		t.Fatalf("latin1 = %q %v", m.Text, err)
	}
}

const rfc6522Bounce = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\n" +
	"To: support@acme.test\r\nSubject: Delivery Status Notification (Failure)\r\nMessage-ID: <dsn-h@mx.example.net>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n" +
	"--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
	"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
	"Final-Recipient: rfc822; ann@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n" +
	"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@acme.test\r\nTo: ann@example.com\r\nSubject: Re: Help\r\nMessage-ID: {{MSGID}}\r\n" +
	"--R--\r\n"

func TestHeadersOnlyBounceAttachesToTicket(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	first := mustIngest(t, g, msg("ann@example.com", "Help", "<h1@example.com>", "", "First"))
	ack := outbox(t, db, first.TicketID)[0]
	res := mustIngest(t, g, []byte(strings.ReplaceAll(rfc6522Bounce, "{{MSGID}}", ack.MessageID)))
	if res.TicketID != first.TicketID || res.FailedID != 0 {
		t.Fatalf("bounce = %+v, want on ticket %d", res, first.TicketID)
	}
	e, _ := db.Entry(ctx, res.EntryID)
	if e.Kind != domain.EntryNote || !strings.Contains(e.Body, "Mailbox full") {
		t.Errorf("bounce entry = %s %q", e.Kind, e.Body)
	}
}

func TestAutoReplyKeepsStatusAndGetsNoAnswer(t *testing.T) {
	// Subject alone, or header alone (with a subject that says nothing).
	cases := []struct{ subject, header string }{
		{"Out of Office: Re: Help", ""}, {"Automatic reply: Help", ""}, {"Abwesenheitsnotiz: Help", ""},
		{"Réponse automatique : Help", ""}, {"Re: Help", "Auto-Submitted: auto-replied\r\n"},
		{"Re: Help", "X-Autoreply: yes\r\n"}, {"Re: Help", "X-Autorespond: vacation\r\n"},
	}
	ctx := context.Background()
	for _, c := range cases {
		subj := c.subject + " " + c.header
		g, db := newIngester(t)
		first := mustIngest(t, g, msg("ann@example.com", "Help", "<ar@example.com>", "", "First"))
		pending := domain.StatusPending
		if _, err := db.UpdateTicket(ctx, first.TicketID, domain.TicketUpdate{Status: &pending}, domain.System); err != nil {
			t.Fatal(err)
		}
		before := len(outbox(t, db, first.TicketID))
		extra := "In-Reply-To: <ar@example.com>\r\n" + c.header
		res := mustIngest(t, g, msg("ann@example.com", c.subject, "<ar-reply@example.com>", extra, "I am away until Monday."))
		if res.TicketID != first.TicketID {
			t.Fatalf("%q: on ticket %d, want %d", subj, res.TicketID, first.TicketID)
		}
		tk, err := db.TicketWithTimeline(ctx, first.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != domain.StatusPending {
			t.Errorf("%q: status %s, want pending", subj, tk.Status)
		}
		if !strings.Contains(tk.Timeline[len(tk.Timeline)-1].Body, "away until Monday") {
			t.Errorf("%q: not on the timeline", subj)
		}
		if n := len(outbox(t, db, first.TicketID)); n != before {
			t.Errorf("%q: auto-reply was answered (%d mails, had %d)", subj, n, before)
		}
	}
	// A customer who writes about office hours is not an auto-reply.
	g, db := newIngester(t)
	first := mustIngest(t, g, msg("ann@example.com", "Help", "<oh@example.com>", "", "First"))
	pending := domain.StatusPending
	if _, err := db.UpdateTicket(ctx, first.TicketID, domain.TicketUpdate{Status: &pending}, domain.System); err != nil {
		t.Fatal(err)
	}
	mustIngest(t, g, msg("ann@example.com", "Out of office hours support?", "<oh2@example.com>", "In-Reply-To: <oh@example.com>\r\n", "Do you answer at night?"))
	if tk, _ := db.Ticket(ctx, first.TicketID); tk.Status != domain.StatusOpen {
		t.Errorf("customer reply did not reopen: %s", tk.Status)
	}
}
