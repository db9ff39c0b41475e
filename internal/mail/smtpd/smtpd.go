// Package smtpd is the inbound SMTP listener: it accepts mail for configured
// mailbox addresses and answers 250 only after the message is stored.
package smtpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
	"andon/internal/ratelimit"
	"andon/internal/store"
)

// MaxMessageBytes is the default size limit (answered with 552 beyond).
const MaxMessageBytes = 25 << 20

// Server receives mail by SMTP.
type Server struct {
	DB       *store.DB
	Ingester *ingest.Ingester
	Log      *slog.Logger
	Domain   string // announced in the greeting
	MaxBytes int64
	// PerPeer and PerSender limit messages per minute from one connecting
	// address (an IPv6 peer by its /64) and for one envelope sender; 0 is
	// no limit. Over the limit MAIL FROM is answered 450 with a retry hint.
	PerPeer, PerSender int
	Now                func() time.Time // the limits' clock; nil is time.Now

	srv            *smtp.Server
	peers, senders *ratelimit.Buckets
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.peers = ratelimit.NewBuckets(s.PerPeer, time.Minute, s.Now)
	s.senders = ratelimit.NewBuckets(s.PerSender, time.Minute, s.Now)
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, peer: peerKey(c.Conn().RemoteAddr())}, nil
	})
	srv := smtp.NewServer(be)
	srv.Domain = s.Domain
	if srv.Domain == "" {
		srv.Domain = "localhost"
	}
	srv.MaxMessageBytes = s.MaxBytes
	if srv.MaxMessageBytes == 0 {
		srv.MaxMessageBytes = MaxMessageBytes
	}
	srv.MaxRecipients = 50
	srv.ReadTimeout, srv.WriteTimeout = 2*time.Minute, 2*time.Minute
	srv.ErrorLog = slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)
	s.srv = srv
	err := srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the listener; messages in DATA finish first.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(context.Background())
}

type session struct {
	s     *Server
	peer  string
	rcpts []string
}

func (ss *session) Reset()        { ss.rcpts = nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > ss.s.srv.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	if ok, wait := ss.s.peers.Take(ss.peer); !ok {
		ss.s.Log.Warn("smtpd: peer over its limit", "peer", ss.peer, "retry_after", wait)
		return tooMany("from your address", wait)
	}
	// The null sender (bounces) is limited by peer only.
	if addr, ok := domain.NormalizeEmail(from); ok {
		if ok, wait := ss.s.senders.Take(addr); !ok {
			ss.s.Log.Warn("smtpd: sender over its limit", "from", addr, "retry_after", wait)
			return tooMany("from this sender", wait)
		}
	}
	return nil
}

// tooMany is a temporary refusal: the sending server keeps the message and
// retries, so nothing is accepted and dropped.
func tooMany(what string, wait time.Duration) error {
	return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: fmt.Sprintf("Too many messages %s, try again in %d seconds", what, int(wait.Seconds()))}
}

// peerKey is the rate-limit key of a connection: its IP address, or the /64
// of an IPv6 address (one host usually has the whole /64).
func peerKey(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	addr, ok := domain.NormalizeEmail(to)
	if !ok {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address"}
	}
	if _, err := ss.s.DB.MailboxByAddress(context.Background(), addr); err != nil {
		if domain.IsNotFound(err) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
		}
		ss.s.Log.Error("smtpd: mailbox lookup", "err", err)
		return tempFail
	}
	ss.rcpts = append(ss.rcpts, addr)
	return nil
}

var tempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // ErrDataTooLarge becomes 552
	}
	if len(ss.rcpts) == 0 {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := ss.s.Ingester.Ingest(ctx, ingest.Input{Raw: normalizeCRLF(raw), Source: ingest.SourceSMTP, Recipients: ss.rcpts})
	if err != nil {
		ss.s.Log.Error("smtpd: store", "err", err)
		return tempFail
	}
	ss.s.Log.Info("smtpd: accepted", "ticket", res.TicketID, "entry", res.EntryID, "duplicate", res.Duplicate, "failed_id", res.FailedID)
	return nil
}

// normalizeCRLF keeps stored messages in one line-ending style.
func normalizeCRLF(b []byte) []byte {
	s := string(b)
	if !strings.Contains(s, "\r\n") {
		return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
	}
	return b
}
