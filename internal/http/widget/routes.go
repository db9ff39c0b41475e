package widget

import "andon/internal/http/httpx"

// widgetRoutes is the public side of live chat (widget.go): visitors
// authenticate every call with their id and token. Every route that costs
// anything takes a token of its class per client address (Policy.Apply);
// per visitor and per recipient limits are in the handlers and the store
// (docs/security.md lists them all).
func (s *Handler) widgetRoutes() []httpx.Route {
	const (
		anon = httpx.Anonymous
		none = httpx.RateNone
	)
	return []httpx.Route{
		httpx.RawRoute("GET", "/widget.js", anon, none, s.widgetJS),
		httpx.RawRoute("OPTIONS", "/widget/", anon, none, s.widgetPreflight),
		httpx.RawRoute("GET", "/widget/config", anon, httpx.RateWidget, s.widgetConfig),
		httpx.RawRoute("POST", "/widget/visitors", anon, httpx.RateWidgetVisitor, s.widgetNewVisitor),
		httpx.RawRoute("GET", "/widget/ws", anon, httpx.RateWidget, s.widgetSocket),
		httpx.RawRoute("POST", "/widget/upload", anon, httpx.RateWidget, s.widgetUpload),
		httpx.RawRoute("GET", "/widget/files/{id}", anon, none, s.widgetFile),
		httpx.RawRoute("POST", "/widget/transcript", anon, httpx.RateWidgetMail, s.widgetTranscript),
		httpx.RawRoute("GET", "/widget/confirm/{token}", anon, httpx.RateAddress, s.widgetConfirmPage),
		httpx.RawRoute("POST", "/widget/confirm/{token}", anon, httpx.RateWidgetMail, s.widgetConfirm),
		httpx.RawRoute("GET", "/widget/survey", anon, none, s.widgetSurvey),
		httpx.RawRoute("POST", "/widget/survey", anon, httpx.RateWidget, s.widgetSurveyAnswer),
	}
}
