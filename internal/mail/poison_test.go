package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"andon/internal/mail/imap"
	"andon/internal/mail/ingest"
	"andon/internal/mail/mailtest"
)

// poison is the 2 KB shape that once cost enmime 2^depth: multiparts
// nested depth deep, none closed.
func poison(msgID string, depth int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: mallory@example.com\r\nTo: support@acme.test\r\nSubject: poison %d\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n", depth, msgID)
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nx\r\n", depth-1)
	return []byte(b.String())
}

func TestPoisonMailOverSMTPIsKeptAndQuick(t *testing.T) {
	s := newStack(t, "", 0)
	addr := s.startListener(t, 0)
	limit := ingest.DefaultLimits().Timeout
	for i, depth := range []int{17, 26, 30, 64} {
		raw := poison(fmt.Sprintf("<poison-%d@example.com>", i), depth)
		start := time.Now()
		if err := sendMail(addr, "mallory@example.com", []string{"support@acme.test"}, raw); err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		if took := time.Since(start); took > limit {
			t.Errorf("depth %d took %v over SMTP", depth, took)
		}
	}
	start := time.Now()
	if err := sendMail(addr, "ann@example.com", []string{"support@acme.test"}, customerMail("<after@example.com>", "Normal", "", "Hello")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > limit {
		t.Errorf("normal mail after the attack took %v, more than the parse limit %v", took, limit)
	}
	failed, err := s.db.FailedMailPage(context.Background(), 0, 10)
	if err != nil || len(failed) != 4 {
		t.Fatalf("failed mail = %d %v, want the 4 poison messages", len(failed), err)
	}
	for _, f := range failed {
		if !strings.Contains(f.Error, "over a parsing limit") || !strings.HasPrefix(f.Subject, "poison ") {
			t.Errorf("failed row: %q %q", f.Subject, f.Error)
		}
	}
	if n, _ := s.db.CountInboundMail(context.Background()); n != 1 {
		t.Errorf("stored %d messages, want the normal one", n)
	}
}

func TestPoisonAtHeadOfIMAPMailboxDoesNotStallIt(t *testing.T) {
	dc := mailtest.StartDovecot(t, map[string]string{"support": "imap-pw"})
	s := newStack(t, dc.Host, dc.Port)
	c := imapLogin(t, dc.Host, dc.Port)
	deliver := imapDeliverer(t, c)
	deliver(poison("<head-1@example.com>", 30))
	deliver(poison("<head-2@example.com>", 26))
	deliver(customerMail("<behind@example.com>", "Behind the poison", "", "Am I stuck?"))
	poller := &imap.Poller{DB: s.db, Box: s.svc.Box, Ingester: s.svc.Ingester, Log: s.log, Interval: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { poller.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { n, _ := s.db.CountInboundMail(context.Background()); return n == 1 })
	took := time.Since(start)
	t.Logf("normal mail behind two poison messages arrived after %v", took)
	// Slack for the IMAP round trips themselves on a loaded machine; a
	// stalled mailbox would wait for the next poll (a minute).
	if limit := ingest.DefaultLimits().Timeout; took > limit+5*time.Second {
		t.Errorf("normal mail delayed %v, more than the parse limit %v", took, limit)
	}
	if n, _ := s.db.CountFailedMail(context.Background()); n != 2 {
		t.Errorf("failed mail = %d, want 2", n)
	}
	// The position moved past the poison: a restarted poller finds nothing.
	mb, _ := s.db.Mailbox(context.Background(), s.mb.ID)
	c2 := imapLogin(t, dc.Host, dc.Port)
	if n, err := poller.SyncOnce(context.Background(), c2, mb); err != nil || n != 0 {
		t.Errorf("restarted poller imported %d (%v), want 0", n, err)
	}
}
