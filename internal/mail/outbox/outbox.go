// Package outbox sends the mail queued in the database: claim due rows,
// build the message, hand it to the mailbox's SMTP server, record the
// outcome. A row is marked sent only after the server accepted the DATA;
// a crash in between makes the row due again after the lease (at-least-once,
// with the same Message-ID, so receivers can drop the rare duplicate).
package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"andon/internal/domain"
	amail "andon/internal/mail"
	"andon/internal/mail/render"
	"andon/internal/settings"
	"andon/internal/store"
)

// Retry policy.
const (
	MaxAttempts = 10
	BaseBackoff = 30 * time.Second
	MaxBackoff  = 6 * time.Hour
	Lease       = 5 * time.Minute // a "sending" row older than this is retried
)

// Sender is the outbox worker.
type Sender struct {
	DB  *store.DB
	Box *amail.Box
	Log *slog.Logger
	// TLSConfig is used for TLS and STARTTLS (tests trust their own CA).
	TLSConfig *tls.Config
	// Poll is how often the queue is checked (default 2s).
	Poll time.Duration
	// Hostname for EHLO.
	Hostname string
	// BaseURL is the workspace address; notifications to agents link to
	// the ticket under it. Empty: no link.
	BaseURL string
	// Count, when set, is told the outcome of every attempt (metrics).
	Count func(outcome string)

	warned sync.Map // mailbox address -> struct{}: "not configured" logged once
}

// NotConfiguredWait is how long mail waits before looking again for SMTP
// settings that an admin has not entered yet.
const NotConfiguredWait = time.Minute

// notConfigured means the mail cannot be sent until an admin sets up the
// mailbox's SMTP server. Such mail waits; it never uses up its attempts.
type notConfigured struct{ mailbox string }

func (e *notConfigured) Error() string {
	return "waiting: mailbox " + e.mailbox + " has no SMTP server configured (Settings → Mailboxes)"
}

// Run sends until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	poll := s.Poll
	if poll == 0 {
		poll = 2 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce sends every due message and reports how many were sent.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	sent := 0
	for {
		batch, err := s.DB.ClaimOutbox(ctx, 20, Lease)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		for _, o := range batch {
			err := s.send(ctx, o)
			if err == nil {
				if err := s.DB.MarkOutboxSent(context.WithoutCancel(ctx), o.ID); err != nil {
					return sent, err
				}
				sent++
				s.count("sent")
				continue
			}
			var nc *notConfigured
			if errors.As(err, &nc) {
				if _, seen := s.warned.LoadOrStore(nc.mailbox, struct{}{}); !seen {
					s.Log.Warn("outbox: mail is waiting for SMTP settings", "mailbox", nc.mailbox)
				}
				if err := s.DB.MarkOutboxWaiting(context.WithoutCancel(ctx), o.ID, err.Error(), s.DB.Now().Add(NotConfiguredWait)); err != nil {
					return sent, err
				}
				continue
			}
			if ctx.Err() != nil {
				// Shutting down: put it back, due now, for the next start.
				_ = s.DB.MarkOutboxFailed(context.WithoutCancel(ctx), o.ID, "interrupted by shutdown", s.DB.Now(), false)
				return sent, ctx.Err()
			}
			giveUp := o.Attempts >= MaxAttempts || permanent(err)
			next := s.DB.Now().Add(Backoff(o.Attempts))
			s.Log.Warn("outbox: send failed", "id", o.ID, "attempt", o.Attempts, "give_up", giveUp, "err", err)
			if err := s.DB.MarkOutboxFailed(context.WithoutCancel(ctx), o.ID, clientSafe(err), next, giveUp); err != nil {
				return sent, err
			}
			if giveUp {
				s.count("failed")
			} else {
				s.count("retry")
			}
		}
	}
}

func (s *Sender) count(outcome string) {
	if s.Count != nil {
		s.Count(outcome)
	}
}

// Backoff is the wait after the nth failed attempt: 30s, 1m, 2m... ≤ 6h.
func Backoff(attempt int) time.Duration {
	d := BaseBackoff
	for i := 1; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// permanent reports a 5xx answer: retrying will not help.
func permanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}

func clientSafe(err error) string {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return fmt.Sprintf("%d %s", se.Code, se.Message)
	}
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

