package workspace

import (
	"andon/internal/http/httpx"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/web"
)

// pageHandler is a workspace page: it returns an error instead of writing
// one, and the page gate renders a friendly error page.
type pageHandler = httpx.UserHandler

// pageGate authenticates workspace pages: a signed-in user (else a redirect
// to /login?next=...) and, for state-changing methods, the session's CSRF
// token in the "csrf" form field or the X-CSRF-Token header.
func (s *Handler) pageGate() httpx.Gate {
	return httpx.Gate{Authenticate: s.authenticatePage, Fail: s.pageError}
}

func (s *Handler) authenticatePage(w http.ResponseWriter, r *http.Request, _ bool) (*http.Request, error) {
	sess, u, err := httpx.SessionUser(s.db, r)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInternal {
			return nil, err
		}
		if httpx.SafeMethod(r.Method) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil, httpx.ErrHandled
		}
		return nil, domain.Errorf(domain.EUnauthorized, "Your session has ended. Sign in again.")
	}
	if !httpx.SafeMethod(r.Method) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			// Replies with attachments (web_mail_ticket.go): limits as in the portal.
			r.Body = http.MaxBytesReader(w, r.Body, httpx.MaxUploadBody)
			if err := httpx.ParseForm(r); err != nil {
				return nil, err
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		}
		token := r.Header.Get("X-CSRF-Token")
		if token == "" {
			token = r.PostFormValue("csrf")
		}
		if !auth.Equal(token, sess.CSRF) {
			return nil, domain.Errorf(domain.EForbidden, "This form has expired. Go back, reload the page and try again.")
		}
	}
	return r.WithContext(httpx.WithUser(r.Context(), u, sess)), nil
}

// maxFormBody bounds workspace form posts.
const maxFormBody = 1 << 20

// render fills the common page fields and renders a template.
func (s *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) error {
	p.Brand = s.Brand(r.Context())
	if p.User == nil {
		p.User = httpx.UserFrom(r.Context())
	}
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		p.CSRF = sess.CSRF
	}
	if start := httpx.StartFrom(r.Context()); !start.IsZero() {
		p.LiveSince = start.UnixMilli()
	}
	if err := s.settingsBadges(r.Context(), p); err != nil { // failed_mail.go
		return err
	}
	return s.RenderWithFlash(w, r, status, name, &p.Flash, p)
}

// pageError renders err as an error page with the status its code maps to.
func (s *Handler) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := s.ErrorStatus(r, err, "page failed")
	title := http.StatusText(status)
	p := &web.Page{Title: title, Data: map[string]any{"Status": status, "Message": domain.ErrorMessage(err)}}
	name := "error"
	if httpx.UserFrom(r.Context()) == nil {
		if _, u, uerr := httpx.SessionUser(s.db, r); uerr == nil {
			p.User = u
		} else {
			name = "error_bare"
		}
	}
	if rerr := s.render(w, r, status, name, p); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, title, status)
	}
}

// formErrors renders a form page again with its field errors (422), or
// returns err when it is not a validation error.
func (s *Handler) formErrors(w http.ResponseWriter, r *http.Request, name string, p *web.Page, err error) error {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.EConflict {
		return err
	}
	p.Errors = domain.ErrorFields(err)
	if len(p.Errors) == 0 {
		p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
	}
	if p.Form == nil {
		p.Form = r.PostForm
	}
	return s.render(w, r, httpx.StatusOf(code), name, p)
}

// manifest is the web app manifest, so agents can add the workspace to a
// phone's home screen; it follows the branding.
func (s *Handler) manifest(w http.ResponseWriter, r *http.Request) {
	b := s.Brand(r.Context())
	m := map[string]any{
		"name": b.Name, "short_name": b.Name, "start_url": "/", "scope": "/", "display": "standalone",
		"background_color": "#f6f7f9", "theme_color": b.Color,
		"description": "The " + b.Name + " agent workspace",
		"icons": []map[string]string{
			{"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
			{"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
			{"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
			{"src": s.assets.URL("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(m)
}

// icon serves a PNG app icon drawn in the brand colour.
func (s *Handler) icon(w http.ResponseWriter, r *http.Request) {
	size, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.PathValue("name"), "icon-"), ".png"))
	if err != nil || !web.IconSize(size) {
		http.NotFound(w, r)
		return
	}
	b := s.Brand(r.Context())
	png, err := s.icons.PNG(size, b.Color)
	if err != nil {
		s.log.Error("draw icon", "err", err)
		http.Error(w, "icon unavailable", http.StatusInternalServerError)
		return
	}
	etag := `"` + strconv.Itoa(size) + strings.TrimPrefix(b.Color, "#") + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(png)
}
