package widget

import "andon/internal/http/httpx"

// widgetRoutes is the public side of live chat (chat_widget.go): visitors
// authenticate every call with their id and token; the handlers limit per
// address and per visitor themselves.
func (s *Handler) widgetRoutes() []httpx.Route {
	const (
		anon      = httpx.Anonymous
		own, none = httpx.RateOwn, httpx.RateNone
	)
	return []httpx.Route{
		httpx.RawRoute("GET", "/widget.js", anon, none, s.widgetJS),
		httpx.RawRoute("OPTIONS", "/widget/", anon, none, s.widgetPreflight),
		httpx.RawRoute("GET", "/widget/config", anon, own, s.widgetConfig),
		httpx.RawRoute("POST", "/widget/visitors", anon, own, s.widgetNewVisitor),
		httpx.RawRoute("GET", "/widget/ws", anon, own, s.widgetSocket),
		httpx.RawRoute("POST", "/widget/upload", anon, own, s.widgetUpload),
		httpx.RawRoute("GET", "/widget/files/{id}", anon, none, s.widgetFile),
		httpx.RawRoute("POST", "/widget/transcript", anon, own, s.widgetTranscript),
		httpx.RawRoute("GET", "/widget/survey", anon, none, s.widgetSurvey),
		httpx.RawRoute("POST", "/widget/survey", anon, own, s.widgetSurveyAnswer),
	}
}
