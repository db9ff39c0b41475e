package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

type loginData struct{ Next string }

// loginForm shows the sign-in page, or skips it when already signed in.
func (s *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := httpx.SafeNext(r.URL.Query().Get("next"))
	if _, _, err := httpx.SessionUser(s.db, r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := &web.Page{Title: "Sign in", Data: loginData{Next: next}}
	if err := s.render(w, r, http.StatusOK, "login", p); err != nil {
		s.pageError(w, r, err)
	}
}

// login checks the password and starts a session. Failures say the same
// thing for unknown accounts and wrong passwords, and take the same time.
func (s *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, domain.Errorf(domain.EBadRequest, "could not read the form"))
		return
	}
	if !httpx.SameOrigin(r) {
		s.pageError(w, r, domain.Errorf(domain.EForbidden, "Sign in from this site's own login page."))
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := httpx.SafeNext(r.PostFormValue("next"))
	form := url.Values{"email": {email}}
	fail := func(status int, fields map[string]string) {
		p := &web.Page{Title: "Sign in", Data: loginData{Next: next}, Errors: fields, Form: form}
		if err := s.render(w, r, status, "login", p); err != nil {
			s.pageError(w, r, err)
		}
	}
	v := domain.Validation{}
	v.Check(email != "", "email", "Enter your email address.")
	v.Check(password != "", "password", "Enter your password.")
	if len(v) > 0 {
		fail(http.StatusUnprocessableEntity, v)
		return
	}
	addr := httpx.ClientAddr(r)
	if ok, wait := s.guard.Allow(email, addr); !ok {
		s.log.Warn("login rate limited", "ip", httpx.ClientIP(r), "account", strings.ToLower(email))
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		fail(http.StatusTooManyRequests, map[string]string{"_": "Too many sign-in attempts. Wait a minute, then try again."})
		return
	}
	u, hash, err := s.db.UserByEmail(r.Context(), email)
	ok := false
	switch {
	case err == nil:
		ok = hash != "" && auth.CheckPassword(hash, password) && u.Active
	case domain.IsNotFound(err):
		auth.DummyCheck(password)
	default:
		s.pageError(w, r, err)
		return
	}
	if !ok {
		s.guard.Failed(email, addr)
		fail(http.StatusUnauthorized, map[string]string{"_": "That email and password do not match an active account."})
		return
	}
	s.guard.Succeeded(email, addr)
	// A second factor, or enrolling one, may come first (signin_2fa.go).
	s.afterPassword(w, r, u, next)
}

// finishSignIn starts the session of a user who passed every step and
// sends them on.
func (s *Handler) finishSignIn(w http.ResponseWriter, r *http.Request, u *domain.User, next, how string) {
	if err := s.startSession(w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.log.Info("signed in", "user", u.ID, "with", how)
	http.Redirect(w, r, landing(u, next), http.StatusSeeOther)
}

// landing is where a user goes after signing in.
func landing(u *domain.User, next string) string {
	if u.IsCollaborator() && next == "/" {
		return "/problems" // collaborators work on problems, not the inbox
	}
	return next
}

// startSession signs u in on this browser: a new session row and its cookie.
// Used by the login form and by accepted invitations.
func (s *Handler) startSession(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	token, err := auth.NewToken("")
	if err != nil {
		return err
	}
	csrf, err := auth.NewToken("")
	if err != nil {
		return err
	}
	// The cookie lives no longer than the session may (ANDON_SESSION_MAX_AGE).
	sessionTTL := s.cfg.Security.SessionMaxAge
	if sessionTTL <= 0 {
		sessionTTL = store.DefaultSessionMaxAge
	}
	now := s.db.Now()
	sess := domain.Session{ID: auth.HashToken(token), UserID: u.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(sessionTTL)}
	if err := s.db.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(sessionTTL.Seconds()), HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	return nil
}

// logout ends the session on the server and in the browser.
func (s *Handler) logout(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		if err := s.db.DeleteSession(r.Context(), sess.ID); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
