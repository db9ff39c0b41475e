package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/imap"
	"andon/internal/mail/ingest"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/mail/smtpd"
	"andon/internal/store"
	"andon/internal/testutil"
	"andon/internal/testutil/testnode"
)

func TestMain(m *testing.M) {
	if os.Getenv(serveChild) == "1" {
		serveAsChild() // TestCrashDuringBurst's andon process
	}
	testutil.Main(m)
}

type stack struct {
	db     *store.DB
	svc    *mail.Service
	sender *outbox.Sender
	sink   *mailtest.Sink
	mb     *domain.Mailbox
	agent  *domain.User
	log    *slog.Logger
}

func ptr[T any](v T) *T { return &v }

// newStack is a node with the email channel on (testnode): a real database
// and a real SMTP server that records what Andon sends (it requires AUTH,
// so the sealed password must round-trip).
func newStack(t *testing.T, imapHost string, imapPort int) *stack {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	n := testnode.New(t, testnode.Options{Log: log, Mail: true, Mailbox: "Support@Acme.test", MailboxTune: func(in *domain.MailboxInput) {
		in.DisplayName = ptr("Acme Support")
		if imapHost != "" {
			in.IMAPHost, in.IMAPPort, in.IMAPUser, in.IMAPPassword, in.IMAPTLS = ptr(imapHost), ptr(imapPort), ptr("support"), ptr("imap-pw"), ptr(domain.TLSNone)
		}
	}})
	if raw, _ := n.DB.Mailbox(ctx, n.Mailbox.ID); strings.Contains(raw.SMTPPassword, testnode.SinkPass) {
		t.Fatal("SMTP password stored in clear")
	}
	agent, err := n.DB.CreateUser(ctx, domain.NewUser{Email: "agent@acme.test", Name: "Alex Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{db: n.DB, svc: n.Mail, sink: n.Sink, mb: n.Mailbox, agent: agent, log: log, sender: n.Sender}
}

// startListener runs Andon's inbound SMTP listener.
func (s *stack) startListener(t *testing.T, maxBytes int64) string {
	t.Helper()
	srv := &smtpd.Server{DB: s.db, Ingester: s.svc.Ingester, Log: s.log, Domain: "acme.test", MaxBytes: maxBytes}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// send flushes the outbox and returns what the SMTP server received since.
func (s *stack) send(t *testing.T, want int) []*enmime.Envelope {
	t.Helper()
	before := len(s.sink.Messages())
	if _, err := s.sender.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := s.sink.Wait(t, before+want, 5*time.Second)[before:]
	var out []*enmime.Envelope
	for _, m := range got {
		env, err := enmime.ReadEnvelope(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func customerMail(msgID, subject, inReplyTo, body string) []byte {
	h := "From: Ann Customer <ann@example.com>\r\nTo: support@acme.test\r\nSubject: " + subject + "\r\nMessage-ID: " + msgID +
		"\r\nDate: Tue, 3 Mar 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: " + inReplyTo + "\r\nReferences: " + inReplyTo + "\r\n"
	}
	return []byte(h + "\r\n" + body + "\r\n")
}

// conversation is the "done means" story after the first mail is in:
// acknowledgement out, agent reply out with threading headers, customer's
// answer (threaded only by In-Reply-To) back into the same ticket.
func conversation(t *testing.T, s *stack, deliver func(raw []byte)) {
	ctx := context.Background()
	page, err := s.db.Tickets(ctx, domain.TicketFilter{})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("tickets = %v, %v; want 1", page, err)
	}
	tk := page.Tickets[0]
	if tk.Channel != domain.ChannelEmail || tk.Subject != "My order never arrived" {
		t.Fatalf("ticket = %+v", tk)
	}
	ref := fmt.Sprintf("[#%d]", tk.ID)

	// 1. The acknowledgement.
	ack := s.send(t, 1)[0]
	if ack.GetHeader("To") != "<ann@example.com>" && !strings.Contains(ack.GetHeader("To"), "ann@example.com") {
		t.Errorf("ack To = %q", ack.GetHeader("To"))
	}
	if !strings.Contains(ack.GetHeader("Subject"), ref) || ack.GetHeader("In-Reply-To") != "<order-1@example.com>" ||
		ack.GetHeader("Auto-Submitted") != "auto-replied" {
		t.Errorf("ack headers: subject %q in-reply-to %q auto %q", ack.GetHeader("Subject"), ack.GetHeader("In-Reply-To"), ack.GetHeader("Auto-Submitted"))
	}

	// 2. The agent replies in markdown.
	if _, err := s.db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: "Sorry about that! It ships **today**.", Actor: domain.Actor{UserID: s.agent.ID, Name: s.agent.Name}}); err != nil {
		t.Fatal(err)
	}
	reply := s.send(t, 1)[0]
	replyID := reply.GetHeader("Message-Id")
	if !strings.HasPrefix(replyID, "<") || !strings.HasSuffix(replyID, "@acme.test>") {
		t.Errorf("reply Message-ID = %q", replyID)
	}
	if got := reply.GetHeader("Subject"); got != "Re: My order never arrived "+ref {
		t.Errorf("reply subject = %q", got)
	}
	if reply.GetHeader("In-Reply-To") != "<order-1@example.com>" || !strings.Contains(reply.GetHeader("References"), "<order-1@example.com>") {
		t.Errorf("reply threading: in-reply-to %q references %q", reply.GetHeader("In-Reply-To"), reply.GetHeader("References"))
	}
	if !strings.Contains(reply.Text, "It ships **today**.") || !strings.Contains(reply.HTML, "<strong>today</strong>") {
		t.Errorf("reply parts: text %q html %q", reply.Text, reply.HTML)
	}
	if !strings.Contains(reply.Root.ContentType, "multipart/alternative") {
		t.Errorf("reply content type %q", reply.Root.ContentType)
	}
	if from := reply.GetHeader("From"); !strings.Contains(from, "Acme Support") || !strings.Contains(from, "support@acme.test") {
		t.Errorf("reply From = %q", from)
	}
	out, _ := s.db.Outbox(ctx, tk.ID, 10)
	for _, o := range out {
		if o.Status != domain.OutboxSent || o.SentAt == nil {
			t.Errorf("outbox %d status %s", o.ID, o.Status)
		}
	}

	// 3. The customer answers from their mail client: a new subject, only
	// In-Reply-To our Message-ID ties it to the ticket.
	deliver(customerMail("<order-2@example.com>", "Re: Re: My order", replyID, "Great, thanks!\r\n\r\nOn Tue, Acme Support wrote:\r\n> Sorry about that!"))
	waitFor(t, func() bool {
		tl, _ := s.db.Timeline(ctx, tk.ID)
		return len(messages(tl)) == 3
	})
	tl, _ := s.db.Timeline(ctx, tk.ID)
	msgs := messages(tl)
	if last := msgs[2]; last.Direction != domain.Inbound || last.Body != "Great, thanks!" {
		t.Errorf("answer entry = %s %q", last.Direction, last.Body)
	}
	if page, _ := s.db.Tickets(ctx, domain.TicketFilter{}); len(page.Tickets) != 1 {
		t.Errorf("the answer opened a new ticket")
	}
}

func messages(tl []domain.Entry) []domain.Entry {
	var out []domain.Entry
	for _, e := range tl {
		if e.Kind == domain.EntryMessage {
			out = append(out, e)
		}
	}
	return out
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met in 10s")
}

func TestConversationOverSMTP(t *testing.T) {
	s := newStack(t, "", 0)
	addr := s.startListener(t, 0)
	deliver := func(raw []byte) {
		if err := sendMail(addr, "ann@example.com", []string{"support@acme.test"}, raw); err != nil {
			t.Fatal(err)
		}
	}
	deliver(customerMail("<order-1@example.com>", "My order never arrived", "", "Where is order 1234?"))
	conversation(t, s, deliver)
}

func TestConversationOverIMAP(t *testing.T) {
	dc := mailtest.StartDovecot(t, map[string]string{"support": "imap-pw"})
	s := newStack(t, dc.Host, dc.Port)
	c := imapLogin(t, dc.Host, dc.Port)
	deliver := imapDeliverer(t, c)
	// Old, already read mail is history, not new tickets.
	old := customerMail("<old-1@example.com>", "Old thread from last year", "", "Long solved.")
	deliver(old, goimap.FlagSeen)
	// Mail waiting before Andon starts, then the poller (IDLE) takes over.
	deliver(customerMail("<order-1@example.com>", "My order never arrived", "", "Where is order 1234?"))
	ctx, cancel := context.WithCancel(context.Background())
	poller := &imap.Poller{DB: s.db, Box: s.svc.Box, Ingester: s.svc.Ingester, Log: s.log, Interval: time.Minute}
	done := make(chan struct{})
	go func() { poller.Run(ctx); close(done) }()
	waitFor(t, func() bool { n, _ := s.db.CountInboundMail(context.Background()); return n == 1 })
	conversation(t, s, func(raw []byte) { deliver(raw) }) // the answer arrives while the poller IDLEs
	cancel()
	<-done

	// Both messages are \Seen on the server, the position is remembered,
	// and a restarted poller imports nothing again.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(goimap.SeqSetNum(1, 2, 3), &goimap.FetchOptions{Flags: true, UID: true}).Collect()
	if err != nil || len(msgs) != 3 {
		t.Fatalf("fetch flags: %v %d", err, len(msgs))
	}
	for _, m := range msgs {
		seen := false
		for _, f := range m.Flags {
			seen = seen || f == goimap.FlagSeen
		}
		if !seen {
			t.Errorf("uid %d not marked seen", m.UID)
		}
	}
	mb, _ := s.db.Mailbox(context.Background(), s.mb.ID)
	if mb.LastUID != uint32(msgs[2].UID) || mb.UIDValidity == 0 {
		t.Errorf("position = %d/%d, want last uid %d", mb.UIDValidity, mb.LastUID, msgs[2].UID)
	}
	c2, err := imapclient.DialInsecure(fmt.Sprintf("%s:%d", dc.Host, dc.Port), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Login("support", "imap-pw").Wait(); err != nil {
		t.Fatal(err)
	}
	if n, err := poller.SyncOnce(context.Background(), c2, mb); err != nil || n != 0 {
		t.Errorf("restarted poller imported %d (%v), want 0", n, err)
	}
	// If the position is lost (crash before it was saved), the mail is
	// fetched again but deduplicated, never doubled.
	mb.LastUID = uint32(msgs[1].UID) - 1
	if _, err := poller.SyncOnce(context.Background(), c2, mb); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.db.CountInboundMail(context.Background()); n != 2 {
		t.Errorf("stored %d messages, want 2", n)
	}
}

func TestListenerRejectsUnknownRecipientAndOversize(t *testing.T) {
	s := newStack(t, "", 0)
	addr := s.startListener(t, 2048)
	raw := customerMail("<x-1@example.com>", "hi", "", "hello")
	err := sendMail(addr, "ann@example.com", []string{"nobody@acme.test"}, raw)
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 550 {
		t.Errorf("unknown recipient: %v, want 550", err)
	}
	big := customerMail("<x-2@example.com>", "big", "", strings.Repeat("0123456789\r\n", 400))
	err = sendMail(addr, "ann@example.com", []string{"support@acme.test"}, big)
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 552 {
		t.Errorf("oversized: %v, want 552", err)
	}
	if n, _ := s.db.CountInboundMail(context.Background()); n != 0 {
		t.Errorf("stored %d", n)
	}
	// The same mail delivered twice (say, a retrying MTA) is one entry.
	for range 2 {
		if err := sendMail(addr, "ann@example.com", []string{"support@acme.test"}, raw); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.db.CountInboundMail(context.Background()); n != 1 {
		t.Errorf("stored %d, want 1", n)
	}
}

func TestOutboxRetriesWithBackoffAndGivesUpOnPermanentErrors(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	if _, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<r-1@example.com>", "Help", "", "x"), Source: ingest.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	s.sink.FailNext(1, 451)
	if n, err := s.sender.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("sent %d, %v", n, err)
	}
	out, _ := s.db.Outbox(ctx, 0, 10)
	if o := out[0]; o.Status != domain.OutboxQueued || o.Attempts != 1 || !strings.Contains(o.LastError, "451") ||
		o.NextAttemptAt.Before(time.Now().Add(20*time.Second)) {
		t.Fatalf("after temp failure: %+v", o)
	}
	// Not due yet: nothing is sent. Then time passes.
	if n, _ := s.sender.RunOnce(ctx); n != 0 {
		t.Fatal("retried before backoff")
	}
	s.db.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
	if n, err := s.sender.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("retry sent %d, %v", n, err)
	}
	if len(s.sink.Messages()) != 1 {
		t.Errorf("sink has %d messages", len(s.sink.Messages()))
	}
	// A permanent rejection fails at once, visibly, and can be retried.
	if _, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<r-2@example.com>", "Other", "", "x"), Source: ingest.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	s.sink.FailNext(1, 550)
	s.sender.RunOnce(ctx)
	out, _ = s.db.Outbox(ctx, 0, 10)
	if o := out[0]; o.Status != domain.OutboxFailed || !strings.Contains(o.LastError, "550") {
		t.Fatalf("after permanent failure: %+v", o)
	}
	if err := s.db.RetryOutbox(ctx, out[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.sender.RunOnce(ctx); n != 1 {
		t.Errorf("manual retry sent %d", n)
	}
}

func TestBackoffGrows(t *testing.T) {
	prev := time.Duration(0)
	for i := 1; i <= 12; i++ {
		d := outbox.Backoff(i)
		if d < prev || d > outbox.MaxBackoff {
			t.Fatalf("backoff(%d) = %s after %s", i, d, prev)
		}
		prev = d
	}
	if outbox.Backoff(1) != 30*time.Second || outbox.Backoff(3) != 2*time.Minute {
		t.Errorf("backoff(1)=%s backoff(3)=%s", outbox.Backoff(1), outbox.Backoff(3))
	}
}

func TestAgentNotifications(t *testing.T) {
	s := newStack(t, "", 0)
	ctx := context.Background()
	res, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<n-1@example.com>", "Need help", "", "x"), Source: ingest.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	s.send(t, 1) // the acknowledgement
	// Assigned by a colleague: the agent is told.
	lead, _ := s.db.CreateUser(ctx, domain.NewUser{Email: "lead@acme.test", Name: "Lee Lead", Role: domain.RoleAdmin})
	if _, err := s.db.UpdateTicket(ctx, res.TicketID, domain.TicketUpdate{AssigneeID: &s.agent.ID}, domain.Actor{UserID: lead.ID, Name: lead.Name}); err != nil {
		t.Fatal(err)
	}
	got := s.send(t, 1)[0]
	if !strings.Contains(got.GetHeader("To"), "agent@acme.test") || !strings.Contains(got.GetHeader("Subject"), "Assigned to you") ||
		got.GetHeader("Auto-Submitted") != "auto-generated" || !strings.Contains(got.Text, "Lee Lead assigned") {
		t.Errorf("assigned mail: to %q subject %q text %q", got.GetHeader("To"), got.GetHeader("Subject"), got.Text)
	}
	// Taking a ticket yourself sends nothing.
	if _, err := s.db.UpdateTicket(ctx, res.TicketID, domain.TicketUpdate{ClearAssignee: true}, domain.Actor{UserID: lead.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.UpdateTicket(ctx, res.TicketID, domain.TicketUpdate{AssigneeID: &s.agent.ID}, domain.Actor{UserID: s.agent.ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.sender.RunOnce(ctx); n != 0 {
		t.Errorf("self-assignment sent %d mails", n)
	}
	// The customer writes again: the assignee hears about it.
	if _, err := s.svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<n-2@example.com>", "Re: Need help", "<n-1@example.com>", "Any news?"), Source: ingest.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	got = s.send(t, 1)[0]
	if !strings.Contains(got.GetHeader("To"), "agent@acme.test") || !strings.Contains(got.Text, "Any news?") {
		t.Errorf("customer-replied mail: to %q text %q", got.GetHeader("To"), got.Text)
	}
}

func TestListenerAcceptsMailFromSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("swaks is required on CI")
		}
		t.Skip("swaks not installed")
	}
	s := newStack(t, "", 0)
	addr := s.startListener(t, 0)
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(swaks, "--server", host, "--port", port, "--from", "sam@example.com", "--to", "support@acme.test",
		"--header", "Subject: Sent with swaks", "--header", "Message-Id: <swaks-1@example.com>", "--body", "Hello from swaks").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "<-  250 2.0.0 OK: queued") {
		t.Errorf("no 250 after DATA:\n%s", out)
	}
	page, _ := s.db.Tickets(context.Background(), domain.TicketFilter{})
	if len(page.Tickets) != 1 || page.Tickets[0].Subject != "Sent with swaks" || page.Tickets[0].Requester.Email() != "sam@example.com" {
		t.Fatalf("tickets: %+v", page.Tickets)
	}
	// swaks to an unknown address: 550 at RCPT.
	out, _ = exec.Command(swaks, "--server", host, "--port", port, "--from", "sam@example.com", "--to", "who@acme.test").CombinedOutput()
	if !strings.Contains(string(out), "<** 550") {
		t.Errorf("unknown recipient not refused with 550:\n%s", out)
	}
}

func TestOutboxOverTLSAndSTARTTLS(t *testing.T) {
	for _, mode := range []domain.TLSMode{domain.TLSImplicit, domain.TLSStart} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			db := testutil.OpenDB(t)
			box, _ := mail.NewBox("k", "")
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			svc := mail.NewService(db, box, log)
			sink, pool := mailtest.StartSinkTLS(t, "andon", "pw", string(mode))
			if _, err := svc.CreateMailbox(ctx, domain.MailboxInput{Address: ptr("support@acme.test"), SMTPHost: ptr(sink.Host),
				SMTPPort: ptr(sink.Port), SMTPUser: ptr("andon"), SMTPPassword: ptr("pw"), SMTPTLS: ptr(mode)}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Ingester.Ingest(ctx, ingest.Input{Raw: customerMail("<tls-1@example.com>", "Hi", "", "x"), Source: ingest.SourceAPI}); err != nil {
				t.Fatal(err)
			}
			// An untrusted certificate is an error, not a silent downgrade.
			untrusting := &outbox.Sender{DB: db, Box: box, Log: log}
			if n, _ := untrusting.RunOnce(ctx); n != 0 {
				t.Fatal("sent to a server with an untrusted certificate")
			}
			out, _ := db.Outbox(ctx, 0, 10)
			if !strings.Contains(out[0].LastError, "certificate") {
				t.Errorf("last error = %q", out[0].LastError)
			}
			db.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
			trusting := &outbox.Sender{DB: db, Box: box, Log: log, TLSConfig: &tls.Config{RootCAs: pool}}
			if n, err := trusting.RunOnce(ctx); n != 1 || err != nil {
				t.Fatalf("sent %d, %v", n, err)
			}
			if got := sink.Messages(); len(got) != 1 || got[0].To[0] != "ann@example.com" {
				t.Errorf("sink got %+v", got)
			}
		})
	}
}
