package api

import (
	"andon/internal/http/httpx"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"andon/internal/domain"
	"andon/internal/store"
)

// failedMailPage is one page of GET /api/v1/failed-mail.
type failedMailPage struct {
	FailedMail []*domain.FailedMail `json:"failed_mail"`
	NextBefore *int64               `json:"next_before"` // null on the last page
	Next       string               `json:"next"`        // the next page's URL, "" on the last
}

// apiListFailedMail pages through unresolved failed mail, newest first:
// ?before=<id> (the previous page's next_before) and ?limit=<n>.
func (s *Handler) apiListFailedMail(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "before", "limit")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	limit := queryLimit(q, v)
	if limit == 0 {
		limit = 50
	}
	var before int64
	if b := q.Get("before"); b != "" {
		before, err = strconv.ParseInt(b, 10, 64)
		if err != nil || before < 1 {
			v.Add("before", "must be a failed mail id (the previous page's next_before)")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	list, next, err := pageFailedMail(r.Context(), s.db, before, limit)
	if err != nil {
		return err
	}
	out := failedMailPage{FailedMail: list}
	if next > 0 {
		out.NextBefore = &next
		out.Next = "/api/v1/failed-mail?" + url.Values{"before": {strconv.FormatInt(next, 10)}, "limit": {strconv.Itoa(limit)}}.Encode()
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// pageFailedMail loads one page and, when it is full, whether an older
// row exists, so the last page has no next link.
func pageFailedMail(ctx context.Context, db *store.DB, before int64, limit int) ([]*domain.FailedMail, int64, error) {
	list, err := db.FailedMailPage(ctx, before, limit)
	if err != nil || len(list) < limit {
		return list, 0, err
	}
	last := list[len(list)-1].ID
	more, err := db.FailedMailPage(ctx, last, 1)
	if err != nil || len(more) == 0 {
		return list, 0, err
	}
	return list, last, nil
}