func (s *Sender) send(ctx context.Context, o *domain.OutboxMessage) error {
	var mb *domain.Mailbox
	var err error
	if o.MailboxID != nil {
		mb, err = s.DB.Mailbox(ctx, *o.MailboxID)
	} else {
		// Queued before any mailbox existed: send from the default one.
		mb, err = s.DB.DefaultMailbox(ctx)
		if domain.IsNotFound(err) {
			return &notConfigured{mailbox: "(none yet)"}
		}
	}
	if err != nil {
		return err
	}
	if mb.SMTPHost == "" {
		return &notConfigured{mailbox: mb.Address}
	}
	if mb.SMTPPassword, err = s.Box.Open(mb.SMTPPassword); err != nil {
		return err
	}
	brand, err := settings.Brand(ctx, s.DB)
	if err != nil {
		return err
	}
	brand.LogoURL = brand.AbsoluteLogoURL(s.BaseURL) // an uploaded logo is a path on the site
	var files []store.EntryFile
	if o.EntryID != nil && o.Kind == domain.OutboxReply {
		if files, err = s.DB.EntryFiles(ctx, *o.EntryID); err != nil {
			return err
		}
	}
	if o, err = s.withLink(ctx, o); err != nil {
		return err
	}
	raw, err := Build(o, mb, brand, files...)
	if err != nil {
		return err
	}
	rcpts := append(append(append([]string{}, o.To...), o.Cc...), o.Bcc...)
	return s.deliver(ctx, mb, rcpts, raw)
}

// withLink adds the link under the text: agents' notifications open the
// ticket in the workspace; mail to a customer about a portal ticket opens
// it in the portal, where the whole conversation is.
func (s *Sender) withLink(ctx context.Context, o *domain.OutboxMessage) (*domain.OutboxMessage, error) {
	if o.TicketID == nil || s.BaseURL == "" {
		return o, nil
	}
	base, id := strings.TrimRight(s.BaseURL, "/"), *o.TicketID
	c := *o
	switch o.Kind {
	case domain.OutboxNotify:
		c.Body += fmt.Sprintf("\n\n[Open ticket #%d](%s/tickets/%d)", id, base, id)
	case domain.OutboxReply, domain.OutboxAck:
		t, err := s.DB.Ticket(ctx, id)
		if domain.IsNotFound(err) {
			return o, nil
		}
		if err != nil || t.Channel != domain.ChannelPortal {
			return o, err
		}
		c.Body += fmt.Sprintf("\n\n[View your request #%d and answer it in the portal](%s%s)", id, base, domain.PortalTicketPath(id))
	}
	return &c, nil
}

// Build renders an outbox row into an RFC 5322 message; files become
// attachments next to the text/HTML alternative (multipart/mixed).
func Build(o *domain.OutboxMessage, mb *domain.Mailbox, b domain.Brand, files ...store.EntryFile) ([]byte, error) {
	ref := ""
	if o.TicketID != nil {
		ref = "#" + strconv.FormatInt(*o.TicketID, 10)
	}
	text, html, err := render.Render(o.Body, b, ref)
	if err != nil {
		return nil, err
	}
	mb2 := enmime.Builder().From(mb.DisplayName, mb.Address).Subject(o.Subject).Date(o.CreatedAt).
		Header("Message-ID", o.MessageID).Text([]byte(text)).HTML([]byte(html))
	var to, cc []mail.Address
	for _, a := range o.To {
		to = append(to, mail.Address{Address: a})
	}
	for _, a := range o.Cc {
		cc = append(cc, mail.Address{Address: a})
	}
	mb2 = mb2.ToAddrs(to)
	if len(cc) > 0 {
		mb2 = mb2.CCAddrs(cc)
	}
	if o.InReplyTo != "" {
		mb2 = mb2.Header("In-Reply-To", o.InReplyTo)
	}
	if len(o.References) > 0 {
		mb2 = mb2.Header("References", strings.Join(o.References, " "))
	}
	switch o.Kind {
	case domain.OutboxAck:
		mb2 = mb2.Header("Auto-Submitted", "auto-replied").Header("X-Auto-Response-Suppress", "All")
	case domain.OutboxNotify:
		mb2 = mb2.Header("Auto-Submitted", "auto-generated").Header("X-Auto-Response-Suppress", "All")
	}
	if ref != "" {
		mb2 = mb2.Header("X-Andon-Ticket", ref)
	}
	for _, f := range files {
		mb2 = mb2.AddAttachment(f.Data, f.ContentType, f.Filename)
	}
	p, err := mb2.Build()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Sender) deliver(ctx context.Context, mb *domain.Mailbox, rcpts []string, raw []byte) error {
	addr := net.JoinHostPort(mb.SMTPHost, strconv.Itoa(mb.SMTPPort))
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	cfg := s.tlsConfig(mb.SMTPHost)
	var c *smtp.Client
	switch mb.SMTPTLS {
	case domain.TLSImplicit:
		c = smtp.NewClient(tls.Client(conn, cfg))
	case domain.TLSStart:
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			return err
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = time.Minute, 5*time.Minute
	if s.Hostname != "" {
		if err := c.Hello(s.Hostname); err != nil {
			return err
		}
	}
	if mb.SMTPUser != "" {
		if err := c.Auth(sasl.NewPlainClient("", mb.SMTPUser, mb.SMTPPassword)); err != nil {
			return err
		}
	}
	if err := c.Mail(mb.Address, nil); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_ = c.Quit()
	return nil
}

func (s *Sender) tlsConfig(host string) *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}
