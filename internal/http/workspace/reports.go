package workspace

import (
	"context"
	"net/http"
	"strings"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/web"
)

// The reports dashboard (GET /reports), its CSV exports and the reports API.
// Leads and admins read them; for now that means admins.

// reportSet is one dashboard: the period, the previous one, and their tables.
type reportSet struct {
	Filter   reports.Filter
	Cur      *reports.Report
	Prev     *reports.Report
	Figures  []reports.Figure
	Tables   map[string]*reports.Table
	Charts   map[string]reports.Chart
	Teams    []*domain.Team
	Channels []domain.Channel
	Query    string // the filter as a query string, for CSV links
}

func (s *Handler) buildReports(ctx context.Context, r *http.Request) (*reportSet, error) {
	f, err := reports.ParseFilter(r.URL.Query(), s.db.Now())
	if err != nil {
		return nil, err
	}
	cur, prev, err := s.reports.BuildWithPrevious(ctx, f)
	if err != nil {
		return nil, err
	}
	return &reportSet{Filter: f, Cur: cur, Prev: prev, Figures: reports.Figures(cur, prev), Tables: reports.Tables(cur, prev),
		Query: f.Query().Encode()}, nil
}

func (s *Handler) reportsPage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	set, err := s.buildReports(r.Context(), r)
	if err != nil {
		return err
	}
	set.Charts = reports.Charts(set.Cur)
	if set.Teams, err = s.db.Teams(r.Context()); err != nil {
		return err
	}
	set.Channels = domain.Channels
	return s.render(w, r, http.StatusOK, "reports", &web.Page{Title: "Reports", Nav: "reports", Data: set})
}

// reportsCSV serves GET /reports/{name}.csv with the dashboard's filters.
func (s *Handler) reportsCSV(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		return domain.NotFound("report")
	}
	set, err := s.buildReports(r.Context(), r)
	if err != nil {
		return err
	}
	t := set.Tables[name]
	if t == nil {
		return domain.NotFound("report")
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="andon-`+name+`-`+set.Filter.From.Format("20060102")+`.csv"`)
	return t.WriteCSV(w)
}
