// Package workspace is the agent workspace: inbox, tickets, contacts,
// problems, knowledge base, reports, settings, live updates and the agent's
// side of live chat (/chat/*).
package workspace

import (
	"log/slog"

	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/http/httpx"
	"andon/internal/kb"
	"andon/internal/mail"
	"andon/internal/ratelimit"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/web"
)

// Deps are what the workspace needs.
type Deps struct {
	Config  *config.Config
	Pages   *httpx.Pages
	Assets  *web.Assets
	Icons   *web.Icons
	Events  *events.Bus
	Mail    *mail.Service // nil: the email channel is off
	Chat    *chat.Service
	Reports *reports.Service
}

// Handler serves the workspace.
type Handler struct {
	*httpx.Pages
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	tmpl    *web.Templates
	assets  *web.Assets
	icons   *web.Icons
	events  *events.Bus
	mail    *mail.Service
	chat    *chat.Service
	reports *reports.Service
	md      *kb.Renderer // article previews

	loginByAccount *ratelimit.Limiter
	loginByAddr    *ratelimit.Limiter
}

// New builds the workspace handlers.
func New(d Deps) *Handler {
	return &Handler{Pages: d.Pages, cfg: d.Config, db: d.Pages.DB, log: d.Pages.Log, tmpl: d.Pages.Tmpl,
		assets: d.Assets, icons: d.Icons, events: d.Events, mail: d.Mail, chat: d.Chat, reports: d.Reports,
		md:             kb.NewRenderer(),
		loginByAccount: ratelimit.New(ratelimit.Limit{PerMinute: 10, Burst: 10}),
		loginByAddr:    ratelimit.New(ratelimit.Limit{PerMinute: 30, Burst: 30}),
	}
}

// Routes is the workspace's route table.
func (s *Handler) Routes() []httpx.Route { return s.workspaceRoutes() }

// Gate authenticates workspace pages (httpx.Page).
func (s *Handler) Gate() httpx.Gate { return s.pageGate() }
