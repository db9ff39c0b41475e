package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"andon/internal/domain"
	"andon/internal/ratelimit"
	"andon/internal/store"
)

// Access is who may call a route.
type Access int

const (
	Anonymous    Access = iota // anyone; the handler may still look at who calls
	Customer                   // a signed-in portal customer
	Collaborator               // any signed-in user: collaborators, agents, admins
	Agent                      // agents and admins, not upstream collaborators
	Admin                      // admins only
)

func (a Access) String() string {
	return [...]string{"anonymous", "customer", "collaborator", "agent", "admin"}[a]
}

// Kind is how a route's callers authenticate and how its errors render.
type Kind int

const (
	Raw    Kind = iota // the handler answers everything itself (ops, static, widget, login)
	API                // bearer token, or session + X-CSRF-Token header; JSON error envelope
	Page               // agent session cookie; form CSRF; HTML error page, sign-in redirect
	Portal             // customer portal session; form CSRF; portal error page
	Stream             // agent session cookie only (event streams); JSON errors
)

// Rate is a rate-limit class: which bucket a call takes a token from.
type Rate string

const (
	RateNone      Rate = "none"       // static files, ops, redirects
	RateOwn       Rate = "own"        // the handler limits itself, by address, account or visitor
	RateAPIUser   Rate = "api-user"   // REST API, per user
	RateAgentUser Rate = "agent-user" // agent chat console /chat/*, per user
	RateAddress   Rate = "address"    // anonymous callers, per client address

	// Anonymous flows, each its own bucket per client address, so the route
	// table shows every limit a stranger meets (docs/security.md).
	RateWidget        Rate = "widget"         // widget config, socket, uploads, survey answers
	RateWidgetVisitor Rate = "widget-visitor" // new chat visitors
	RateWidgetMail    Rate = "widget-mail"    // transcripts and confirmation mails, and opening their links
	RatePortalForm    Rate = "portal-form"    // portal ticket form and replies
	RateSignIn        Rate = "sign-in"        // portal sign-in link requests
)

// perAddress reports whether Apply takes the class's token per client
// address, before anything else runs.
func (r Rate) perAddress() bool {
	switch r {
	case RateAddress, RateWidget, RateWidgetVisitor, RateWidgetMail, RatePortalForm, RateSignIn:
		return true
	}
	return false
}

// Limit is a token bucket size.
type Limit = ratelimit.Limit

// DefaultLimits are the production limits of each class.
func DefaultLimits() map[Rate]Limit {
	return map[Rate]Limit{
		RateAPIUser:       {PerMinute: 1200, Burst: 300},
		RateAgentUser:     {PerMinute: 600, Burst: 120},
		RateAddress:       {PerMinute: 120, Burst: 60},
		RateWidget:        {PerMinute: 120, Burst: 60},
		RateWidgetVisitor: {PerMinute: 20, Burst: 20},
		RateWidgetMail:    {PerMinute: 5, Burst: 5},
		RatePortalForm:    {PerMinute: 20, Burst: 10},
		RateSignIn:        {PerMinute: 10, Burst: 10},
	}
}

// Handler serves a request whose caller Apply has already checked; it returns
// an error instead of writing one, and the route's kind renders it.
type Handler func(w http.ResponseWriter, r *http.Request) error

// UserHandler is a Handler that takes the signed-in user.
type UserHandler func(w http.ResponseWriter, r *http.Request, u *domain.User) error

// WithCaller adapts h to a Handler, passing the user Apply put in the context.
func WithCaller(h UserHandler) Handler {
	return func(w http.ResponseWriter, r *http.Request) error { return h(w, r, UserFrom(r.Context())) }
}

// Plain adapts an http.HandlerFunc that writes its own errors.
func Plain(h http.HandlerFunc) Handler {
	return func(w http.ResponseWriter, r *http.Request) error { h(w, r); return nil }
}

// Route is one endpoint and its whole policy, declared where it is listed.
type Route struct {
	Method, Path string
	Access       Access
	Rate         Rate
	Kind         Kind
	// InOpenAPI: the route is part of the public REST API and must be in
	// the OpenAPI document (the OpenAPI test checks both ways).
	InOpenAPI bool
	Handler   Handler
}

// Pattern is the ServeMux pattern of the route.
func (rt Route) Pattern() string {
	if rt.Method == "" {
		return rt.Path
	}
	return rt.Method + " " + rt.Path
}

// ErrHandled is returned by a Gate that already answered (a redirect).
var ErrHandled = errors.New("response already written")

// Gate authenticates one kind of caller and renders that kind's errors.
type Gate struct {
	// Authenticate returns r with the caller in its context; with
	// mustSignIn false an anonymous caller passes. It also checks CSRF.
	Authenticate func(w http.ResponseWriter, r *http.Request, mustSignIn bool) (*http.Request, error)
	Fail         func(w http.ResponseWriter, r *http.Request, err error)
}

// Policy applies routes' policies. Gates for Page and Portal come from the
// audiences that render those pages; API and Raw are built in.
type Policy struct {
	DB     *store.DB
	Log    *slog.Logger
	Gates  map[Kind]Gate
	limits map[Rate]*ratelimit.Limiter
}

