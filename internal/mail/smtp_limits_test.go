package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"andon/internal/domain"
	"andon/internal/mail/smtpd"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (s *stack) startLimitedListener(t *testing.T, perPeer, perSender int, clock *testClock) string {
	t.Helper()
	srv := &smtpd.Server{DB: s.db, Ingester: s.svc.Ingester, Log: s.log, Domain: "acme.test", PerPeer: perPeer, PerSender: perSender, Now: clock.Now}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func fromMail(from, msgID string) []byte {
	return []byte("From: " + from + "\r\nTo: support@acme.test\r\nSubject: Hello " + msgID + "\r\nMessage-ID: " + msgID +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n")
}

// wantRefused checks a temporary refusal with a retry hint and returns the
// hinted wait.
func wantRefused(t *testing.T, err error, what string) time.Duration {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 450 || !strings.Contains(se.Message, what) {
		t.Fatalf("want a 450 refusal %q, got %v", what, err)
	}
	var secs int
	if _, err := fmt.Sscanf(se.Message[strings.Index(se.Message, "try again in"):], "try again in %d seconds", &secs); err != nil || secs <= 0 {
		t.Fatalf("no retry hint in %q", se.Message)
	}
	return time.Duration(secs) * time.Second
}

// 21 messages in a minute from one address: the 21st is refused with 450
// and a retry hint, nothing of it is stored, and the retry after the hint
// is accepted.
func TestInboundSMTPLimitsEachPeer(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	addr := s.startLimitedListener(t, 20, 10, clock)
	send := func(i int) error {
		from := fmt.Sprintf("forged%d@example.com", i)
		return sendMail(addr, from, []string{"support@acme.test"}, fromMail(from, fmt.Sprintf("<peer-%d@example.com>", i)))
	}
	for i := 1; i <= 20; i++ {
		if err := send(i); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		clock.Add(time.Second / 10)
	}
	wait := wantRefused(t, send(21), "from your address")
	if n, _ := s.db.CountInboundMail(ctx); n != 20 {
		t.Fatalf("%d messages stored, want 20", n)
	}
	clock.Add(wait)
	if err := send(21); err != nil {
		t.Fatalf("retry after %s: %v", wait, err)
	}
	if n, _ := s.db.CountInboundMail(ctx); n != 21 {
		t.Fatalf("%d messages stored after the retry, want 21", n)
	}
}

// One sender address is limited whatever peers it comes from, and its
// acknowledgements stop at the hourly limit while its tickets are created.
func TestInboundSMTPLimitsEachSenderAndItsAcks(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	s.svc.Ingester.AckPerHour = 2
	clock := &testClock{t: time.Now()}
	addr := s.startLimitedListener(t, 100, 5, clock)
	send := func(i int) error {
		return sendMail(addr, "victim@example.com", []string{"support@acme.test"}, fromMail("victim@example.com", fmt.Sprintf("<snd-%d@example.com>", i)))
	}
	for i := 1; i <= 5; i++ {
		if err := send(i); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	wait := wantRefused(t, send(6), "from this sender")
	if err := sendMail(addr, "other@example.com", []string{"support@acme.test"}, fromMail("other@example.com", "<other-1@example.com>")); err != nil {
		t.Fatalf("another sender is refused too: %v", err)
	}
	clock.Add(wait)
	if err := send(6); err != nil {
		t.Fatalf("retry: %v", err)
	}
	tickets, acks := 0, 0
	out, err := s.db.Outbox(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Kind == domain.OutboxAck && o.To[0] == "victim@example.com" {
			acks++
		}
	}
	n, _ := s.db.CountInboundMail(ctx)
	tickets = n - 1
	if tickets != 6 || acks != 2 {
		t.Fatalf("victim: %d tickets, %d acknowledgements; want 6 and 2", tickets, acks)
	}
}
