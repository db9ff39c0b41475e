package reports

import (
	"io"
	"strconv"
	"time"

	"andon/internal/csvx"
)

// Table is one exportable table: the dashboard shows it under its chart and
// GET /reports/{name}.csv writes the same cells.
type Table struct {
	Name   string     `json:"name"`
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// WriteCSV writes the table as CSV, cells that a spreadsheet would run as a
// formula neutralized (csvx): searches and comments are anyone's text.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csvx.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	return cw.WriteAll(t.Rows)
}

func num(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return ""
}

// Figure is one headline number with its value in the previous period.
type Figure struct {
	Key      string  `json:"key"`
	Label    string  `json:"label"`
	Value    float64 `json:"value"`
	Previous float64 `json:"previous"`
}

// Figures lists the headline numbers of cur against prev.
func Figures(cur, prev *Report) []Figure {
	type f struct {
		key, label string
		get        func(r *Report) float64
	}
	i := func(v int) float64 { return float64(v) }
	list := []f{
		{"tickets_solved", "Tickets solved", func(r *Report) float64 { return i(r.Resolution.Solved) }},
		{"first_contact_resolution_pct", "First-contact resolution %", func(r *Report) float64 { return r.Resolution.FCRRate }},
		{"median_hours_to_resolution", "Median hours to resolution", func(r *Report) float64 { return r.Resolution.MedianHours }},
		{"p90_hours_to_resolution", "90th percentile hours to resolution", func(r *Report) float64 { return r.Resolution.P90Hours }},
		{"reopen_pct", "Reopen rate %", func(r *Report) float64 { return r.Resolution.ReopenRate }},
		{"customer_messages_per_ticket", "Customer messages per ticket", func(r *Report) float64 { return r.Effort.MessagesPerTicket }},
		{"tickets_per_customer", "Tickets per customer", func(r *Report) float64 { return r.Effort.TicketsPerCustomer }},
		{"transfers", "Transfers", func(r *Report) float64 { return i(r.Effort.Transfers) }},
		{"channel_switch_pct", "Tickets with a channel switch %", func(r *Report) float64 { return r.Effort.ChannelSwitchRate }},
		{"avg_hours_customer_waited_on_us", "Hours the customer waited on us (avg per ticket)", func(r *Report) float64 { return r.Effort.WaitOnUsHours }},
		{"avg_hours_we_waited_on_customer", "Hours we waited on the customer (avg per ticket)", func(r *Report) float64 { return r.Effort.WaitOnThemHours }},
		{"ces_avg", "Customer effort score (1-7)", func(r *Report) float64 { return r.Effort.CESAvg }},
		{"failure_demand_pct", "Failure demand % of classified", func(r *Report) float64 { return r.Failure.Share }},
		{"open_problems", "Open problems", func(r *Report) float64 { return i(r.Problems.Open) }},
		{"customers_affected", "Customers affected by open problems", func(r *Report) float64 { return i(r.Problems.CustomersAffected) }},
		{"median_days_first_ticket_to_countermeasure", "Median days from first ticket to countermeasure", func(r *Report) float64 { return r.Problems.MedianDaysToCM }},
		{"countermeasures_with_recurrence", "Countermeasures with recurrence", func(r *Report) float64 { return i(r.Problems.Recurred) }},
		{"kb_searches", "Knowledge-base searches", func(r *Report) float64 { return i(r.SelfService.Searches) }},
		{"kb_searches_without_results", "Searches with no results", func(r *Report) float64 { return i(r.SelfService.EmptySearches) }},
		{"deflections", "Deflections", func(r *Report) float64 { return i(r.SelfService.Deflections) }},
		{"csat_avg", "Satisfaction (CSAT 1-5)", func(r *Report) float64 { return r.Satisfaction.Avg }},
		{"incoming", "Incoming tickets", func(r *Report) float64 { return i(r.Load.Incoming) }},
	}
	out := make([]Figure, len(list))
	for k, x := range list {
		out[k] = Figure{Key: x.key, Label: x.label, Value: x.get(cur), Previous: x.get(prev)}
	}
	return out
}

// TableNames lists every exportable table in dashboard order.
var TableNames = []string{"summary", "resolution", "effort", "ces", "failure-weekly", "failure-reasons", "failure-stages",
	"problems", "self-service", "zero-result-searches", "satisfaction", "comments", "load-channels", "load-heatmap", "backlog"}

