package app

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"sync"

	"andon/internal/config"
	"andon/internal/mail"
	"andon/internal/mail/imap"
	"andon/internal/mail/outbox"
	"andon/internal/mail/smtpd"
	"andon/internal/metrics"
	"andon/internal/store"
)

// mailChannel is the email channel of one node: the service the HTTP API
// uses, the outbox sender, the IMAP poller and (when ANDON_SMTP_ADDR is
// set) the inbound SMTP listener.
type mailChannel struct {
	svc     *mail.Service
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	smtp    *smtpd.Server
	Addr    net.Addr // the SMTP listener's address, when on
	metrics *metrics.Metrics
}

func (m *mailChannel) counter(direction string) func(string) {
	return func(outcome string) {
		if m.metrics != nil {
			m.metrics.Mail.WithLabelValues(direction, outcome).Inc()
		}
	}
}

func startMail(parent context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, mt *metrics.Metrics) (*mailChannel, error) {
	box, err := mail.NewBox(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	// A fresh install gets a default mailbox so no mail is ever refused.
	if _, err := db.EnsureDefaultMailbox(parent, "support@"+mailDomain(cfg.BaseURL), "Support"); err != nil {
		return nil, err
	}
	log = log.With("component", "mail")
	svc := mail.NewService(db, box, log)
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	m := &mailChannel{svc: svc, cancel: cancel, metrics: mt}
	svc.Ingester.Count = m.counter("in")
	svc.Ingester.AckPerHour = cfg.Security.AckPerHour
	svc.Ingester.Limits.Timeout = cfg.MailParseTimeout
	if cfg.SMTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.SMTPAddr)
		if err != nil {
			cancel()
			return nil, err
		}
		m.Addr = ln.Addr()
		m.smtp = &smtpd.Server{DB: db, Ingester: svc.Ingester, Log: log, Domain: mailDomain(cfg.BaseURL),
			PerPeer: cfg.Security.SMTPPerPeer, PerSender: cfg.Security.SMTPPerSender}
		m.run(func() {
			if err := m.smtp.Serve(ln); err != nil {
				log.Error("smtp listener", "err", err)
			}
		})
		log.Info("inbound SMTP listening", "addr", ln.Addr().String())
	}
	sender := &outbox.Sender{DB: db, Box: box, Log: log, Hostname: mailDomain(cfg.BaseURL), BaseURL: cfg.BaseURL, Count: m.counter("out")}
	m.run(func() { sender.Run(ctx) })
	poller := &imap.Poller{DB: db, Box: box, Ingester: svc.Ingester, Log: log}
	m.run(func() { poller.Run(ctx) })
	return m, nil
}

func (m *mailChannel) run(fn func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
}

// stop ends the workers; an SMTP message in DATA is finished first.
func (m *mailChannel) stop() {
	if m.smtp != nil {
		_ = m.smtp.Close()
	}
	m.cancel()
	m.wg.Wait()
}

func mailDomain(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}
