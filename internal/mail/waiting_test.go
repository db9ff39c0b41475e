package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
)

// Mail queued while the mailbox has no SMTP server waits without using up
// its attempts, and goes out once an admin fills in the settings.
func TestOutboxWaitsForSMTPSettings(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	host, port := s.sink.Host, s.sink.Port
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{SMTPHost: ptr("")}); err != nil {
		t.Fatal(err)
	}
	res, err := s.svc.Inbound(ctx, customerMail("<wait-1@example.com>", "Kettle leaks", "", "My kettle leaks."))
	if err != nil || !res.NewTicket {
		t.Fatalf("inbound: %+v %v", res, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.sender.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		s.db.SetClock(func() time.Time { return time.Now().Add(time.Duration(i+1) * 2 * time.Minute) })
	}
	if n := len(s.sink.Messages()); n != 0 {
		t.Fatalf("%d messages sent without an SMTP server", n)
	}
	out, err := s.db.Outbox(ctx, res.TicketID, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("outbox: %+v %v", out, err)
	}
	if out[0].Status != string(domain.OutboxQueued) || out[0].Attempts != 0 || !strings.Contains(out[0].LastError, "no SMTP server configured") {
		t.Fatalf("waiting row: status %s attempts %d error %q", out[0].Status, out[0].Attempts, out[0].LastError)
	}
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{SMTPHost: ptr(host), SMTPPort: ptr(port), SMTPPassword: ptr("s3cret")}); err != nil {
		t.Fatal(err)
	}
	s.db.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	got := s.send(t, 1)
	if to := got[0].GetHeader("To"); !strings.Contains(to, "ann@example.com") {
		t.Fatalf("acknowledgement went to %q", to)
	}
}
