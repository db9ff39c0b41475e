package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/http/httpx"
	"andon/internal/http/server"
	"andon/internal/mail"
	"andon/internal/metrics"
	"andon/internal/reports"
	"andon/internal/store"
)

// Node is one node's HTTP side, wired from its parts. NewNode builds it and
// starts nothing; Start runs what has goroutines.
type Node struct {
	Server  *server.Server
	Chat    *chat.Service
	Surveys *reports.Surveys
	Metrics *metrics.Metrics
	log     *slog.Logger
}

// NodeDeps are what NewNode wires together.
type NodeDeps struct {
	Config  *config.Config
	DB      *store.DB
	Log     *slog.Logger
	Events  *events.Bus
	Mail    *mail.Service // nil disables the email channel's HTTP side
	Metrics *metrics.Metrics
	Version string
	Limits  map[httpx.Rate]httpx.Limit // overrides the rate-limit classes' defaults (tests)
	// Tune adjusts the server's dependencies before it is built: tests give
	// a login limiter on their own clock, a chat service with small limits.
	Tune func(*server.Deps)
}

// NewNode builds the chat service, surveys, reports and the HTTP server,
// and sets the store's change hook once: every ticket committed on this node
// is counted by channel and published to the bus.
func NewNode(d NodeDeps) (*Node, error) {
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	d.DB.OnChange(metrics.CountCreated(d.DB, d.Metrics, d.Log, d.Events.Publish))
	surveys, err := reports.NewSurveys(d.DB, d.Config.SecretKey, d.Config.DataDir, d.Config.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("survey links: %w", err)
	}
	secrets, err := secretBox(d.Config)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	sd := server.Deps{Config: d.Config, DB: d.DB, Log: d.Log, Metrics: d.Metrics, Version: d.Version, Events: d.Events, Mail: d.Mail, Secrets: secrets,
		Chat: chat.NewService(d.DB, d.Events, d.Log, d.Config.ChatIdleTimeout, nil), Surveys: surveys, Reports: reports.New(d.DB), Limits: d.Limits}
	if d.Tune != nil {
		d.Tune(&sd)
	}
	n := &Node{Chat: sd.Chat, Surveys: sd.Surveys, Metrics: d.Metrics, log: d.Log}
	if n.Server, err = server.New(sd); err != nil {
		return nil, err
	}
	return n, nil
}

// Start runs live chat and, when surveys is true, the survey mailer (which
// emails a survey on solved tickets) until ctx ends.
func (n *Node) Start(ctx context.Context, surveys bool) {
	n.Chat.Start()
	if surveys {
		go n.Surveys.Run(ctx, time.Minute, n.log)
	}
}

// secretBox seals secrets at rest with ANDON_SECRET_KEY, or the key file in
// the data directory. Without either (tests that keep nothing) the key is
// random: what it sealed lasts as long as the process.
func secretBox(cfg *config.Config) (*mail.Box, error) {
	if cfg.SecretKey == "" && cfg.DataDir == "" {
		k, err := auth.NewToken("")
		if err != nil {
			return nil, err
		}
		return mail.NewBox(k, "")
	}
	return mail.NewBox(cfg.SecretKey, cfg.DataDir)
}
