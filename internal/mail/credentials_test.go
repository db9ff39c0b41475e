package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/mail/mailtest"
)

// Pointing a mailbox at another SMTP server without typing the password
// again is refused, so the stored password never reaches that server; with
// the password the change goes through and mail goes to the new server.
func TestNewSMTPServerNeedsThePasswordAgain(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	other := mailtest.StartSink(t, "andon", "other-pw")
	_, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{SMTPPort: ptr(other.Port)})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorFields(err)["smtp_password"], "port") {
		t.Fatalf("port change without password: %v", err)
	}
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{SMTPUser: ptr("someone")}); domain.ErrorFields(err)["smtp_password"] == "" {
		t.Fatalf("user change without password: %v", err)
	}
	if mb, _ := s.db.Mailbox(ctx, s.mb.ID); mb.SMTPPort != s.sink.Port || mb.SMTPUser != "andon" {
		t.Fatalf("refused change was written: %+v", mb)
	}
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{DisplayName: ptr("Acme Care")}); err != nil {
		t.Fatalf("other fields need no password: %v", err)
	}
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{SMTPPort: ptr(other.Port), SMTPPassword: ptr("other-pw")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Inbound(ctx, customerMail("<creds-1@example.com>", "Hello", "", "hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sender.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	other.Wait(t, 1, 5*time.Second)
	if n := len(s.sink.Messages()); n != 0 {
		t.Fatalf("old server got %d messages", n)
	}
}
