package workspace

import (
	"net/http"

	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/settings"
	"andon/internal/web"
)

// Admin settings for sign-in security: which roles must use a second
// factor, and resetting a user's second factors (a lost phone).

type adminSecurityData struct {
	Section  string
	Required map[string]bool
	Users    []*domain.User
	Enrolled map[int64]bool
}

// settingsSecurity is GET /settings/security.
func (s *Handler) settingsSecurity(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	ctx := r.Context()
	roles, err := settings.RequiredTwoFactor(ctx, s.db)
	if err != nil {
		return err
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	enrolled, err := s.db.EnrolledUsers(ctx)
	if err != nil {
		return err
	}
	required := map[string]bool{}
	for role, on := range roles {
		required[string(role)] = on
	}
	return s.render(w, r, http.StatusOK, "admin_security", &web.Page{Title: "Sign-in security", Nav: "settings",
		Data: adminSecurityData{Section: "security", Required: required, Users: users, Enrolled: enrolled}})
}

// saveSecurity is POST /settings/security: the roles that must sign in
// with a second factor. Their users without one are signed out (but for
// the admin saving) and enrol at their next sign-in.
func (s *Handler) saveSecurity(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	roles := map[domain.Role]bool{}
	for _, v := range r.PostForm["require"] {
		if role := domain.Role(v); role.Valid() {
			roles[role] = true
		}
	}
	keep := ""
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		keep = sess.ID
	}
	ended, err := s.db.RequireTwoFactor(r.Context(), roles, keep)
	if err != nil {
		return err
	}
	s.log.Info("two-factor requirement changed", "by", u.ID, "roles", domain.FormatRoles(roles), "sessions_ended", ended)
	httpx.Redirect(w, r, "/settings/security", "Saved. Users of these roles without a second factor set one up at their next sign-in.")
	return nil
}

// resetTwoFactor is POST /settings/security/users/{id}/reset.
func (s *Handler) resetTwoFactor(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "user")
	if err != nil {
		return err
	}
	target, err := s.db.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.db.ResetTwoFactor(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("two-factor reset", "by", u.ID, "user", id)
	httpx.Redirect(w, r, "/settings/security", "Two-factor sign-in of "+target.Name+" reset; they are signed out and set it up again at their next sign-in if their role requires it.")
	return nil
}
