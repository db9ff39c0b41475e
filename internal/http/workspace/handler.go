// Package workspace is the agent workspace: inbox, tickets, contacts,
// problems, knowledge base, reports, settings, live updates and the agent's
// side of live chat (/chat/*).
package workspace

import (
	"log/slog"

	"andon/internal/account"
	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/http/httpx"
	"andon/internal/kb"
	"andon/internal/mail"
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
	// Login limits password guessing; nil builds one from Config.Security.
	Login *auth.LoginLimiter
	// Codes limits second-factor guessing per account; nil builds one.
	Codes *auth.LoginLimiter
	// Secrets seals TOTP secrets at rest (mail.Box).
	Secrets account.Sealer
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

	guard   *auth.LoginLimiter
	account *account.Service

	codes     *auth.LoginLimiter
	twoFactor *account.TwoFactor
	passkeys  *account.Passkeys // nil: no usable ANDON_BASE_URL
}

// New builds the workspace handlers.
func New(d Deps) *Handler {
	h := &Handler{Pages: d.Pages, cfg: d.Config, db: d.Pages.DB, log: d.Pages.Log, tmpl: d.Pages.Tmpl,
		assets: d.Assets, icons: d.Icons, events: d.Events, mail: d.Mail, chat: d.Chat, reports: d.Reports,
		md:    kb.NewRenderer(),
		guard: d.Login,
		account: &account.Service{DB: d.Pages.DB, ResetLink: func(token string) string {
			return d.Config.BaseURL + "/password/reset/" + token
		}},
	}
	if h.guard == nil {
		h.guard = &auth.LoginLimiter{PerAccount: d.Config.Security.LoginPerAccount, PerAddress: d.Config.Security.LoginPerAddress}
	}
	h.codes = d.Codes
	if h.codes == nil {
		// A six-digit code is guessed far more easily than a password.
		h.codes = &auth.LoginLimiter{PerAccount: 10, PerAddress: 100}
	}
	h.twoFactor = &account.TwoFactor{DB: h.db, Box: d.Secrets}
	pk, err := account.NewPasskeys(h.db, d.Config.BaseURL, "Andon")
	if err != nil {
		h.log.Warn("passkeys off", "err", err)
	}
	h.passkeys = pk
	return h
}

// Routes is the workspace's route table.
func (s *Handler) Routes() []httpx.Route { return s.workspaceRoutes() }

// Gate authenticates workspace pages (httpx.Page).
func (s *Handler) Gate() httpx.Gate { return s.pageGate() }
