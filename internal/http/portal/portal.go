package portal

import (
	"andon/internal/http/httpx"
	"andon/internal/ratelimit"
	"andon/internal/store"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/kb"
	"andon/internal/settings"
	"andon/internal/web"
)

// The customer portal at /help: the public knowledge base, the ticket form,
// passwordless sign-in and the customer's own tickets. Customers are never
// agents: they have their own cookie, session table, templates and styles.

const (
	portalSessionCookie = "andon_customer"
	// portalCSRFCookie is a browser-session cookie: the double-submit CSRF
	// token of portal forms, and (hashed) the visitor id that ties article
	// views from the ticket form to a later ticket.
	portalCSRFCookie = "andon_portal"
	portalFormBody   = 64 << 10
)

// portalState holds the portal's renderer and rate limits.
type portalState struct {
	md *kb.Renderer
	// votes are dropped silently past the limit (the page looks the same);
	// sign-in and forms are limited by their routes' classes.
	votes *ratelimit.Limiter // helpful votes per IP
	// loginMinDelay pads every sign-in link request to the same duration so
	// timing does not tell known addresses from unknown ones.
	loginMinDelay time.Duration
}

func newPortalState() *portalState {
	return &portalState{
		md:            kb.NewRenderer(),
		votes:         ratelimit.New(ratelimit.Limit{PerMinute: 30, Burst: 30}),
		loginMinDelay: 400 * time.Millisecond,
	}
}

// portalHandler is a portal page; c is the signed-in customer or nil.
type portalHandler func(w http.ResponseWriter, r *http.Request, c *domain.Contact) error

type (
	portalCtxKey     struct{}
	portalContactKey struct{}
)

// customer adapts a portal page to a route handler: c is the signed-in
// customer the portal gate found, or nil.
func customer(h portalHandler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _ := r.Context().Value(portalContactKey{}).(*domain.Contact)
		return h(w, r, c)
	}
}

// portalGate authenticates portal pages: it resolves the customer session,
// checks the CSRF token of form posts, and renders errors as portal pages.
func (s *Handler) portalGate() httpx.Gate {
	return httpx.Gate{Authenticate: s.authenticatePortal, Fail: s.portalError}
}

