package portal

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strings"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// Passwordless sign-in for customers: an email with a one-time link.

type portalLoginData struct{ Next, Email string }

func portalNext(next string) string {
	next = httpx.SafeNext(next)
	if !strings.HasPrefix(next, "/help") {
		return "/help/tickets"
	}
	return next
}

func (s *Handler) portalLoginForm(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	next := portalNext(r.URL.Query().Get("next"))
	if c != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.portalRender(w, r, http.StatusOK, "portal_login", &web.PortalPage{Title: "Sign in", Data: portalLoginData{Next: next}})
}

// portalLogin sends a sign-in link when the address belongs to a customer.
// The answer is the same page, status and (padded) time whether or not it
// does, so the form cannot be used to learn who our customers are.
func (s *Handler) portalLogin(w http.ResponseWriter, r *http.Request, _ *domain.Contact) error {
	start := time.Now()
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := portalNext(r.PostFormValue("next"))
	addr, ok := domain.NormalizeEmail(email)
	if !ok {
		p := &web.PortalPage{Title: "Sign in", Data: portalLoginData{Next: next}, Form: url.Values{"email": {email}}}
		return s.portalFormErrors(w, r, "portal_login", p, &domain.Error{Code: domain.EInvalid, Message: "invalid email",
			Fields: map[string]string{"email": "Enter the email address you write to us from."}})
	}
	if err := s.sendLoginLink(r, addr, next); err != nil {
		// Logged, never shown: the page must not differ.
		s.log.Warn("portal sign-in link", "err", err)
	}
	if d := s.portalState.loginMinDelay - time.Since(start); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	return s.portalRender(w, r, http.StatusOK, "portal_login_sent", &web.PortalPage{Title: "Check your email",
		Data: portalLoginData{Email: addr}})
}

// sendLoginLink stores a hashed one-time token and queues the email with
// the link in the same transaction. Unknown addresses get nothing.
func (s *Handler) sendLoginLink(r *http.Request, addr, next string) error {
	token, err := auth.NewToken("")
	if err != nil {
		return err
	}
	link := s.baseURL(r) + "/help/login/verify?token=" + url.QueryEscape(token)
	if next != "/help/tickets" {
		link += "&next=" + url.QueryEscape(next)
	}
	b := s.Brand(r.Context())
	subject := "Your sign-in link for " + b.Name + " support"
	body := "Hello,\n\nUse this link to sign in and see your support requests:\n\n<" + link + ">" +
		"\n\nThe link works once and expires in 30 minutes. If you did not ask for it, ignore this email."
	_, err = s.db.CreateLoginLink(r.Context(), addr, auth.HashToken(token), subject, body)
	if domain.IsNotFound(err) {
		return nil
	}
	return err
}

// baseURL is the configured public URL, or the request's own origin.
func (s *Handler) baseURL(r *http.Request) string {
	if s.cfg != nil && s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type portalVerifyData struct{ Token, Next string }

// portalVerifyForm shows a "Sign in" button for a link. The link itself
// changes nothing, so mail scanners that fetch links do not use it up.
func (s *Handler) portalVerifyForm(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	token := r.URL.Query().Get("token")
	if err := s.db.LoginLinkValid(r.Context(), auth.HashToken(token)); err != nil {
		return err
	}
	return s.portalRender(w, r, http.StatusOK, "portal_verify", &web.PortalPage{Title: "Sign in",
		Data: portalVerifyData{Token: token, Next: portalNext(r.URL.Query().Get("next"))}})
}

// portalVerify uses the link once and starts a customer session.
func (s *Handler) portalVerify(w http.ResponseWriter, r *http.Request, _ *domain.Contact) error {
	secret, err := auth.NewToken("")
	if err != nil {
		return err
	}
	c, err := s.db.UseLoginLink(r.Context(), auth.HashToken(r.PostFormValue("token")), auth.HashToken(secret))
	if err != nil {
		return err
	}
	s.log.Info("customer signed in", "contact", c.ID)
	http.SetCookie(w, &http.Cookie{Name: portalSessionCookie, Value: secret, Path: "/help", MaxAge: int(store.CustomerSessionTTL.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	httpx.Redirect(w, r, portalNext(r.PostFormValue("next")), "You are signed in.")
	return nil
}

// portalLogout ends the customer session.
func (s *Handler) portalLogout(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	if ck, err := r.Cookie(portalSessionCookie); err == nil && ck.Value != "" {
		if err := s.db.DeleteCustomerSession(r.Context(), auth.HashToken(ck.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: portalSessionCookie, Value: "", Path: "/help", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	httpx.Redirect(w, r, "/help", "You are signed out.")
	return nil
}
