package portal

import (
	"net/http"

	"andon/internal/http/httpx"
)

// portalRoute is a customer portal page: customer session, form CSRF,
// portal error pages. Access is Anonymous (a customer is optional) or
// Customer (signed-in customers only; others are sent to /help/login).
func portalRoute(method, path string, a httpx.Access, rate httpx.Rate, h portalHandler) httpx.Route {
	return httpx.Route{Method: method, Path: path, Access: a, Rate: rate, Kind: httpx.Portal, Handler: customer(h)}
}

// portalRoutes is the customer portal (/help) and the survey pages. Sign-in
// link requests and ticket forms are limited per client address by their
// classes; votes past their limit are dropped by the handler.
func (s *Handler) portalRoutes() []httpx.Route {
	const (
		anon, cu = httpx.Anonymous, httpx.Customer
		none     = httpx.RateNone
	)
	return []httpx.Route{
		portalRoute("GET", "/help", anon, none, s.portalHome),
		{Method: "GET", Path: "/help/{$}", Access: anon, Rate: none, Kind: httpx.Raw,
			Handler: httpx.Plain(http.RedirectHandler("/help", http.StatusMovedPermanently).ServeHTTP)},
		portalRoute("GET", "/help/search", anon, none, s.portalSearch),
		portalRoute("GET", "/help/articles/{slug}", anon, none, s.portalArticle),
		portalRoute("POST", "/help/articles/{slug}/vote", anon, httpx.RateOwn, s.portalVote),
		portalRoute("GET", "/help/new", anon, none, s.portalNewForm),
		portalRoute("POST", "/help/new", anon, httpx.RatePortalForm, s.portalCreateTicket),
		portalRoute("GET", "/help/login", anon, none, s.portalLoginForm),
		portalRoute("POST", "/help/login", anon, httpx.RateSignIn, s.portalLogin),
		portalRoute("GET", "/help/login/verify", anon, none, s.portalVerifyForm),
		portalRoute("POST", "/help/login/verify", anon, none, s.portalVerify),
		portalRoute("POST", "/help/logout", anon, none, s.portalLogout),
		portalRoute("GET", "/help/tickets", cu, none, s.portalTickets),
		portalRoute("GET", "/help/tickets/{id}", cu, none, s.portalTicket),
		portalRoute("POST", "/help/tickets/{id}/reply", cu, httpx.RatePortalForm, s.portalReply),
		portalRoute("POST", "/help/tickets/{id}/solve", cu, none, s.portalSolve),
		portalRoute("GET", "/help/tickets/{id}/files/{file}", cu, none, s.portalAttachment),
		// Satisfaction surveys (web_survey.go): the signed link is the credential.
		portalRoute("GET", "/survey/{token}", anon, none, s.surveyShow),
		portalRoute("POST", "/survey/{token}", anon, none, s.surveySubmit),
	}
}
