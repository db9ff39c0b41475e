package server

import "andon/internal/http/httpx"

// routes lists Andon's whole HTTP surface: operations (/metrics is not
// here: internal/app serves MetricsHandler on ANDON_METRICS_ADDR only), then each audience's
// route table (each route declares its access and rate-limit class there).
// Routes is the whole surface, every route with its policy.
func (s *Server) Routes() []httpx.Route {
	const anon, none = httpx.Anonymous, httpx.RateNone
	rs := []httpx.Route{
		httpx.RawRoute("GET", "/healthz", anon, none, s.healthz),
		httpx.RawRoute("GET", "/readyz", anon, none, s.readyz),
	}
	rs = append(rs, s.api.Routes()...)
	rs = append(rs, s.workspace.Routes()...)
	rs = append(rs, s.portal.Routes()...)
	return append(rs, s.widget.Routes()...)
}
