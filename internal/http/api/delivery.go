package api

import (
	"net/http"

	"andon/internal/domain"
	"andon/internal/http/httpx"
)

// apiReplyRoute is GET /api/v1/tickets/{id}/reply-route: where a public
// reply sent now would go, so a client can warn before sending.
func (s *Handler) apiReplyRoute(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	route, err := s.db.ReplyRoute(r.Context(), t.ID)
	if err != nil {
		return err
	}
	if route.Via == nil {
		route.Via = []domain.Channel{} // always a list in JSON
	}
	httpx.WriteJSON(w, http.StatusOK, route)
	return nil
}
