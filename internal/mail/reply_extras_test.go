package mail_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
)

// An agent's reply with Cc, Bcc and a file reaches the SMTP server as one
// message: Cc in the headers, Bcc only in the envelope, the file as an
// attachment beside the text/HTML alternative.
func TestReplyWithCcBccAndAttachment(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	var mu sync.Mutex
	counts := map[string]int{}
	s.sender.Count = func(o string) { mu.Lock(); counts[o]++; mu.Unlock() }
	res, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<cc-1@example.com>", "Invoice copy", "", "Please send the invoice."), Source: ingest.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	s.send(t, 1) // acknowledgement
	pdf := []byte("%PDF-1.4 invoice 1042\n")
	_, err = s.db.AddEntryWithFiles(ctx, domain.NewEntry{TicketID: res.TicketID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: "Here it is.", Actor: domain.Actor{UserID: s.agent.ID, Name: s.agent.Name},
		Meta: map[string]any{"cc": []string{"boss@example.com"}, "bcc": []string{"audit@acme.test"}}},
		[]domain.NewAttachment{{Filename: "invoice.pdf", ContentType: "application/pdf", Data: pdf}})
	if err != nil {
		t.Fatal(err)
	}
	before := len(s.sink.Messages())
	env := s.send(t, 1)[0]
	rec := s.sink.Messages()[before]
	rcpts := strings.Join(rec.To, ",")
	for _, want := range []string{"ann@example.com", "boss@example.com", "audit@acme.test"} {
		if !strings.Contains(rcpts, want) {
			t.Errorf("envelope recipients %q lack %s", rcpts, want)
		}
	}
	if !strings.Contains(env.GetHeader("Cc"), "boss@example.com") {
		t.Errorf("Cc header %q", env.GetHeader("Cc"))
	}
	if env.GetHeader("Bcc") != "" || strings.Contains(string(rec.Raw), "audit@acme.test") {
		t.Error("the Bcc recipient is visible in the message")
	}
	if !strings.Contains(string(rec.Raw), "multipart/mixed") || !strings.Contains(string(rec.Raw), "multipart/alternative") {
		t.Error("message is not multipart/mixed around the alternative part")
	}
	if len(env.Attachments) != 1 || env.Attachments[0].FileName != "invoice.pdf" || string(env.Attachments[0].Content) != string(pdf) {
		t.Fatalf("attachments %+v", env.Attachments)
	}
	if !strings.Contains(env.Text, "Here it is.") || env.HTML == "" {
		t.Errorf("text %q html %d bytes", env.Text, len(env.HTML))
	}
	mu.Lock()
	defer mu.Unlock()
	if counts["sent"] != 2 {
		t.Errorf("sent counter %v", counts)
	}
}

// Notifications to agents link to the ticket in the workspace.
func TestNotificationLinksToTicket(t *testing.T) {
	s := newStack(t, "", 0)
	s.sender.BaseURL = "https://help.acme.test/"
	ctx := context.Background()
	res, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<link-1@example.com>", "Link me", "", "x"), Source: ingest.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	s.send(t, 1)
	if _, err := s.db.UpdateTicket(ctx, res.TicketID, domain.TicketUpdate{AssigneeID: &s.agent.ID}, domain.Actor{Name: "Lee"}); err != nil {
		t.Fatal(err)
	}
	got := s.send(t, 1)[0]
	want := "https://help.acme.test/tickets/" + itoa(res.TicketID)
	if !strings.Contains(got.Text, want) || !strings.Contains(got.HTML, `href="`+want+`"`) {
		t.Errorf("notification lacks the link %s: %q", want, got.Text)
	}
}

// The ingestion counter sees received, duplicate and failed mail.
func TestIngestCounts(t *testing.T) {
	s := newStack(t, "", 0)
	counts := map[string]int{}
	s.svc.Ingester.Count = func(o string) { counts[o]++ }
	raw := customerMail("<count-1@example.com>", "Count", "", "x")
	for _, r := range [][]byte{raw, raw, []byte("\x00\x01 not a mail")} {
		if _, err := s.svc.Ingester.Ingest(context.Background(), ingest.Input{Raw: r, Source: ingest.SourceAPI}); err != nil {
			t.Fatal(err)
		}
	}
	if counts["received"] != 1 || counts["duplicate"] != 1 || counts["failed"] != 1 {
		t.Errorf("counts %v", counts)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
