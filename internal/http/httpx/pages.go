package httpx

import (
	"context"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/settings"
	"andon/internal/store"
	"andon/internal/web"
)

// Pages is what the HTML audiences (workspace, portal) share to render
// pages: branding, templates, the one-shot flash message.
type Pages struct {
	DB   *store.DB
	Log  *slog.Logger
	Tmpl *web.Templates
}

// Brand reads the branding settings; on error it logs and uses defaults, so a
// settings problem never takes the workspace down.
func (s *Pages) Brand(ctx context.Context) domain.Brand {
	b, err := settings.Brand(ctx, s.DB)
	if err != nil {
		s.Log.Warn("read brand settings", "err", err)
	}
	return b
}

// RenderWithFlash shows the confirmation left by the last Redirect (unless
// the page brings its own) once, then renders the template. The agent pages
// and the portal share it.
func (s *Pages) RenderWithFlash(w http.ResponseWriter, r *http.Request, status int, name string, flash *string, p any) error {
	if *flash == "" {
		*flash = FlashFrom(r)
	}
	ClearFlash(w, r)
	return s.Tmpl.RenderStatus(w, status, name, p)
}

// ErrorStatus is the status an error page for err answers with; internal
// failures are logged (as msg), since the page only says something failed.
func (s *Pages) ErrorStatus(r *http.Request, err error, msg string) int {
	code := domain.ErrorCode(err)
	if code == domain.EInternal {
		s.Log.Error(msg, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return StatusOf(code)
}

// Redirect ends a successful form post (Post/Redirect/Get), carrying an
// optional one-line confirmation to the next page.
func Redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: FlashCookie, Value: url.QueryEscape(flash), Path: "/", MaxAge: 30, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

const FlashCookie = "andon_flash"

// FlashFrom reads the confirmation left by Redirect; the cookie lives 30
// seconds and render clears it once shown.
func FlashFrom(r *http.Request) string {
	c, err := r.Cookie(FlashCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil || len(v) > 200 {
		return ""
	}
	return v
}

// ClearFlash removes the flash cookie once a page has shown it.
func ClearFlash(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(FlashCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: FlashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}

// SafeNext keeps a post-login Redirect on this site.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// SameOrigin rejects cross-site form posts that browsers mark with an
// Origin header naming another site (login CSRF).
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// ServeAttachment writes a file as a download. Only a few passive types
// keep their Content-Type; everything else (HTML, SVG, scripts) is served
// as application/octet-stream.
func ServeAttachment(w http.ResponseWriter, a *domain.Attachment, data []byte) {
	ct := "application/octet-stream"
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv":
		ct = a.ContentType
		if strings.HasPrefix(ct, "text/") {
			ct += "; charset=utf-8"
		}
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// HitView is a search hit for templates. The store escapes snippets and
// adds only <mark>, so they are safe to insert as HTML.
type HitView struct {
	Article *domain.Article
	Title   template.HTML
	Snippet template.HTML
}

func HitViews(hits []domain.ArticleHit) []HitView {
	out := make([]HitView, len(hits))
	for i, h := range hits {
		out[i] = HitView{Article: h.Article, Title: template.HTML(h.Title), Snippet: template.HTML(h.Snippet)}
	}
	return out
}

// KBHasWords reports whether a query has a word to search for (letters or
// digits), so punctuation alone is not an error.
func KBHasWords(q string) bool {
	return strings.IndexFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// FailedMailRaw serves the raw bytes of failed mail {id} as a download,
// never rendered in the admin's browser (API and settings page alike).
func FailedMailRaw(db *store.DB) UserHandler {
	return func(w http.ResponseWriter, r *http.Request, u *domain.User) error {
		id, err := PathID(r, "id", "failed mail")
		if err != nil {
			return err
		}
		f, err := db.FailedMail(r.Context(), id)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", `attachment; filename="failed-mail.eml"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(f.Raw)
		return nil
	}
}

// NeedMail refuses mail endpoints while the email channel is off.
func NeedMail(m *mail.Service) error {
	if m == nil {
		return domain.Errorf(domain.EUnprocessabl, "email channel is not enabled")
	}
	return nil
}
