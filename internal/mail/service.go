package mail

import (
	"context"
	"log/slog"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
	"andon/internal/store"
)

// Service is what the HTTP layer uses: mailbox administration (sealing
// credentials), inbound mail by HTTP, and failed-mail retries.
type Service struct {
	DB       *store.DB
	Box      *Box
	Ingester *ingest.Ingester
}

// NewService wires the service.
func NewService(db *store.DB, box *Box, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Box: box, Ingester: &ingest.Ingester{DB: db, Log: log}}
}

// CreateMailbox validates, seals the passwords and stores a new mailbox.
func (s *Service) CreateMailbox(ctx context.Context, in domain.MailboxInput) (*domain.Mailbox, error) {
	m := &domain.Mailbox{}
	if err := in.Apply(m); err != nil {
		return nil, err
	}
	if err := s.seal(m); err != nil {
		return nil, err
	}
	return s.DB.SaveMailbox(ctx, m)
}

// UpdateMailbox changes the given fields; empty passwords keep the old ones,
// except that a new host, port or username needs its password again.
func (s *Service) UpdateMailbox(ctx context.Context, id int64, in domain.MailboxInput) (*domain.Mailbox, error) {
	m, err := s.DB.Mailbox(ctx, id)
	if err != nil {
		return nil, err
	}
	stored := *m
	sealedIMAP, sealedSMTP := m.IMAPPassword, m.SMTPPassword
	m.IMAPPassword, m.SMTPPassword = "", ""
	if err := in.Apply(m); err != nil {
		return nil, err
	}
	// A kept password must not follow the mailbox to another server.
	if err := domain.CheckCredentialTarget(&stored, m); err != nil {
		return nil, err
	}
	if err := s.seal(m); err != nil {
		return nil, err
	}
	if m.IMAPPassword == "" {
		m.IMAPPassword = sealedIMAP
	}
	if m.SMTPPassword == "" {
		m.SMTPPassword = sealedSMTP
	}
	return s.DB.SaveMailbox(ctx, m)
}

func (s *Service) seal(m *domain.Mailbox) error {
	var err error
	if m.IMAPPassword, err = s.Box.Seal(m.IMAPPassword); err != nil {
		return err
	}
	m.SMTPPassword, err = s.Box.Seal(m.SMTPPassword)
	return err
}

// Inbound stores a raw message received by HTTP.
func (s *Service) Inbound(ctx context.Context, raw []byte) (ingest.Result, error) {
	return s.Ingester.Ingest(ctx, ingest.Input{Raw: raw, Source: ingest.SourceAPI})
}

// RetryFailed ingests a failed message again.
func (s *Service) RetryFailed(ctx context.Context, id int64) (ingest.Result, error) {
	return s.Ingester.Retry(ctx, id)
}