func (s *Handler) authenticatePortal(w http.ResponseWriter, r *http.Request, mustSignIn bool) (*http.Request, error) {
	csrf := s.portalCSRF(w, r)
	c, err := s.portalCustomer(r)
	if err != nil && domain.ErrorCode(err) != domain.EUnauthorized {
		return nil, err
	}
	if mustSignIn && c == nil {
		if httpx.SafeMethod(r.Method) {
			http.Redirect(w, r, "/help/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil, httpx.ErrHandled
		}
		return nil, domain.Errorf(domain.EUnauthorized, "Your sign-in has ended. Sign in again.")
	}
	if !httpx.SafeMethod(r.Method) {
		limit := int64(portalFormBody)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			limit = httpx.MaxUploadBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := httpx.ParseForm(r); err != nil {
			return nil, err
		}
		if !httpx.SameOrigin(r) || csrf == "" || !auth.Equal(r.PostFormValue("csrf"), csrf) {
			return nil, domain.Errorf(domain.EForbidden, "This form has expired. Go back, reload the page and try again.")
		}
	}
	ctx := context.WithValue(r.Context(), portalCtxKey{}, csrf)
	if c != nil {
		ctx = context.WithValue(ctx, portalContactKey{}, c)
	}
	return r.WithContext(ctx), nil
}

// portalCSRF returns the browser's portal token, setting one when missing.
func (s *Handler) portalCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(portalCSRFCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	tok, err := auth.NewToken("")
	if err != nil {
		return ""
	}
	// No Max-Age: it lasts as long as the browser session, which is also
	// the window in which an article view can turn into a ticket.
	http.SetCookie(w, &http.Cookie{Name: portalCSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return tok
	}
	return "" // a post without the cookie cannot carry a matching token
}

// visitorID identifies this browser session for deflection counting.
func visitorID(r *http.Request) string {
	c, err := r.Cookie(portalCSRFCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	return auth.HashToken("visitor:" + c.Value)
}

// portalCustomer resolves the customer session cookie.
func (s *Handler) portalCustomer(r *http.Request) (*domain.Contact, error) {
	c, err := r.Cookie(portalSessionCookie)
	if err != nil || c.Value == "" {
		return nil, domain.Errorf(domain.EUnauthorized, "not signed in")
	}
	return s.db.CustomerSession(r.Context(), auth.HashToken(c.Value))
}

// portalRender fills the common fields and renders a portal template.
func (s *Handler) portalRender(w http.ResponseWriter, r *http.Request, status int, name string, p *web.PortalPage) error {
	b, err := settings.Brand(r.Context(), s.db)
	if err != nil {
		s.log.Warn("read brand settings", "err", err)
	}
	p.Brand, p.Support = b, web.SupportOf(b)
	if p.Customer == nil {
		p.Customer, _ = s.portalCustomer(r)
	}
	if v, ok := r.Context().Value(portalCtxKey{}).(string); ok {
		p.CSRF = v
	} else if c, err := r.Cookie(portalCSRFCookie); err == nil {
		p.CSRF = c.Value
	}
	return s.RenderWithFlash(w, r, status, name, &p.Flash, p)
}

// portalError renders err as a portal page with the status its code maps to.
func (s *Handler) portalError(w http.ResponseWriter, r *http.Request, err error) {
	status := s.ErrorStatus(r, err, "portal page failed")
	msg := domain.ErrorMessage(err)
	if domain.ErrorCode(err) == domain.ENotFound && strings.HasSuffix(msg, " not found") {
		msg = "We could not find that page." // never say which kind of thing exists
	}
	p := &web.PortalPage{Title: http.StatusText(status), Data: map[string]any{"Status": status, "Message": msg}}
	if rerr := s.portalRender(w, r, status, "portal_error", p); rerr != nil {
		s.log.Error("render portal error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// portalFormErrors re-renders a form with its field errors, or returns err
// when it is not a validation error.
func (s *Handler) portalFormErrors(w http.ResponseWriter, r *http.Request, name string, p *web.PortalPage, err error) error {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.EConflict && code != domain.ETooLarge && code != domain.ERateLimited {
		return err
	}
	p.Errors = domain.ErrorFields(err)
	if len(p.Errors) == 0 {
		p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
	}
	if p.Form == nil {
		p.Form = r.PostForm
	}
	return s.portalRender(w, r, httpx.StatusOf(code), name, p)
}

type portalHome struct {
	Categories []*domain.Category
	Popular    []*domain.Article
	Category   *domain.Category
	Articles   []*domain.Article
	Welcome    string // plain text (setting portal.welcome), escaped when shown
}

// portalHome shows search, categories and popular articles; with
// ?category=slug it lists that category's articles.
func (s *Handler) portalHome(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	ctx := r.Context()
	d := portalHome{}
	var err error
	if d.Categories, err = s.db.Categories(ctx); err != nil {
		return err
	}
	title := "Help"
	if slug := r.URL.Query().Get("category"); slug != "" {
		if d.Category, err = s.db.CategoryBySlug(ctx, slug); err != nil {
			return err
		}
		if d.Articles, err = s.db.Articles(ctx, domain.ArticleFilter{Status: domain.ArticlePublished, CategoryID: d.Category.ID, Limit: 200}); err != nil {
			return err
		}
		title = d.Category.Name
	} else if d.Popular, err = s.db.PopularArticles(ctx, 8); err != nil {
		return err
	} else if d.Welcome, err = s.db.Setting(ctx, store.SettingPortalWelcome, ""); err != nil {
		return err
	}
	return s.portalRender(w, r, http.StatusOK, "portal_home", &web.PortalPage{Title: title, Customer: c, Data: d})
}

type portalSearch struct {
	Hits []httpx.HitView
}

// portalSearch searches published articles and logs the search.
func (s *Handler) portalSearch(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := portalSearch{}
	if httpx.KBHasWords(q) {
		hits, err := s.db.SearchArticles(r.Context(), q, true, 20)
		if err != nil {
			return err
		}
		d.Hits = httpx.HitViews(hits)
		if err := s.db.LogSearch(r.Context(), q, len(hits), domain.SearchPortal); err != nil {
			s.log.Warn("log kb search", "err", err)
		}
	}
	return s.portalRender(w, r, http.StatusOK, "portal_search", &web.PortalPage{Title: "Search", Customer: c, Query: q, Data: d})
}

type portalArticle struct {
	Article  *domain.Article
	HTML     template.HTML
	Voted    string
	FromForm bool
}

// portalArticle shows a published article and counts the view. Opened from
// the ticket form's suggestions (?from=ticket-form), it also records a
// possible deflection for this browser session.
func (s *Handler) portalArticle(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	ctx := r.Context()
	a, err := s.db.PublishedArticle(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if err := s.db.RecordView(ctx, a.ID); err != nil {
		s.log.Warn("count article view", "err", err)
	}
	fromForm := r.URL.Query().Get("from") == "ticket-form"
	if fromForm {
		if err := s.db.RecordDeflection(ctx, a.ID, visitorID(r), r.URL.Query().Get("q")); err != nil {
			s.log.Warn("record deflection", "err", err)
		}
	}
	d := portalArticle{Article: a, HTML: template.HTML(s.portalState.md.HTML(a.Body)), Voted: r.URL.Query().Get("voted"), FromForm: fromForm}
	return s.portalRender(w, r, http.StatusOK, "portal_article", &web.PortalPage{Title: a.Title, Customer: c, Data: d})
}

// portalVote records "Did this answer your question?".
func (s *Handler) portalVote(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	a, err := s.db.PublishedArticle(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	helpful, err := strconv.ParseBool(r.PostFormValue("helpful"))
	if err != nil {
		return &domain.Error{Code: domain.EInvalid, Message: "Choose yes or no.", Fields: map[string]string{"helpful": "yes or no"}}
	}
	if s.portalState.votes.Allow(httpx.ClientIP(r)) {
		if err := s.db.RecordVote(r.Context(), a.ID, helpful); err != nil {
			return err
		}
	}
	voted := "no"
	if helpful {
		voted = "yes"
	}
	httpx.Redirect(w, r, a.URL()+"?voted="+voted+"#feedback", "Thanks for your feedback.")
	return nil
}