// Tables builds every table of the dashboard, keyed by name.
func Tables(cur, prev *Report) map[string]*Table {
	t := map[string]*Table{}
	add := func(name, title string, header ...string) *Table {
		x := &Table{Name: name, Title: title, Header: header, Rows: [][]string{}}
		t[name] = x
		return x
	}
	s := add("summary", "Headline figures", "figure", "value", "previous period")
	for _, f := range Figures(cur, prev) {
		s.Rows = append(s.Rows, []string{f.Key, num(f.Value), num(f.Previous)})
	}
	res := cur.Resolution
	x := add("resolution", "Resolution", "measure", "value")
	x.Rows = [][]string{{"tickets_solved", num(res.Solved)}, {"first_contact_resolutions", num(res.FCR)},
		{"first_contact_resolution_pct", num(res.FCRRate)}, {"median_hours_to_resolution", num(res.MedianHours)},
		{"p90_hours_to_resolution", num(res.P90Hours)}, {"reopened", num(res.Reopened)}, {"reopen_pct", num(res.ReopenRate)}}
	e := cur.Effort
	x = add("effort", "Customer effort", "measure", "value")
	x.Rows = [][]string{{"tickets", num(e.Tickets)}, {"customers", num(e.Customers)}, {"customer_messages", num(e.CustomerMessages)},
		{"customer_messages_per_ticket", num(e.MessagesPerTicket)}, {"tickets_per_customer", num(e.TicketsPerCustomer)},
		{"transfers", num(e.Transfers)}, {"tickets_transferred", num(e.TicketsTransferred)}, {"channel_switches", num(e.ChannelSwitches)},
		{"channel_switch_pct", num(e.ChannelSwitchRate)}, {"avg_hours_customer_waited_on_us", num(e.WaitOnUsHours)},
		{"avg_hours_we_waited_on_customer", num(e.WaitOnThemHours)}, {"ces_answers", num(e.CESCount)}, {"ces_avg", num(e.CESAvg)}}
	x = add("ces", "Customer effort score (1 = very hard, 7 = very easy)", "score", "answers")
	for i, n := range e.CESDist {
		x.Rows = append(x.Rows, []string{num(i + 1), num(n)})
	}
	x = add("failure-weekly", "Failure demand by week", "week", "classified", "failure", "failure_pct")
	for _, w := range cur.Failure.Weekly {
		x.Rows = append(x.Rows, []string{w.Week, num(w.Classified), num(w.Failure), num(w.Share)})
	}
	x = add("failure-reasons", "Failure reasons (Pareto)", "reason", "stage", "tickets", "cumulative_pct")
	for _, b := range cur.Failure.Reasons {
		x.Rows = append(x.Rows, []string{b.Label, b.Group, num(b.Count), num(b.Cumulative)})
	}
	x = add("failure-stages", "Failure demand by value-chain stage", "stage", "tickets")
	for _, b := range cur.Failure.Stages {
		x.Rows = append(x.Rows, []string{b.Label, num(b.Count)})
	}
	x = add("problems", "Countermeasures in place in the period", "problem", "title", "status", "customers", "days_first_ticket_to_countermeasure", "recurrences", "verified", "flagged")
	for _, p := range cur.Problems.Rows {
		x.Rows = append(x.Rows, []string{"P-" + num(p.ID), p.Title, p.Status, num(p.Customers), num(p.DaysToCM), num(p.Recurrences), num(p.Verified), num(p.Flagged)})
	}
	ss := cur.SelfService
	x = add("self-service", "Self-service", "measure", "value")
	x.Rows = [][]string{{"kb_searches", num(ss.Searches)}, {"kb_searches_without_results", num(ss.EmptySearches)},
		{"article_views_all_time", num(ss.Views)}, {"helpful_votes_yes", num(ss.HelpfulYes)}, {"helpful_votes_no", num(ss.HelpfulNo)},
		{"articles_opened_from_ticket_form", num(ss.Opened)}, {"deflections", num(ss.Deflections)}}
	x = add("zero-result-searches", "Searches that found nothing: articles to write next", "query", "searches")
	for _, q := range ss.TopEmpty {
		x.Rows = append(x.Rows, []string{q.Query, num(q.Count)})
	}
	x = add("satisfaction", "Satisfaction (CSAT 1-5)", "score", "answers")
	for i, n := range cur.Satisfaction.Dist {
		x.Rows = append(x.Rows, []string{num(i + 1), num(n)})
	}
	x = add("comments", "Survey comments", "ticket", "question", "score", "comment", "at")
	for _, c := range cur.Satisfaction.Comments {
		x.Rows = append(x.Rows, []string{num(c.TicketID), c.Kind, num(c.Score), c.Comment, c.At.Format(time.RFC3339)})
	}
	x = add("load-channels", "Incoming by channel", "channel", "tickets")
	for _, b := range cur.Load.ByChannel {
		x.Rows = append(x.Rows, []string{b.Label, num(b.Count)})
	}
	x = add("load-heatmap", "Incoming by hour of week (UTC)", "day", "hour", "tickets")
	for d, row := range cur.Load.Heat {
		for h, n := range row {
			x.Rows = append(x.Rows, []string{Weekdays[d], num(h), num(n)})
		}
	}
	x = add("backlog", "Backlog (unsolved at the end of each day)", "day", "unsolved")
	for _, b := range cur.Load.Backlog {
		x.Rows = append(x.Rows, []string{b.Label, num(b.Count)})
	}
	return t
}

// Weekdays names the rows of the heat map.
var Weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
