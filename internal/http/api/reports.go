package api

import (
	"net/http"

	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/reports"
)

// apiReport serves GET /api/v1/reports/{section}.
func (s *Handler) apiReport(section string) httpx.UserHandler {
	return func(w http.ResponseWriter, r *http.Request, u *domain.User) error {
		if !u.IsAdmin() {
			return domain.Errorf(domain.EForbidden, "admins only")
		}
		f, err := reports.ParseFilter(r.URL.Query(), s.db.Now())
		if err != nil {
			return err
		}
		c, p, err := s.reports.BuildWithPrevious(r.Context(), f)
		if err != nil {
			return err
		}
		out := map[string]any{"from": c.From, "to": c.To, "previous_from": p.From, "previous_to": p.To}
		switch section {
		case "summary":
			figs := map[string]any{}
			for _, f := range reports.Figures(c, p) {
				figs[f.Key] = map[string]float64{"value": f.Value, "previous": f.Previous}
			}
			out["figures"] = figs
		case "resolution":
			out["current"], out["previous"] = c.Resolution, p.Resolution
		case "effort":
			out["current"], out["previous"] = c.Effort, p.Effort
		case "failure-demand":
			out["current"], out["previous"] = c.Failure, p.Failure
		case "problems":
			out["current"], out["previous"] = c.Problems, p.Problems
		case "self-service":
			out["current"], out["previous"] = c.SelfService, p.SelfService
		case "satisfaction":
			out["current"], out["previous"] = c.Satisfaction, p.Satisfaction
		case "load":
			out["current"], out["previous"] = c.Load, p.Load
		}
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
}
