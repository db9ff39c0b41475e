package mail_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"andon/internal/app"
	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/store"
	"andon/internal/testutil"
)

// TestCrashDuringBurst kills `andon serve` with SIGKILL while it receives a
// burst of mail by SMTP and sends queued replies, starts it again, and lets
// the senders retry what was not accepted (as MTAs do). Every message that
// got a 250 is one ticket entry exactly once, and every queued reply is
// delivered; a reply can only be repeated if the kill fell between the
// server's 250 and our "sent" mark, and the test reports those.
func TestCrashDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	rig := newCrashRig(t)
	db := rig.db
	box, _ := mail.NewBox("crash-test-key", "")
	sink := mailtest.StartSink(t, "", "")
	svc := mail.NewService(db, box, nil)
	if _, err := svc.CreateMailbox(ctx, domain.MailboxInput{Address: ptr("support@acme.test"), IsDefault: ptr(true),
		SMTPHost: ptr(sink.Host), SMTPPort: ptr(sink.Port), SMTPTLS: ptr(domain.TLSNone)}); err != nil {
		t.Fatal(err)
	}
	agent, _ := db.CreateUser(ctx, domain.NewUser{Email: "agent@acme.test", Name: "Agent", Role: domain.RoleAgent})

	const n = 80
	b := &burst{addr: rig.smtpAddr, accepted: map[int]bool{}}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}

	proc := rig.start(t)
	// Replies queued while mail pours in: the agent answers each ticket.
	stopReplies := replyWhileRunning(ctx, db, agent.ID)
	go func() {
		// Kill mid-burst.
		for b.count() < n/3 {
			time.Sleep(5 * time.Millisecond)
		}
		proc.Process.Signal(syscall.SIGKILL)
	}()
	b.send(all)
	proc.Wait()
	stopReplies()
	acceptedBefore := b.count()
	// Rows caught mid-send by the kill wait for their lease (5 min);
	// expire it now, while andon is down, instead of waiting.
	inFlight := map[string]bool{}
	killed, _ := db.Outbox(ctx, 0, 200)
	for _, o := range killed {
		if o.Status == domain.OutboxSending {
			inFlight[o.MessageID] = true
		}
	}
	if _, err := db.Writer().ExecContext(ctx, `UPDATE mail_outbox SET claimed_at = 0 WHERE status = 'sending'`); err != nil {
		t.Fatal(err)
	}

	if acceptedBefore == n {
		t.Log("every message was accepted before the kill landed")
	}

	// Restart; senders retry what was not accepted, and one MTA also
	// retries a message whose 250 it may have lost.
	proc = rig.start(t)
	defer func() {
		proc.Process.Signal(syscall.SIGTERM)
		proc.Wait()
	}()
	var retry []int
	for i := range n {
		if !b.accepted[i] {
			retry = append(retry, i)
		}
	}
	b.send(append(retry, 0, 1))
	if b.count() != n {
		t.Fatalf("only %d of %d accepted after restart", b.count(), n)
	}
	replyToUnanswered(t, db, agent.ID) // tickets created after the reply loop stopped
	checkOneEntryPerMail(t, db, n)
	out := waitAllSent(t, db, 2*n) // n acks + n replies
	checkDeliveredOnce(t, sink, out, inFlight)
	t.Logf("accepted before kill: %d/%d; in flight at kill: %d", acceptedBefore, n, len(inFlight))
}

// serveChild set to 1 makes this test binary run `andon serve` instead of
// the tests.
const serveChild = "ANDON_TEST_SERVE_CHILD"

// serveAsChild is main for the crash test's andon process.
func serveAsChild() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, []string{"serve"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "andon:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// crashRig is a built andon binary on a migrated database.
type crashRig struct {
	bin, dataDir, dbURL, smtpAddr string
	db                            *store.DB
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	ctx := context.Background()
	// The andon process is this test binary run again as `andon serve`
	// (TestMain): the real app.Run, without building a second binary.
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &crashRig{bin: bin, dataDir: t.TempDir(), dbURL: testutil.DatabaseURL(t), smtpAddr: freeAddr(t)}
	db, err := store.Open(ctx, r.dbURL, r.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r.db = db
	return r
}

// start runs `andon serve` until its SMTP listener answers.
func (r *crashRig) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(r.bin)
	cmd.Env = append(os.Environ(), serveChild+"=1", "ANDON_DATA_DIR="+r.dataDir, "ANDON_DATABASE_URL="+r.dbURL, "ANDON_SECRET_KEY=crash-test-key",
		"ANDON_SMTP_ADDR="+r.smtpAddr, "ANDON_HTTP_ADDR="+freeAddr(t), "ANDON_LOG_LEVEL=warn",
		// A burst from one peer and sender on purpose: the limits are off here.
		"ANDON_SMTP_PER_PEER=0", "ANDON_SMTP_PER_SENDER=0")
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", r.smtpAddr); err == nil {
			c.Close()
			return cmd
		}
		if i > 300 {
			cmd.Process.Kill()
			t.Fatal("andon did not start listening")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// burst sends numbered customer mails over SMTP from four connections and
// remembers which got a 250.
type burst struct {
	addr     string
	mu       sync.Mutex
	accepted map[int]bool
}

func (b *burst) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.accepted)
}

