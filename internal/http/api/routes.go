package api

import "andon/internal/http/httpx"

// apiRoute is a REST API v1 route: bearer token (or the workspace's session
// plus CSRF header), JSON errors, documented in /api/v1/openapi.json.
func apiRoute(method, path string, a httpx.Access, rate httpx.Rate, h httpx.UserHandler) httpx.Route {
	return httpx.Route{Method: method, Path: path, Access: a, Rate: rate, Kind: httpx.API, InOpenAPI: true, Handler: httpx.WithCaller(h)}
}

// apiRoutes is the REST API v1 route table. Collaborators (upstream teams)
// reach only their problems and the tickets linked to them: each handler
// still checks the problem is theirs (store.CanSeeProblem) and tickets use
// store.CanSeeTicket (s.visibleTicket), so others are "not found".
func (s *Handler) apiRoutes() []httpx.Route {
	const (
		co, ag, ad = httpx.Collaborator, httpx.Agent, httpx.Admin
		user       = httpx.RateAPIUser
	)
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/openapi.json", Access: httpx.Anonymous, Rate: httpx.RateNone, Kind: httpx.Raw, InOpenAPI: true, Handler: httpx.Plain(s.apiOpenAPI)},
		{Method: "GET", Path: "/api/v1/articles/suggest", Access: httpx.Anonymous, Rate: httpx.RateOwn, Kind: httpx.Raw, InOpenAPI: true, Handler: httpx.Plain(s.apiSuggestArticles)},
		apiRoute("GET", "/api/v1/me", co, user, s.apiMe),
		apiRoute("GET", "/api/v1/tickets", co, user, s.apiListTickets),
		apiRoute("POST", "/api/v1/tickets", ag, user, s.apiCreateTicket),
		apiRoute("GET", "/api/v1/tickets/{id}", co, user, s.apiGetTicket),
		apiRoute("PATCH", "/api/v1/tickets/{id}", co, user, s.apiPatchTicket),
		apiRoute("POST", "/api/v1/tickets/{id}/messages", co, user, s.apiAddMessage),
		apiRoute("POST", "/api/v1/tickets/{id}/calls", co, user, s.apiAddCall),
		apiRoute("GET", "/api/v1/tickets/{id}/andon", ag, user, s.apiTicketAndon),
		apiRoute("GET", "/api/v1/tickets/{id}/reply-route", co, user, s.apiReplyRoute),
		apiRoute("GET", "/api/v1/contacts", ag, user, s.apiListContacts),
		apiRoute("POST", "/api/v1/contacts", ag, user, s.apiCreateContact),
		apiRoute("GET", "/api/v1/contacts/{id}", ag, user, s.apiGetContact),
		apiRoute("POST", "/api/v1/contacts/{id}/merge", ag, user, s.apiMergeContact),
		apiRoute("GET", "/api/v1/search", ag, user, s.apiSearch),
		apiRoute("GET", "/api/v1/users", ag, user, s.apiListUsers),
		apiRoute("GET", "/api/v1/teams", ag, user, s.apiListTeams),
		apiRoute("GET", "/api/v1/articles", ag, user, s.apiListArticles),
		apiRoute("POST", "/api/v1/articles", ag, user, s.apiCreateArticle),
		apiRoute("GET", "/api/v1/articles/{id}", ag, user, s.apiGetArticle),
		apiRoute("PATCH", "/api/v1/articles/{id}", ag, user, s.apiPatchArticle),
		apiRoute("GET", "/api/v1/articles/{id}/revisions", ag, user, s.apiArticleRevisions),
		apiRoute("GET", "/api/v1/kb/categories", ag, user, s.apiListCategories),
		apiRoute("POST", "/api/v1/kb/categories", ag, user, s.apiCreateCategory),
		apiRoute("POST", "/api/v1/calls", ag, user, s.apiReportCall),
		apiRoute("GET", "/api/v1/reports/summary", ag, user, s.apiReport("summary")),
		apiRoute("GET", "/api/v1/reports/resolution", ag, user, s.apiReport("resolution")),
		apiRoute("GET", "/api/v1/reports/effort", ag, user, s.apiReport("effort")),
		apiRoute("GET", "/api/v1/reports/failure-demand", ag, user, s.apiReport("failure-demand")),
		apiRoute("GET", "/api/v1/reports/problems", ag, user, s.apiReport("problems")),
		apiRoute("GET", "/api/v1/reports/self-service", ag, user, s.apiReport("self-service")),
		apiRoute("GET", "/api/v1/reports/satisfaction", ag, user, s.apiReport("satisfaction")),
		apiRoute("GET", "/api/v1/reports/load", ag, user, s.apiReport("load")),

		// Email channel (api_mail.go): inbound mail, mailboxes, failed mail, outbox.
		apiRoute("POST", "/api/v1/inbound/email", ad, user, s.apiInboundEmail),
		apiRoute("GET", "/api/v1/mailboxes", ad, user, s.apiListMailboxes),
		apiRoute("POST", "/api/v1/mailboxes", ad, user, s.apiCreateMailbox),
		apiRoute("GET", "/api/v1/mailboxes/{id}", ad, user, s.apiGetMailbox),
		apiRoute("PATCH", "/api/v1/mailboxes/{id}", ad, user, s.apiPatchMailbox),
		apiRoute("DELETE", "/api/v1/mailboxes/{id}", ad, user, s.apiDeleteMailbox),
		apiRoute("GET", "/api/v1/failed-mail", ad, user, s.apiListFailedMail),
		apiRoute("GET", "/api/v1/failed-mail/{id}/raw", ad, user, httpx.FailedMailRaw(s.db)),
		apiRoute("POST", "/api/v1/failed-mail/{id}/retry", ad, user, s.apiRetryFailedMail),
		apiRoute("POST", "/api/v1/outbox/{id}/retry", ad, user, s.apiRetryOutbox),
		apiRoute("GET", "/api/v1/tickets/{id}/outbox", ag, user, s.apiListOutbox),
		apiRoute("GET", "/api/v1/entries/{id}/original", ag, user, s.apiEntryOriginal),
		apiRoute("GET", "/api/v1/entries/{id}/attachments/{part}", ag, user, s.apiEntryAttachment),
		apiRoute("GET", "/api/v1/mail/settings", ad, user, s.apiGetMailSettings),
		apiRoute("PUT", "/api/v1/mail/settings", ad, user, s.apiPutMailSettings),

		// Problems (andon cord): api_problems.go, api_problems_ref.go.
		apiRoute("GET", "/api/v1/problems", co, user, s.apiListProblems),
		apiRoute("POST", "/api/v1/problems", ag, user, s.apiCreateProblem),
		apiRoute("GET", "/api/v1/problems/{id}", co, user, s.apiGetProblem),
		apiRoute("PATCH", "/api/v1/problems/{id}", co, user, s.apiPatchProblem),
		apiRoute("POST", "/api/v1/problems/{id}/notes", co, user, s.apiAddProblemNote),
		apiRoute("POST", "/api/v1/problems/{id}/tickets", ag, user, s.apiLinkProblemTicket),
		apiRoute("GET", "/api/v1/problems/{id}/tickets/{ticket_id}", co, user, s.apiGetProblemTicket),
		apiRoute("DELETE", "/api/v1/problems/{id}/tickets/{ticket_id}", ag, user, s.apiUnlinkProblemTicket),
		apiRoute("POST", "/api/v1/problems/{id}/countermeasures", co, user, s.apiAddCountermeasure),
		apiRoute("PATCH", "/api/v1/countermeasures/{id}", co, user, s.apiPatchCountermeasure),
		apiRoute("POST", "/api/v1/problems/{id}/notify", ag, user, s.apiNotifyProblem),
		apiRoute("GET", "/api/v1/problems/{id}/suggestions", ag, user, s.apiProblemSuggestions),
		apiRoute("GET", "/api/v1/value-chain-stages", co, user, s.apiListStages),
		apiRoute("POST", "/api/v1/value-chain-stages", ad, user, s.apiCreateStage),
		apiRoute("PATCH", "/api/v1/value-chain-stages/{id}", ad, user, s.apiPatchStage),
		apiRoute("GET", "/api/v1/failure-reasons", co, user, s.apiListFailureReasons),
		apiRoute("POST", "/api/v1/failure-reasons", ad, user, s.apiCreateFailureReason),
		apiRoute("PATCH", "/api/v1/failure-reasons/{id}", ad, user, s.apiPatchFailureReason),

		// Anything else under /api/ answers with the JSON envelope.
		{Path: "/api/", Access: httpx.Anonymous, Rate: httpx.RateNone, Kind: httpx.Raw, Handler: httpx.Plain(s.apiNoRoute)},
	}
}
