// Package widget is the public side of live chat: the embeddable widget,
// its config, visitor registration, the visitor socket, uploads,
// transcripts and the end-of-chat survey (/widget*).
package widget

import (
	"log/slog"

	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/http/httpx"
	"andon/internal/reports"
	"andon/internal/store"
)

// Deps are what the widget endpoints need.
type Deps struct {
	Config  *config.Config
	Pages   *httpx.Pages // branding
	Chat    *chat.Service
	Surveys *reports.Surveys
}

// Handler serves the widget endpoints.
type Handler struct {
	*httpx.Pages
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	chat    *chat.Service
	surveys *reports.Surveys
}

// New builds the widget handlers.
func New(d Deps) *Handler {
	return &Handler{Pages: d.Pages, cfg: d.Config, db: d.Pages.DB, log: d.Pages.Log, chat: d.Chat, surveys: d.Surveys}
}

// Routes is the widget's route table.
func (s *Handler) Routes() []httpx.Route { return s.widgetRoutes() }
