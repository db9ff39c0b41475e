package mail_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/mail/imap"
	"andon/internal/mail/mailtest"
)

// dropProxy forwards TCP to a backend and can cut every connection or
// refuse new ones, as a flaky network or a restarting server would.
type dropProxy struct {
	ln       net.Listener
	backend  string
	mu       sync.Mutex
	conns    []net.Conn
	refuse   atomic.Bool
	accepted atomic.Int32
}

func startDropProxy(t *testing.T, backend string) *dropProxy {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, backend: backend}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.refuse.Load() {
				c.Close()
				continue
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.accepted.Add(1)
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(b, c); b.Close() }()
			go func() { _, _ = io.Copy(c, b); c.Close() }()
		}
	}()
	return p
}

func (p *dropProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// The poller survives dropped connections and a server that refuses
// connections for a while: it reconnects and imports what arrived
// meanwhile, each message exactly once.
func TestIMAPReconnectsAfterDroppedConnection(t *testing.T) {
	dc := mailtest.StartDovecot(t, map[string]string{"support": "imap-pw"})
	px := startDropProxy(t, fmt.Sprintf("%s:%d", dc.Host, dc.Port))
	addr := px.ln.Addr().(*net.TCPAddr)
	s := newStack(t, "127.0.0.1", addr.Port)

	deliver := imapDeliverer(t, imapLogin(t, dc.Host, dc.Port))
	stored := func(n int) func() bool {
		return func() bool { got, _ := s.db.CountInboundMail(context.Background()); return got == n }
	}
	ctx, cancel := context.WithCancel(context.Background())
	poller := &imap.Poller{DB: s.db, Box: s.svc.Box, Ingester: s.svc.Ingester, Log: s.log, Interval: 100 * time.Millisecond}
	done := make(chan struct{})
	go func() { poller.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deliver(customerMail("<rc-1@example.com>", "First", "", "one"))
	waitFor(t, stored(1))

	// The connection drops while the poller IDLEs; mail arrives meanwhile.
	px.drop()
	deliver(customerMail("<rc-2@example.com>", "Second", "", "two"))
	waitFor(t, stored(2))

	// The server refuses connections for a while (a restart), then is back.
	px.refuse.Store(true)
	px.drop()
	deliver(customerMail("<rc-3@example.com>", "Third", "", "three"))
	time.Sleep(400 * time.Millisecond)
	if got, _ := s.db.CountInboundMail(context.Background()); got != 2 {
		t.Fatalf("imported %d while the server was away", got)
	}
	px.refuse.Store(false)
	waitFor(t, stored(3))
	if n := px.accepted.Load(); n < 3 {
		t.Errorf("poller connected %d times, want a reconnect after each outage", n)
	}
	// Nothing was imported twice: three tickets, one entry each.
	page, err := s.db.Tickets(context.Background(), domain.TicketFilter{Limit: 50})
	if err != nil || len(page.Tickets) != 3 {
		t.Fatalf("tickets: %v %d", err, len(page.Tickets))
	}
}

// The poller fetches over implicit TLS (IMAPS) and over STARTTLS, checking
// the server's certificate against the pool it is given.
func TestIMAPOverTLSAndSTARTTLS(t *testing.T) {
	dc, pool := mailtest.StartDovecotTLS(t, map[string]string{"support": "imap-pw"})
	s := newStack(t, dc.Host, dc.TLSPort)
	ctx := context.Background()
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{IMAPTLS: ptr(domain.TLSImplicit)}); err != nil {
		t.Fatal(err)
	}
	deliver := imapDeliverer(t, imapLogin(t, dc.Host, dc.Port))
	run := func(want int) {
		t.Helper()
		pctx, cancel := context.WithCancel(ctx)
		poller := &imap.Poller{DB: s.db, Box: s.svc.Box, Ingester: s.svc.Ingester, Log: s.log, Interval: 100 * time.Millisecond,
			TLSConfig: &tls.Config{RootCAs: pool}}
		done := make(chan struct{})
		go func() { poller.Run(pctx); close(done) }()
		waitFor(t, func() bool { n, _ := s.db.CountInboundMail(ctx); return n == want })
		cancel()
		<-done
	}
	deliver(customerMail("<tls-1@example.com>", "Over IMAPS", "", "secure"))
	run(1)
	if _, err := s.svc.UpdateMailbox(ctx, s.mb.ID, domain.MailboxInput{IMAPPort: ptr(dc.Port), IMAPPassword: ptr("imap-pw"), IMAPTLS: ptr(domain.TLSStart)}); err != nil {
		t.Fatal(err)
	}
	deliver(customerMail("<tls-2@example.com>", "Over STARTTLS", "", "upgraded"))
	run(2)

	// A certificate the poller does not trust: nothing is fetched.
	deliver(customerMail("<tls-3@example.com>", "Untrusted", "", "x"))
	pctx, cancel := context.WithCancel(ctx)
	poller := &imap.Poller{DB: s.db, Box: s.svc.Box, Ingester: s.svc.Ingester, Log: s.log, Interval: 100 * time.Millisecond}
	done := make(chan struct{})
	go func() { poller.Run(pctx); close(done) }()
	time.Sleep(500 * time.Millisecond)
	cancel()
	<-done
	if n, _ := s.db.CountInboundMail(ctx); n != 2 {
		t.Errorf("fetched over an untrusted certificate: %d", n)
	}
}
