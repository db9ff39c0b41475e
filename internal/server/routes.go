package server

import "net/http"

// routes lists Andon's whole HTTP surface.
func (s *Server) routes(mux *http.ServeMux) {
	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())

	// Agent workspace.
	mux.Handle("GET /static/", s.assets)
	mux.HandleFunc("GET /manifest.webmanifest", s.manifest)
	mux.HandleFunc("GET /icons/{name}", s.icon)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /{$}", s.page(s.inbox))
	mux.Handle("POST /tickets/bulk", s.page(s.bulkTickets))
	mux.Handle("GET /tickets/new", s.page(s.newTicketForm))
	mux.Handle("POST /tickets/new", s.page(s.createTicket))
	mux.Handle("GET /tickets/{id}", s.page(s.ticketPage))
	mux.Handle("POST /tickets/{id}/reply", s.page(s.replyTicket))
	mux.Handle("POST /tickets/{id}/notes", s.page(s.noteTicket))
	mux.Handle("POST /tickets/{id}/calls", s.page(s.callTicket))
	mux.Handle("POST /tickets/{id}/properties", s.page(s.ticketProperties))
	mux.Handle("GET /search", s.page(s.searchPage))
	// Live updates (live.go): the event stream and collision warnings.
	mux.HandleFunc("GET /events", s.liveEvents)
	mux.Handle("POST /tickets/{id}/presence", s.api(s.postPresence))

	// Admin settings and contacts.
	mux.Handle("GET /contacts", s.page(s.contactsList))
	mux.Handle("GET /contacts/{id}", s.page(s.contactShow))
	mux.Handle("POST /contacts/{id}", s.page(s.contactUpdate))
	mux.Handle("POST /contacts/{id}/identities", s.page(s.contactAddIdentity))
	mux.Handle("GET /contacts/{id}/merge", s.page(s.contactMergeForm))
	mux.Handle("POST /contacts/{id}/merge", s.page(s.contactMerge))
	mux.Handle("GET /settings", s.pageAdmin(s.settingsHome))
	mux.Handle("GET /settings/agents", s.pageAdmin(s.settingsAgents))
	mux.Handle("POST /settings/agents/invite", s.pageAdmin(s.inviteAgent))
	mux.Handle("POST /settings/agents/{id}/active", s.pageAdmin(s.setAgentActive))
	mux.Handle("POST /settings/agents/{id}/role", s.pageAdmin(s.setAgentRole))
	mux.Handle("POST /settings/invites/{id}/revoke", s.pageAdmin(s.revokeInvite))
	mux.Handle("GET /settings/teams", s.pageAdmin(s.settingsTeams))
	mux.Handle("POST /settings/teams", s.pageAdmin(s.createTeam))
	mux.Handle("POST /settings/teams/{id}/members", s.pageAdmin(s.setTeamMembers))
	mux.Handle("GET /settings/tokens", s.pageAdmin(s.settingsTokens))
	mux.Handle("POST /settings/tokens", s.pageAdmin(s.createToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", s.pageAdmin(s.revokeToken))
	mux.Handle("GET /settings/branding", s.pageAdmin(s.settingsBranding))
	mux.Handle("POST /settings/branding", s.pageAdmin(s.saveBranding))
	mux.HandleFunc("GET /brand/logo", s.brandLogo)
	mux.HandleFunc("GET /invite/{token}", s.inviteForm)
	mux.HandleFunc("POST /invite/{token}", s.acceptInvite)

	// REST API v1: apiV1 below registers every authenticated endpoint; the
	// OpenAPI test checks /api/v1/openapi.json against the same table.
	mux.HandleFunc("GET /api/v1/openapi.json", s.apiOpenAPI)
	for _, rt := range s.apiV1() {
		mux.Handle(rt.Method+" "+rt.Path, s.api(s.apiRateLimited(rt.Handler)))
	}
	// Email channel (api_mail.go): inbound mail, mailboxes, failed mail, outbox.
	mux.Handle("POST /api/v1/inbound/email", s.apiAdmin(s.apiInboundEmail))
	mux.Handle("GET /api/v1/mailboxes", s.apiAdmin(s.apiListMailboxes))
	mux.Handle("POST /api/v1/mailboxes", s.apiAdmin(s.apiCreateMailbox))
	mux.Handle("GET /api/v1/mailboxes/{id}", s.apiAdmin(s.apiGetMailbox))
	mux.Handle("PATCH /api/v1/mailboxes/{id}", s.apiAdmin(s.apiPatchMailbox))
	mux.Handle("DELETE /api/v1/mailboxes/{id}", s.apiAdmin(s.apiDeleteMailbox))
	mux.Handle("GET /api/v1/failed-mail", s.apiAdmin(s.apiListFailedMail))
	mux.Handle("GET /api/v1/failed-mail/{id}/raw", s.apiAdmin(s.apiGetFailedMailRaw))
	mux.Handle("POST /api/v1/failed-mail/{id}/retry", s.apiAdmin(s.apiRetryFailedMail))
	mux.Handle("POST /api/v1/outbox/{id}/retry", s.apiAdmin(s.apiRetryOutbox))
	mux.Handle("GET /api/v1/tickets/{id}/outbox", s.api(s.apiListOutbox))
	mux.Handle("GET /api/v1/entries/{id}/original", s.api(s.apiEntryOriginal))
	mux.Handle("GET /api/v1/entries/{id}/attachments/{part}", s.api(s.apiEntryAttachment))
	mux.Handle("GET /api/v1/mail/settings", s.apiAdmin(s.apiGetMailSettings))
	mux.Handle("PUT /api/v1/mail/settings", s.apiAdmin(s.apiPutMailSettings))
	mux.Handle("GET /settings/mailboxes", s.pageAdmin(s.settingsMailboxes)) // web_mail_admin.go
	mux.Handle("GET /settings/mailboxes/new", s.pageAdmin(s.newMailboxForm))
	mux.Handle("POST /settings/mailboxes", s.pageAdmin(s.createMailboxForm))
	mux.Handle("GET /settings/mailboxes/{id}", s.pageAdmin(s.editMailboxForm))
	mux.Handle("POST /settings/mailboxes/{id}", s.pageAdmin(s.saveMailboxForm))
	mux.Handle("POST /settings/mailboxes/{id}/delete", s.pageAdmin(s.deleteMailboxForm))
	mux.Handle("GET /settings/failed-mail", s.pageAdmin(s.settingsFailedMail))
	mux.Handle("GET /settings/failed-mail/{id}", s.pageAdmin(s.failedMailShow))
	mux.Handle("GET /settings/failed-mail/{id}/raw", s.pageAdmin(s.failedMailDownload))
	mux.Handle("POST /settings/failed-mail/{id}/retry", s.pageAdmin(s.failedMailRetry))
	mux.Handle("GET /settings/mail", s.pageAdmin(s.settingsMail))
	mux.Handle("POST /settings/mail", s.pageAdmin(s.saveMailSettings))
	mux.Handle("GET /tickets/{id}/entries/{entry}/original", s.page(s.entryOriginalPage)) // web_mail_ticket.go
	mux.Handle("GET /tickets/{id}/entries/{entry}/original.html", s.page(s.entryOriginalHTML))
	mux.Handle("POST /tickets/{id}/outbox/{oid}/retry", s.page(s.retryOutboxForm))
	// Portal and knowledge base (portal*.go, api_kb.go, web_kb.go).
	mux.Handle("GET /help", s.portal(s.portalHome))
	mux.Handle("GET /help/{$}", http.RedirectHandler("/help", http.StatusMovedPermanently))
	mux.Handle("GET /help/search", s.portal(s.portalSearch))
	mux.Handle("GET /help/articles/{slug}", s.portal(s.portalArticle))
	mux.Handle("POST /help/articles/{slug}/vote", s.portal(s.portalVote))
	mux.Handle("GET /help/new", s.portal(s.portalNewForm))
	mux.Handle("POST /help/new", s.portal(s.portalCreateTicket))
	mux.Handle("GET /help/login", s.portal(s.portalLoginForm))
	mux.Handle("POST /help/login", s.portal(s.portalLogin))
	mux.Handle("GET /help/login/verify", s.portal(s.portalVerifyForm))
	mux.Handle("POST /help/login/verify", s.portal(s.portalVerify))
	mux.Handle("POST /help/logout", s.portal(s.portalLogout))
	mux.Handle("GET /help/tickets", s.portalSignedIn(s.portalTickets))
	mux.Handle("GET /help/tickets/{id}", s.portalSignedIn(s.portalTicket))
	mux.Handle("POST /help/tickets/{id}/reply", s.portalSignedIn(s.portalReply))
	mux.Handle("POST /help/tickets/{id}/solve", s.portalSignedIn(s.portalSolve))
	mux.Handle("GET /help/tickets/{id}/files/{file}", s.portalSignedIn(s.portalAttachment))
	mux.HandleFunc("GET /api/v1/articles/suggest", s.apiSuggestArticles)
	mux.Handle("GET /settings/portal", s.pageAdmin(s.settingsPortal)) // web_portal_settings.go
	mux.Handle("POST /settings/portal", s.pageAdmin(s.savePortalSettings))
	mux.Handle("GET /kb/articles", s.page(s.kbArticles))
	mux.Handle("POST /kb/articles", s.page(s.kbCreateArticle))
	mux.Handle("POST /kb/categories", s.page(s.kbCreateCategory))
	mux.Handle("GET /kb/articles/{id}/edit", s.page(s.kbEditForm))
	mux.Handle("POST /kb/articles/{id}/edit", s.page(s.kbSaveArticle))
	mux.Handle("POST /tickets/{id}/to-article", s.page(s.ticketToArticle))

	// Problems (andon cord): api_problems.go, api_problems_ref.go.
	mux.Handle("GET /api/v1/problems", s.api(s.apiRateLimited(s.apiListProblems)))
	mux.Handle("POST /api/v1/problems", s.api(s.apiRateLimited(s.apiCreateProblem)))
	mux.Handle("GET /api/v1/problems/{id}", s.api(s.apiRateLimited(s.apiGetProblem)))
	mux.Handle("PATCH /api/v1/problems/{id}", s.api(s.apiRateLimited(s.apiPatchProblem)))
	mux.Handle("POST /api/v1/problems/{id}/notes", s.api(s.apiRateLimited(s.apiAddProblemNote)))
	mux.Handle("POST /api/v1/problems/{id}/tickets", s.api(s.apiRateLimited(s.apiLinkProblemTicket)))
	mux.Handle("GET /api/v1/problems/{id}/tickets/{ticket_id}", s.api(s.apiRateLimited(s.apiGetProblemTicket)))
	mux.Handle("DELETE /api/v1/problems/{id}/tickets/{ticket_id}", s.api(s.apiRateLimited(s.apiUnlinkProblemTicket)))
	mux.Handle("POST /api/v1/problems/{id}/countermeasures", s.api(s.apiRateLimited(s.apiAddCountermeasure)))
	mux.Handle("PATCH /api/v1/countermeasures/{id}", s.api(s.apiRateLimited(s.apiPatchCountermeasure)))
	mux.Handle("POST /api/v1/problems/{id}/notify", s.api(s.apiRateLimited(s.apiNotifyProblem)))
	mux.Handle("GET /api/v1/problems/{id}/suggestions", s.api(s.apiRateLimited(s.apiProblemSuggestions)))
	mux.Handle("GET /api/v1/tickets/{id}/andon", s.api(s.apiRateLimited(s.apiTicketAndon)))
	mux.Handle("GET /api/v1/value-chain-stages", s.api(s.apiRateLimited(s.apiListStages)))
	mux.Handle("POST /api/v1/value-chain-stages", s.apiAdmin(s.apiCreateStage))
	mux.Handle("PATCH /api/v1/value-chain-stages/{id}", s.apiAdmin(s.apiPatchStage))
	mux.Handle("GET /api/v1/failure-reasons", s.api(s.apiRateLimited(s.apiListFailureReasons)))
	mux.Handle("POST /api/v1/failure-reasons", s.apiAdmin(s.apiCreateFailureReason))
	mux.Handle("PATCH /api/v1/failure-reasons/{id}", s.apiAdmin(s.apiPatchFailureReason))
	mux.Handle("GET /problems", s.page(s.problemBoard))
	mux.Handle("POST /problems", s.page(withForm(s.pullAndon)))
	mux.Handle("GET /problems/{id}", s.page(s.problemPage))
	mux.Handle("POST /problems/{id}", s.page(withForm(s.updateProblemForm)))
	mux.Handle("POST /problems/{id}/notes", s.page(withForm(s.problemNoteForm)))
	mux.Handle("POST /problems/{id}/tickets", s.page(withForm(s.linkTicketForm)))
	mux.Handle("POST /problems/{id}/tickets/{ticket_id}/unlink", s.page(withForm(s.unlinkTicketForm)))
	mux.Handle("POST /problems/{id}/countermeasures", s.page(withForm(s.addCountermeasureForm)))
	mux.Handle("POST /countermeasures/{id}", s.page(withForm(s.updateCountermeasureForm)))
	mux.Handle("POST /problems/{id}/notify", s.page(withForm(s.notifyForm)))
	mux.Handle("POST /tickets/{id}/classify", s.page(withForm(s.classifyForm)))
	mux.Handle("POST /problems/{id}/to-article", s.page(withForm(s.problemToArticle)))

	// Live chat (chat_widget.go public, chat_agent.go workspace).
	mux.HandleFunc("GET /widget.js", s.widgetJS)
	mux.HandleFunc("OPTIONS /widget/", s.widgetPreflight)
	mux.HandleFunc("GET /widget/config", s.widgetConfig)
	mux.HandleFunc("POST /widget/visitors", s.widgetNewVisitor)
	mux.HandleFunc("GET /widget/ws", s.widgetSocket)
	mux.HandleFunc("POST /widget/upload", s.widgetUpload)
	mux.HandleFunc("GET /widget/files/{id}", s.widgetFile)
	mux.HandleFunc("POST /widget/transcript", s.widgetTranscript)
	mux.HandleFunc("GET /widget/survey", s.widgetSurvey)
	mux.HandleFunc("POST /widget/survey", s.widgetSurveyAnswer)
	mux.Handle("GET /chat/status", s.api(s.getAgentStatus))
	mux.Handle("POST /chat/status", s.api(s.postAgentStatus))
	mux.HandleFunc("GET /chat/events", s.chatEvents)
	mux.Handle("GET /chat/tickets/{id}", s.api(s.getChatTicket))
	mux.Handle("POST /chat/tickets/{id}/read", s.api(s.postChatRead))
	mux.Handle("GET /chat/files/{id}", s.api(s.chatFile))

	// Reports and surveys (web_reports.go, web_survey.go).
	mux.Handle("GET /reports", s.pageAdmin(s.reportsPage))
	mux.Handle("GET /reports/{file}", s.pageAdmin(s.reportsCSV))
	mux.Handle("GET /survey/{token}", s.portal(s.surveyShow))
	mux.Handle("POST /survey/{token}", s.portal(s.surveySubmit))
	mux.Handle("GET /settings/surveys", s.pageAdmin(s.settingsSurveys))
	mux.Handle("POST /settings/surveys", s.pageAdmin(s.saveSurveys))

	mux.HandleFunc("/api/", s.apiNoRoute)
}

// apiRoute is one authenticated REST API v1 endpoint.
type apiRoute struct {
	Method, Path string
	Handler      apiHandler
}

// apiV1 is the REST API v1 route table.
func (s *Server) apiV1() []apiRoute {
	return []apiRoute{
		{"GET", "/api/v1/tickets", s.apiListTickets},
		{"POST", "/api/v1/tickets", s.apiCreateTicket},
		{"GET", "/api/v1/tickets/{id}", s.apiGetTicket},
		{"PATCH", "/api/v1/tickets/{id}", s.apiPatchTicket},
		{"POST", "/api/v1/tickets/{id}/messages", s.apiAddMessage},
		{"POST", "/api/v1/tickets/{id}/calls", s.apiAddCall},
		{"GET", "/api/v1/contacts", s.apiListContacts},
		{"POST", "/api/v1/contacts", s.apiCreateContact},
		{"GET", "/api/v1/contacts/{id}", s.apiGetContact},
		{"POST", "/api/v1/contacts/{id}/merge", s.apiMergeContact},
		{"GET", "/api/v1/search", s.apiSearch},
		{"GET", "/api/v1/me", s.apiMe},
		{"GET", "/api/v1/users", s.apiListUsers},
		{"GET", "/api/v1/teams", s.apiListTeams},
		{"GET", "/api/v1/articles", s.apiListArticles},
		{"POST", "/api/v1/articles", s.apiCreateArticle},
		{"GET", "/api/v1/articles/{id}", s.apiGetArticle},
		{"PATCH", "/api/v1/articles/{id}", s.apiPatchArticle},
		{"GET", "/api/v1/articles/{id}/revisions", s.apiArticleRevisions},
		{"GET", "/api/v1/kb/categories", s.apiListCategories},
		{"POST", "/api/v1/kb/categories", s.apiCreateCategory},
		{"POST", "/api/v1/calls", s.apiReportCall},
		{"GET", "/api/v1/reports/summary", s.apiReport("summary")},
		{"GET", "/api/v1/reports/resolution", s.apiReport("resolution")},
		{"GET", "/api/v1/reports/effort", s.apiReport("effort")},
		{"GET", "/api/v1/reports/failure-demand", s.apiReport("failure-demand")},
		{"GET", "/api/v1/reports/problems", s.apiReport("problems")},
		{"GET", "/api/v1/reports/self-service", s.apiReport("self-service")},
		{"GET", "/api/v1/reports/satisfaction", s.apiReport("satisfaction")},
		{"GET", "/api/v1/reports/load", s.apiReport("load")},
	}
}
