package workspace

import (
	"andon/internal/http/httpx"
)

// pageRoute is an agent workspace page or form post: session cookie, form
// CSRF, friendly error pages.
func pageRoute(method, path string, a httpx.Access, h httpx.UserHandler) httpx.Route {
	return httpx.Route{Method: method, Path: path, Access: a, Rate: httpx.RateNone, Kind: httpx.Page, Handler: httpx.WithCaller(h)}
}

// workspaceRoutes is the agent workspace: pages, forms, live updates and the
// agent's side of live chat. Collaborators reach only the problem pages
// (and the inbox, which sends them to the problem board).
func (s *Handler) workspaceRoutes() []httpx.Route {
	const (
		co, ag, ad = httpx.Collaborator, httpx.Agent, httpx.Admin
		anon       = httpx.Anonymous
	)
	return append([]httpx.Route{
		{Method: "GET", Path: "/static/", Access: anon, Rate: httpx.RateNone, Kind: httpx.Raw, Handler: httpx.Plain(s.assets.ServeHTTP)},
		httpx.RawRoute("GET", "/manifest.webmanifest", anon, httpx.RateNone, s.manifest),
		httpx.RawRoute("GET", "/icons/{name}", anon, httpx.RateNone, s.icon),
		httpx.RawRoute("GET", "/brand/logo", anon, httpx.RateNone, s.brandLogo),
		httpx.RawRoute("GET", "/brand.css", anon, httpx.RateNone, s.brandCSS),
		httpx.RawRoute("GET", "/login", anon, httpx.RateNone, s.loginForm),
		httpx.RawRoute("POST", "/login", anon, httpx.RateOwn, s.login), // per address and per account
		// Password reset by emailed link (password.go): anonymous, per address.
		httpx.RawRoute("GET", "/password/reset", anon, httpx.RateAddress, s.resetRequestForm),
		httpx.RawRoute("POST", "/password/reset", anon, httpx.RateAddress, s.requestReset),
		httpx.RawRoute("GET", "/password/reset/{token}", anon, httpx.RateAddress, s.resetForm),
		httpx.RawRoute("POST", "/password/reset/{token}", anon, httpx.RateAddress, s.resetPassword),
		// Two-factor sign-in (signin_2fa.go, signin_enrol.go, signin_passkey.go):
		// per account and per address limits of their own.
		httpx.RawRoute("GET", "/login/2fa", anon, httpx.RateAddress, s.secondFactorForm),
		httpx.RawRoute("POST", "/login/2fa", anon, httpx.RateOwn, s.secondFactor),
		httpx.RawRoute("GET", "/login/2fa/setup", anon, httpx.RateAddress, s.enrolForm),
		httpx.RawRoute("POST", "/login/2fa/setup", anon, httpx.RateOwn, s.enrol),
		httpx.RawRoute("POST", "/login/2fa/passkey", anon, httpx.RateAddress, s.secondFactorPasskeyBegin),
		httpx.RawRoute("POST", "/login/2fa/passkey/finish", anon, httpx.RateOwn, s.secondFactorPasskeyFinish),
		httpx.RawRoute("POST", "/login/passkey", anon, httpx.RateAddress, s.passkeyLoginBegin),
		httpx.RawRoute("POST", "/login/passkey/finish", anon, httpx.RateAddress, s.passkeyLoginFinish),
		// The user's own sign-in security (security.go, security_passkeys.go).
		pageRoute("GET", "/account/security", co, s.securityForm),
		pageRoute("POST", "/account/security/totp/confirm", co, s.confirmTOTP),
		pageRoute("POST", "/account/security/totp/remove", co, s.removeTOTP),
		pageRoute("POST", "/account/security/recovery", co, s.newRecoveryCodes),
		apiRouteUndocumented("POST", "/account/passkeys/begin", co, httpx.RateAPIUser, s.passkeyRegisterBegin),
		apiRouteUndocumented("POST", "/account/passkeys/finish", co, httpx.RateAPIUser, s.passkeyRegisterFinish),
		pageRoute("POST", "/account/passkeys/{id}/rename", co, s.renamePasskey),
		pageRoute("POST", "/account/passkeys/{id}/delete", co, s.deletePasskey),
		pageRoute("GET", "/account/password", co, s.passwordForm),
		pageRoute("POST", "/account/password", co, s.changePassword),
		httpx.RawRoute("GET", "/invite/{token}", anon, httpx.RateNone, s.inviteForm),
		httpx.RawRoute("POST", "/invite/{token}", anon, httpx.RateNone, s.acceptInvite),
		pageRoute("POST", "/logout", co, s.logout),
		pageRoute("GET", "/{$}", co, s.inbox),
		pageRoute("POST", "/tickets/bulk", ag, s.bulkTickets),
		pageRoute("GET", "/tickets/new", ag, s.newTicketForm),
		pageRoute("POST", "/tickets/new", ag, s.createTicket),
		pageRoute("GET", "/tickets/{id}", ag, s.ticketPage),
		pageRoute("POST", "/tickets/{id}/reply", ag, s.replyTicket),
		pageRoute("POST", "/tickets/{id}/notes", ag, s.noteTicket),
		pageRoute("POST", "/tickets/{id}/calls", ag, s.callTicket),
		pageRoute("POST", "/tickets/{id}/properties", ag, s.ticketProperties),
		pageRoute("GET", "/tickets/{id}/entries/{entry}/original", ag, s.entryOriginalPage), // web_mail_ticket.go
		pageRoute("GET", "/tickets/{id}/entries/{entry}/original.html", ag, s.entryOriginalHTML),
		pageRoute("POST", "/tickets/{id}/outbox/{oid}/retry", ag, s.retryOutboxForm),
		pageRoute("POST", "/tickets/{id}/to-article", ag, s.ticketToArticle),
		pageRoute("POST", "/tickets/{id}/classify", ag, withForm(s.classifyForm)),
		pageRoute("GET", "/search", ag, s.searchPage),
		// Live updates (live.go): the event stream and collision warnings.
		{Method: "GET", Path: "/events", Access: co, Rate: httpx.RateNone, Kind: httpx.Stream, Handler: httpx.Plain(s.liveEvents)},
		apiRouteUndocumented("POST", "/tickets/{id}/presence", ag, httpx.RateNone, s.postPresence),

		pageRoute("GET", "/contacts", ag, s.contactsList),
		pageRoute("GET", "/contacts/{id}", ag, s.contactShow),
		pageRoute("POST", "/contacts/{id}", ag, s.contactUpdate),
		pageRoute("POST", "/contacts/{id}/identities", ag, s.contactAddIdentity),
		pageRoute("GET", "/contacts/{id}/merge", ag, s.contactMergeForm),
		pageRoute("POST", "/contacts/{id}/merge", ag, s.contactMerge),

		pageRoute("GET", "/kb/articles", ag, s.kbArticles),
		pageRoute("POST", "/kb/articles", ag, s.kbCreateArticle),
		pageRoute("POST", "/kb/categories", ag, s.kbCreateCategory),
		pageRoute("GET", "/kb/articles/{id}/edit", ag, s.kbEditForm),
		pageRoute("POST", "/kb/articles/{id}/edit", ag, s.kbSaveArticle),

		// Problems (andon cord), web_problems.go.
		pageRoute("GET", "/problems", co, s.problemBoard),
		pageRoute("POST", "/problems", ag, withForm(s.pullAndon)),
		pageRoute("GET", "/problems/{id}", co, s.problemPage),
		pageRoute("POST", "/problems/{id}", co, withForm(s.updateProblemForm)),
		pageRoute("POST", "/problems/{id}/notes", co, withForm(s.problemNoteForm)),
		pageRoute("POST", "/problems/{id}/tickets", ag, withForm(s.linkTicketForm)),
		pageRoute("POST", "/problems/{id}/tickets/{ticket_id}/unlink", ag, withForm(s.unlinkTicketForm)),
		pageRoute("POST", "/problems/{id}/countermeasures", co, withForm(s.addCountermeasureForm)),
		pageRoute("POST", "/countermeasures/{id}", co, withForm(s.updateCountermeasureForm)),
		pageRoute("POST", "/problems/{id}/notify", ag, withForm(s.notifyForm)),
		pageRoute("POST", "/problems/{id}/to-article", ag, withForm(s.problemToArticle)),

		pageRoute("GET", "/reports", ad, s.reportsPage),
		pageRoute("GET", "/reports/{file}", ad, s.reportsCSV),

		// Agent side of live chat (chat_agent.go): the console's calls are
		// per-user rate limited like the API.
		apiRouteUndocumented("GET", "/chat/status", ag, httpx.RateAgentUser, s.getAgentStatus),
		apiRouteUndocumented("POST", "/chat/status", ag, httpx.RateAgentUser, s.postAgentStatus),
		{Method: "GET", Path: "/chat/events", Access: co, Rate: httpx.RateAgentUser, Kind: httpx.Stream, Handler: httpx.Plain(s.chatEvents)},
		apiRouteUndocumented("GET", "/chat/tickets/{id}", ag, httpx.RateAgentUser, s.getChatTicket),
		apiRouteUndocumented("POST", "/chat/tickets/{id}/read", ag, httpx.RateAgentUser, s.postChatRead),
		apiRouteUndocumented("GET", "/chat/files/{id}", ag, httpx.RateAgentUser, s.chatFile),
	}, s.settingsRoutes()...)
}

