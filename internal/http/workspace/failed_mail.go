package workspace

import (
	"context"
	"net/http"
	"strconv"

	"andon/internal/domain"
	"andon/internal/web"
)

// Failed mail list (keyset-paged) and the count shown in Settings.

// failedMailPageSize is the number of rows per page of the list.
const failedMailPageSize = 50

type failedMailData struct {
	Section    string
	Failed     []*domain.FailedMail
	One        *domain.FailedMail
	Raw        string // the message as text, for the detail view
	Count      int    // unresolved failed mail in all
	Paged      bool   // not the first page: link back to the newest
	NextBefore int64  // > 0: the "Older" link's before
}

func (s *Handler) settingsFailedMail(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	ctx := r.Context()
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return &domain.Error{Code: domain.EInvalid, Message: "before must be a failed mail id", Fields: map[string]string{"before": "must be a failed mail id"}}
		}
		before = n
	}
	list, err := s.db.FailedMailPage(ctx, before, failedMailPageSize+1)
	if err != nil {
		return err
	}
	d := failedMailData{Section: "failed-mail", Failed: list, Paged: before > 0}
	if len(list) > failedMailPageSize {
		d.Failed = list[:failedMailPageSize]
		d.NextBefore = d.Failed[failedMailPageSize-1].ID
	}
	if d.Count, err = s.db.CountFailedMail(ctx); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin_failed_mail", &web.Page{Title: "Failed mail", Nav: "settings", Data: d})
}

// settingsBadges fills the counts shown in the settings navigation.
func (s *Handler) settingsBadges(ctx context.Context, p *web.Page) error {
	if p.Nav != "settings" || p.User == nil || !p.User.IsAdmin() {
		return nil
	}
	n, err := s.db.CountFailedMail(ctx)
	if err != nil || n == 0 {
		return err
	}
	if p.Badges == nil {
		p.Badges = map[string]int{}
	}
	p.Badges["failed-mail"] = n
	return nil
}

// settingsHomeData is what admin_home.html shows.
type settingsHomeData struct {
	Section    string
	FailedMail int
}

// settingsHome is the overview of Settings: its sections and what needs
// attention (failed mail).
func (s *Handler) settingsHome(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	n, err := s.db.CountFailedMail(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin_home", &web.Page{Title: "Settings", Nav: "settings",
		Data: settingsHomeData{Section: "home", FailedMail: n}})
}
