package workspace

import (
	"net/http"
	"net/url"
	"strings"

	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/web"
)

// Password change (signed in) and reset (by an emailed link). The rules
// and the sessions that end are internal/account's; these handlers only
// read forms and render pages.

// passwordForm is GET /account/password.
func (s *Handler) passwordForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.render(w, r, http.StatusOK, "account_password", &web.Page{Title: "Change password"})
}

// changePassword is POST /account/password: current, new and repeated
// password. This browser stays signed in; every other session ends.
func (s *Handler) changePassword(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	page := &web.Page{Title: "Change password", Form: url.Values{}}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password2") {
		return s.formErrors(w, r, "account_password", page, &domain.Error{Code: domain.EInvalid, Message: "passwords differ",
			Fields: map[string]string{"password2": "The new passwords do not match."}})
	}
	keep := ""
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		keep = sess.ID
	}
	if err := s.account.ChangePassword(r.Context(), u.ID, r.PostFormValue("current_password"), next, keep); err != nil {
		return s.formErrors(w, r, "account_password", page, err)
	}
	s.log.Info("password changed", "user", u.ID)
	httpx.Redirect(w, r, "/account/password", "Password changed. Your other browsers are signed out.")
	return nil
}

type resetData struct {
	Sent   bool
	Email  string
	Action string
}

// resetRequestForm is GET /password/reset ("Forgot password?").
func (s *Handler) resetRequestForm(w http.ResponseWriter, r *http.Request) {
	s.renderBare(w, r, http.StatusOK, "password_reset", &web.Page{Title: "Reset your password", Data: resetData{}})
}

// requestReset is POST /password/reset. The answer is the same whether or
// not the address has an account; the mail goes through the outbox.
func (s *Handler) requestReset(w http.ResponseWriter, r *http.Request) {
	if !s.anonymousForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if email == "" {
		s.renderBare(w, r, http.StatusUnprocessableEntity, "password_reset", &web.Page{Title: "Reset your password", Data: resetData{},
			Errors: map[string]string{"email": "Enter the email address you sign in with."}})
		return
	}
	if err := s.account.RequestReset(r.Context(), email); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderBare(w, r, http.StatusOK, "password_reset", &web.Page{Title: "Reset your password", Data: resetData{Sent: true}})
}

// resetForm is GET /password/reset/{token}: the emailed link.
func (s *Handler) resetForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	u, err := s.account.ResetUser(r.Context(), token)
	if err != nil {
		s.pageError(w, r, deadLink(err))
		return
	}
	s.renderBare(w, r, http.StatusOK, "password_reset_token", &web.Page{Title: "Choose a new password",
		Data: resetData{Email: u.Email, Action: "/password/reset/" + url.PathEscape(token)}})
}

// resetPassword is POST /password/reset/{token}: sets the new password once
// and ends every session of the account; the agent then signs in.
func (s *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !s.anonymousForm(w, r) {
		return
	}
	token := r.PathValue("token")
	u, err := s.account.ResetUser(r.Context(), token)
	if err != nil {
		s.pageError(w, r, deadLink(err))
		return
	}
	retry := func(err error) {
		p := &web.Page{Title: "Choose a new password", Data: resetData{Email: u.Email, Action: "/password/reset/" + url.PathEscape(token)},
			Errors: domain.ErrorFields(err)}
		if len(p.Errors) == 0 {
			p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
		}
		s.renderBare(w, r, httpx.StatusOf(domain.ErrorCode(err)), "password_reset_token", p)
	}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password2") {
		retry(&domain.Error{Code: domain.EInvalid, Message: "passwords differ", Fields: map[string]string{"password2": "The passwords do not match."}})
		return
	}
	if _, err := s.account.ResetPassword(r.Context(), token, next); err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			retry(err)
			return
		}
		s.pageError(w, r, deadLink(err))
		return
	}
	s.log.Info("password reset", "user", u.ID)
	httpx.Redirect(w, r, "/login", "Password set. Sign in with your new password.")
}

// deadLink says what to do about a used, expired or unknown reset link.
func deadLink(err error) error {
	if domain.IsNotFound(err) {
		return domain.Errorf(domain.ENotFound, "This reset link is invalid, used or expired. Ask for a new one on the sign-in page.")
	}
	return err
}

// anonymousForm reads a small form posted from this site's own page (no
// session, so no CSRF token: the Origin check stands in), or answers.
func (s *Handler) anonymousForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, domain.Errorf(domain.EBadRequest, "could not read the form"))
		return false
	}
	if !httpx.SameOrigin(r) {
		s.pageError(w, r, domain.Errorf(domain.EForbidden, "Use this site's own page."))
		return false
	}
	return true
}

// renderBare renders a page outside the workspace layout.
func (s *Handler) renderBare(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) {
	if err := s.render(w, r, status, name, p); err != nil {
		s.pageError(w, r, err)
	}
}
