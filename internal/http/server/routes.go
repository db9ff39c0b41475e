package server

import "andon/internal/http/httpx"

// routes lists Andon's whole HTTP surface: operations, then each audience's
// route table (each route declares its access and rate-limit class there).
func (s *Server) routes() []httpx.Route {
	const anon, none = httpx.Anonymous, httpx.RateNone
	rs := []httpx.Route{
		rawRoute("GET", "/healthz", anon, none, s.healthz),
		rawRoute("GET", "/readyz", anon, none, s.readyz),
		rawRoute("GET", "/metrics", anon, none, s.metricsHandler),
	}
	rs = append(rs, s.apiRoutes()...)
	rs = append(rs, s.workspaceRoutes()...)
	rs = append(rs, s.portalRoutes()...)
	return append(rs, s.widgetRoutes()...)
}