func (b *burst) send(ids []int) {
	var wg sync.WaitGroup
	ch := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				if err := sendMail(b.addr, "ann@example.com", []string{"support@acme.test"}, burstMail(i)); err == nil {
					b.mu.Lock()
					b.accepted[i] = true
					b.mu.Unlock()
				}
			}
		}()
	}
	for _, i := range ids {
		ch <- i
	}
	close(ch)
	wg.Wait()
}

// burstMail is message i, from its own sender: acknowledgements are
// rate-limited per sender.
func burstMail(i int) []byte {
	m := customerMail(fmt.Sprintf("<burst-%d@example.com>", i), fmt.Sprintf("Burst %d", i), "", fmt.Sprintf("Message number %d", i))
	return []byte(strings.Replace(string(m), "ann@example.com", fmt.Sprintf("c%d@example.com", i), 1))
}

// replyWhileRunning answers each new ticket once until the returned stop.
func replyWhileRunning(ctx context.Context, db *store.DB, agentID int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		answered := map[int64]bool{}
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			page, err := db.Tickets(ctx, domain.TicketFilter{Limit: 200})
			if err != nil {
				continue
			}
			for _, tk := range page.Tickets {
				if !answered[tk.ID] {
					if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound,
						Body: "On it.", Actor: domain.Actor{UserID: agentID}}); err == nil {
						answered[tk.ID] = true
					}
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// replyToUnanswered queues a reply on every ticket that has none.
func replyToUnanswered(t *testing.T, db *store.DB, agentID int64) {
	t.Helper()
	ctx := context.Background()
	page, _ := db.Tickets(ctx, domain.TicketFilter{Limit: 200})
	for _, tk := range page.Tickets {
		out, _ := db.Outbox(ctx, tk.ID, 10)
		hasReply := false
		for _, o := range out {
			hasReply = hasReply || o.Kind == domain.OutboxReply
		}
		if !hasReply {
			if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound,
				Body: "On it.", Actor: domain.Actor{UserID: agentID}}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkOneEntryPerMail: every accepted message is exactly one entry on
// exactly one ticket.
func checkOneEntryPerMail(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	if got, _ := db.CountInboundMail(ctx); got != n {
		t.Errorf("stored %d raw messages, want %d", got, n)
	}
	page, _ := db.Tickets(ctx, domain.TicketFilter{Limit: 200})
	if len(page.Tickets) != n {
		t.Errorf("%d tickets, want %d", len(page.Tickets), n)
	}
	for _, tk := range page.Tickets {
		tl, _ := db.Timeline(ctx, tk.ID)
		in := 0
		for _, e := range tl {
			if e.Direction == domain.Inbound {
				in++
			}
		}
		if in != 1 {
			t.Errorf("ticket %d (%s) has %d customer messages", tk.ID, tk.Subject, in)
		}
	}
}

// waitAllSent waits until want outbox messages are sent and returns the outbox.
func waitAllSent(t *testing.T, db *store.DB, want int) []*domain.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := db.Outbox(context.Background(), 0, 200)
		sent := 0
		for _, o := range out {
			if o.Status == domain.OutboxSent {
				sent++
			}
		}
		if sent == want {
			return out
		}
		if time.Now().After(deadline) {
			for _, o := range out {
				if o.Status != domain.OutboxSent {
					t.Logf("outbox %d %s %s attempts %d: %s", o.ID, o.Kind, o.Status, o.Attempts, o.LastError)
				}
			}
			t.Fatalf("%d of %d outbox messages sent", sent, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkDeliveredOnce: every outbox message reached the SMTP server, more
// than once only if it was in flight at the kill.
func checkDeliveredOnce(t *testing.T, sink *mailtest.Sink, out []*domain.OutboxMessage, inFlight map[string]bool) {
	t.Helper()
	counts := map[string]int{}
	for _, m := range sink.Messages() {
		for _, line := range strings.Split(string(m.Raw), "\n") {
			if strings.HasPrefix(strings.ToLower(line), "message-id:") {
				counts[strings.TrimSpace(line[len("message-id:"):])]++
			}
		}
	}
	for _, o := range out {
		switch c := counts[o.MessageID]; {
		case c == 0:
			t.Errorf("outbox %d (%s) never reached the server", o.ID, o.Kind)
		case c > 1 && !inFlight[o.MessageID]:
			t.Errorf("outbox %d sent %d times", o.ID, c)
		case c > 1:
			t.Logf("outbox %d was in flight at the kill and was sent %d times (at-least-once window)", o.ID, c)
		}
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