// apiRouteUndocumented is a JSON endpoint of the workspace's own scripts:
// authenticated like the API, not part of the public REST API.
func apiRouteUndocumented(method, path string, a httpx.Access, rate httpx.Rate, h httpx.UserHandler) httpx.Route {
	return httpx.Route{Method: method, Path: path, Access: a, Rate: rate, Kind: httpx.API, Handler: httpx.WithCaller(h)}
}

// settingsRoutes are the admin settings pages.
func (s *Handler) settingsRoutes() []httpx.Route {
	const ad = httpx.Admin
	return []httpx.Route{
		pageRoute("GET", "/settings", ad, s.settingsHome),
		pageRoute("GET", "/settings/agents", ad, s.settingsAgents),
		pageRoute("POST", "/settings/agents/invite", ad, s.inviteAgent),
		pageRoute("POST", "/settings/agents/{id}/active", ad, s.setAgentActive),
		pageRoute("POST", "/settings/agents/{id}/role", ad, s.setAgentRole),
		pageRoute("POST", "/settings/invites/{id}/revoke", ad, s.revokeInvite),
		pageRoute("GET", "/settings/teams", ad, s.settingsTeams),
		pageRoute("POST", "/settings/teams", ad, s.createTeam),
		pageRoute("POST", "/settings/teams/{id}/members", ad, s.setTeamMembers),
		pageRoute("GET", "/settings/security", ad, s.settingsSecurity), // admin_security.go
		pageRoute("POST", "/settings/security", ad, s.saveSecurity),
		pageRoute("POST", "/settings/security/users/{id}/reset", ad, s.resetTwoFactor),
		pageRoute("GET", "/settings/tokens", ad, s.settingsTokens),
		pageRoute("POST", "/settings/tokens", ad, s.createToken),
		pageRoute("POST", "/settings/tokens/{id}/revoke", ad, s.revokeToken),
		pageRoute("GET", "/settings/branding", ad, s.settingsBranding),
		pageRoute("POST", "/settings/branding", ad, s.saveBranding),
		pageRoute("GET", "/settings/mailboxes", ad, s.settingsMailboxes), // web_mail_admin.go
		pageRoute("GET", "/settings/mailboxes/new", ad, s.newMailboxForm),
		pageRoute("POST", "/settings/mailboxes", ad, s.createMailboxForm),
		pageRoute("GET", "/settings/mailboxes/{id}", ad, s.editMailboxForm),
		pageRoute("POST", "/settings/mailboxes/{id}", ad, s.saveMailboxForm),
		pageRoute("POST", "/settings/mailboxes/{id}/delete", ad, s.deleteMailboxForm),
		pageRoute("GET", "/settings/failed-mail", ad, s.settingsFailedMail),
		pageRoute("GET", "/settings/failed-mail/{id}", ad, s.failedMailShow),
		pageRoute("GET", "/settings/failed-mail/{id}/raw", ad, httpx.FailedMailRaw(s.db)),
		pageRoute("POST", "/settings/failed-mail/{id}/retry", ad, s.failedMailRetry),
		pageRoute("GET", "/settings/mail", ad, s.settingsMail),
		pageRoute("POST", "/settings/mail", ad, s.saveMailSettings),
		pageRoute("GET", "/settings/portal", ad, s.settingsPortal), // web_portal_settings.go
		pageRoute("POST", "/settings/portal", ad, s.savePortalSettings),
		pageRoute("GET", "/settings/surveys", ad, s.settingsSurveys),
		pageRoute("POST", "/settings/surveys", ad, s.saveSurveys),
	}
}