// NewPolicy makes the limiters of every class; limits missing from l use
// DefaultLimits.
func NewPolicy(db *store.DB, log *slog.Logger, l map[Rate]Limit) *Policy {
	p := &Policy{DB: db, Log: log, Gates: map[Kind]Gate{}, limits: map[Rate]*ratelimit.Limiter{}}
	for rate, lim := range DefaultLimits() {
		if o, ok := l[rate]; ok {
			lim = o
		}
		p.limits[rate] = ratelimit.New(lim)
	}
	p.Gates[API] = Gate{Authenticate: p.authenticateAPI, Fail: func(w http.ResponseWriter, r *http.Request, err error) { WriteError(log, w, r, err) }}
	p.Gates[Stream] = Gate{Authenticate: p.authenticateSession, Fail: p.Gates[API].Fail}
	p.Gates[Raw] = Gate{Authenticate: func(_ http.ResponseWriter, r *http.Request, _ bool) (*http.Request, error) { return r, nil },
		Fail: p.Gates[API].Fail}
	return p
}

func (p *Policy) authenticateAPI(_ http.ResponseWriter, r *http.Request, _ bool) (*http.Request, error) {
	sess, u, err := AuthenticateAPI(p.DB, r)
	if err != nil {
		return nil, err
	}
	return r.WithContext(WithUser(r.Context(), u, sess)), nil
}

func (p *Policy) authenticateSession(_ http.ResponseWriter, r *http.Request, _ bool) (*http.Request, error) {
	sess, u, err := SessionUser(p.DB, r)
	if err != nil {
		return nil, err
	}
	return r.WithContext(WithUser(r.Context(), u, sess)), nil
}

// Apply is the one place a route's policy is enforced: authenticate by kind
// (with CSRF for state changes), check the role, take a rate-limit token,
// then run the handler and render its error the way the kind does.
func (p *Policy) Apply(rt Route) http.Handler {
	gate, ok := p.Gates[rt.Kind]
	if !ok {
		panic("no gate for the kind of " + rt.Pattern())
	}
	if rt.Rate == "" {
		panic("no rate-limit class for " + rt.Pattern())
	}
	// A Raw route authenticates nobody, and only the portal knows customers:
	// refuse tables that would let a caller through unchecked.
	raw, portal, customer := rt.Kind == Raw, rt.Kind == Portal, rt.Access == Customer
	if raw && rt.Access != Anonymous || customer && !portal || portal && !customer && rt.Access != Anonymous {
		panic("access " + rt.Access.String() + " cannot be enforced for " + rt.Pattern())
	}
	lim := p.limits[rt.Rate]
	mustSignIn := rt.Access != Anonymous
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Rate.perAddress() {
			if ok, wait := lim.Take(ClientIP(r)); !ok {
				gate.Fail(w, r, TooMany(w, wait))
				return
			}
		}
		r2, err := gate.Authenticate(w, r, mustSignIn)
		if errors.Is(err, ErrHandled) {
			return
		}
		if err != nil {
			gate.Fail(w, r, err)
			return
		}
		r = r2
		u := UserFrom(r.Context())
		if err := permit(rt.Access, rt.Kind, u); err != nil {
			gate.Fail(w, r, err)
			return
		}
		if (rt.Rate == RateAPIUser || rt.Rate == RateAgentUser) && u != nil {
			if ok, wait := lim.Take(strconv.FormatInt(u.ID, 10)); !ok {
				gate.Fail(w, r, TooMany(w, wait))
				return
			}
		}
		if err := rt.Handler(w, r); err != nil {
			gate.Fail(w, r, err)
		}
	})
}

// TooMany sets Retry-After (whole seconds, at least 1) and returns the
// rate-limited error; handlers with limits of their own use it too.
func TooMany(w http.ResponseWriter, wait time.Duration) error {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
	return domain.Errorf(domain.ERateLimited, "too many requests, slow down")
}

// permit checks the caller's role against the route's access.
func permit(a Access, k Kind, u *domain.User) error {
	switch a {
	case Agent:
		if u.IsCollaborator() {
			if k == Page {
				return domain.Errorf(domain.EForbidden, "Collaborators work only on the problems assigned to them.")
			}
			return domain.Errorf(domain.EForbidden, "collaborators work only on the problems assigned to them")
		}
	case Admin:
		if u.IsCollaborator() && k == API {
			return domain.Errorf(domain.EForbidden, "collaborators work only on the problems assigned to them")
		}
		if !u.IsAdmin() {
			if k == Page {
				return domain.Errorf(domain.EForbidden, "Only admins can open this page.")
			}
			return domain.Errorf(domain.EForbidden, "admins only")
		}
	}
	return nil
}

// RawRoute is a route whose handler answers everything itself.
func RawRoute(method, path string, a Access, rate Rate, h http.HandlerFunc) Route {
	return Route{Method: method, Path: path, Access: a, Rate: rate, Kind: Raw, Handler: Plain(h)}
}
