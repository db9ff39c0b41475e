package api

import (
	"andon/internal/http/httpx"
	"net/http"

	"andon/internal/domain"
	"andon/internal/store"
)

// SearchOut is the search answer: hits best first, one per ticket. Each
// snippet is HTML-escaped text whose matches are wrapped in <mark>.
type SearchOut struct {
	Query string            `json:"query"`
	Hits  []store.SearchHit `json:"hits"`
}

func (s *Handler) apiSearch(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "q", "limit")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	limit := queryLimit(q, v)
	query := q.Get("q")
	v.Check(len(query) <= 500, "q", "at most 500 characters")
	if err := v.Err(); err != nil {
		return err
	}
	hits, err := s.db.Search(r.Context(), query, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, SearchOut{Query: query, Hits: hits})
	return nil
}
