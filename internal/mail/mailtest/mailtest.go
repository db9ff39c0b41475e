// Package mailtest holds real mail servers for tests: a go-smtp server that
// records what Andon sends, and a throwaway Dovecot.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the sink accepted.
type Received struct {
	From string
	To   []string
	Raw  []byte
}

// Sink is an SMTP server that records messages. With User set it requires
// AUTH PLAIN; FailNext makes the next n DATA commands fail with code.
type Sink struct {
	User, Pass string
	Host       string
	Port       int

	mu       sync.Mutex
	msgs     []Received
	failN    int
	failCode int
	arrived  chan struct{}
}

// StartSink starts a recording SMTP server on a loopback port.
func StartSink(t testing.TB, user, pass string) *Sink {
	t.Helper()
	s, _ := startSink(t, user, pass, "")
	return s
}

// StartSinkTLS starts the sink with TLS: "tls" from the first byte or
// "starttls". It returns the CA pool a client needs to trust it.
func StartSinkTLS(t testing.TB, user, pass, mode string) (*Sink, *x509.CertPool) {
	t.Helper()
	return startSink(t, user, pass, mode)
}

func startSink(t testing.TB, user, pass, mode string) (*Sink, *x509.CertPool) {
	s := &Sink{User: user, Pass: pass, arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = mode == ""
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var pool *x509.CertPool
	if mode != "" {
		// Borrow httptest's self-signed loopback certificate.
		hs := httptest.NewUnstartedServer(nil)
		hs.StartTLS()
		hs.Close()
		srv.TLSConfig = hs.TLS.Clone()
		srv.TLSConfig.NextProtos = nil
		pool = x509.NewCertPool()
		pool.AddCert(hs.Certificate())
		if mode == "tls" {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	return s, pool
}

// FailNext makes the next n messages fail with the SMTP code.
func (s *Sink) FailNext(n, code int) {
	s.mu.Lock()
	s.failN, s.failCode = n, code
	s.mu.Unlock()
}

// Messages returns what was received so far.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait waits until n messages have arrived.
func (s *Sink) Wait(t testing.TB, n int, d time.Duration) []Received {
	t.Helper()
	deadline := time.After(d)
	for len(s.Messages()) < n {
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("sink: %d messages after %s, want %d", len(s.Messages()), d, n)
		}
	}
	return s.Messages()
}

type sinkSession struct {
	s      *Sink
	authed bool
	from   string
	to     []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.User || password != ss.s.Pass {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.failN > 0 {
		ss.s.failN--
		return &smtp.SMTPError{Code: ss.s.failCode, Message: "sink says no " + strconv.Itoa(ss.s.failCode)}
	}
	ss.s.msgs = append(ss.s.msgs, Received{From: ss.from, To: ss.to, Raw: bytes.Clone(b)})
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
