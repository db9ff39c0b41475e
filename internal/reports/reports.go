// Package reports computes Andon's measures of resolution, customer effort,
// failure demand, problems, self-service, satisfaction and load from tickets
// and their timelines (see docs/metrics.md for every definition). Handle
// time is deliberately absent, and no figure ranks agents.
package reports

import (
	"context"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

const day = 24 * time.Hour

// Filter selects what a report covers: [From, To) and the ticket filters.
type Filter struct {
	From, To time.Time
	TeamID   int64
	Channel  domain.Channel
	Tag      string
}

// Previous is the period of the same length just before f.
func (f Filter) Previous() Filter {
	p := f
	p.To = f.From
	p.From = f.From.Add(-f.To.Sub(f.From))
	return p
}

func (f Filter) store() store.ReportFilter {
	return store.ReportFilter{From: f.From, To: f.To, TeamID: f.TeamID, Channel: f.Channel, Tag: f.Tag}
}

// Query is the filter as URL parameters (from and to are inclusive dates).
func (f Filter) Query() url.Values {
	q := url.Values{}
	q.Set("from", f.From.Format(time.DateOnly))
	q.Set("to", f.To.Add(-day).Format(time.DateOnly))
	if f.TeamID != 0 {
		q.Set("team", strconv.FormatInt(f.TeamID, 10))
	}
	if f.Channel != "" {
		q.Set("channel", string(f.Channel))
	}
	if f.Tag != "" {
		q.Set("tag", f.Tag)
	}
	return q
}

// ParseFilter reads from=YYYY-MM-DD&to=YYYY-MM-DD (both inclusive, UTC),
// team, channel and tag. The default is the 30 days up to today.
func ParseFilter(q url.Values, now time.Time) (Filter, error) {
	v := domain.Validation{}
	today := now.UTC().Truncate(day)
	f := Filter{From: today.Add(-29 * day), To: today.Add(day)}
	if s := q.Get("from"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		v.Check(err == nil, "from", "must be a date like 2026-01-31")
		f.From = t
	}
	if s := q.Get("to"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		v.Check(err == nil, "to", "must be a date like 2026-01-31")
		f.To = t.Add(day)
	}
	v.Check(f.To.After(f.From), "to", "must not be before from")
	v.Check(f.To.Sub(f.From) <= 3700*day, "from", "at most ten years")
	if s := q.Get("team"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && id > 0, "team", "must be a team id")
		f.TeamID = id
	}
	if s := q.Get("channel"); s != "" {
		f.Channel = domain.Channel(s)
		v.Check(f.Channel.Valid(), "channel", "must be email, chat, portal, phone or api")
	}
	f.Tag = strings.ToLower(strings.TrimSpace(q.Get("tag")))
	return f, v.Err()
}

// Service builds reports. Keep one per process: it caches per-day sums.
type Service struct {
	db    *store.DB
	cache dayCache
}

// New returns a report service over db.
func New(db *store.DB) *Service {
	return &Service{db: db, cache: dayCache{days: map[string]dayEntry{}}}
}

// Report is every figure of one period. Rates are percentages and times
// hours, rounded as shown, so the screen, the API and the CSV agree.
type Report struct {
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	Resolution   Resolution    `json:"resolution"`
	Effort       Effort        `json:"effort"`
	Failure      FailureDemand `json:"failure_demand"`
	Problems     Problems      `json:"problems"`
	SelfService  SelfService   `json:"self_service"`
	Satisfaction Satisfaction  `json:"satisfaction"`
	Load         Load          `json:"load"`
}

// Resolution: were problems solved, at the first contact, and how long did it take.
type Resolution struct {
	Solved      int     `json:"tickets_solved"`
	FCR         int     `json:"first_contact_resolutions"`
	FCRRate     float64 `json:"first_contact_resolution_pct"`
	MedianHours float64 `json:"median_hours_to_resolution"`
	P90Hours    float64 `json:"p90_hours_to_resolution"`
	Reopened    int     `json:"reopened"`
	ReopenRate  float64 `json:"reopen_pct"`
}

// Effort: what getting help cost the customer.
type Effort struct {
	Tickets            int     `json:"tickets"`
	Customers          int     `json:"customers"`
	CustomerMessages   int     `json:"customer_messages"`
	MessagesPerTicket  float64 `json:"customer_messages_per_ticket"`
	TicketsPerCustomer float64 `json:"tickets_per_customer"`
	Transfers          int     `json:"transfers"`
	TicketsTransferred int     `json:"tickets_transferred"`
	ChannelSwitches    int     `json:"channel_switches"`
	ChannelSwitchRate  float64 `json:"channel_switch_pct"`
	WaitOnUsHours      float64 `json:"avg_hours_customer_waited_on_us"`
	WaitOnThemHours    float64 `json:"avg_hours_we_waited_on_customer"`
	CESCount           int     `json:"ces_answers"`
	CESAvg             float64 `json:"ces_avg"`
	CESDist            []int   `json:"ces_distribution"` // index 0 is score 1
}

// FailureDemand: how much of the demand our failures created, and where.
type FailureDemand struct {
	Classified int         `json:"classified"`
	Failure    int         `json:"failure"`
	Share      float64     `json:"failure_pct"`
	Weekly     []WeekShare `json:"weekly"`
	Reasons    []Bar       `json:"reasons"` // Pareto order
	Stages     []Bar       `json:"stages"`
}

// WeekShare is the failure share of the tickets created in one week.
type WeekShare struct {
	Week       string  `json:"week"` // Monday, YYYY-MM-DD
	Classified int     `json:"classified"`
	Failure    int     `json:"failure"`
	Share      float64 `json:"failure_pct"`
}

// Bar is one labelled count; Cumulative is the running share in a Pareto.
type Bar struct {
	Label      string  `json:"label"`
	Group      string  `json:"group,omitempty"`
	Count      int     `json:"count"`
	Cumulative float64 `json:"cumulative_pct,omitempty"`
}

// Build computes the report of one period.
func (s *Service) Build(ctx context.Context, f Filter) (*Report, error) {
	created, err := s.created(ctx, f) // refreshes the facts of changed days
	if err != nil {
		return nil, err
	}
	// Tickets solved in the period but created before it are not in those days.
	if err := s.db.RefreshReportFacts(ctx, f.store(), "solved_before"); err != nil {
		return nil, err
	}
	bl, err := s.backlogSince(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, f, bl, created)
}

// BuildWithPrevious computes the report of f and of the period before it.
func (s *Service) BuildWithPrevious(ctx context.Context, f Filter) (cur, prev *Report, err error) {
	p := f.Previous()
	both := f
	both.From = p.From
	// Created tickets of both periods first: their facts are then fresh
	// for the solved-ticket figures of either period.
	createdPrev, err := s.created(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	createdCur, err := s.created(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	if err := s.db.RefreshReportFacts(ctx, both.store(), "solved_before"); err != nil {
		return nil, nil, err
	}
	bl, err := s.backlogSince(ctx, both) // one read serves both periods
	if err != nil {
		return nil, nil, err
	}
	if cur, err = s.build(ctx, f, bl, createdCur); err != nil {
		return nil, nil, err
	}
	prev, err = s.build(ctx, p, bl, createdPrev)
	return cur, prev, err
}

// build computes one period from its created-ticket sums; the facts of the
// tickets solved in it must be fresh.
func (s *Service) build(ctx context.Context, f Filter, bl *backlogData, created []store.CreatedAgg) (*Report, error) {
	now := s.db.Now()
	r := &Report{From: f.From, To: f.To}
	solved, err := s.db.ReportSolved(ctx, f.store())
	if err != nil {
		return nil, err
	}
	r.Resolution = resolution(solved)
	customers, err := s.db.ReportCustomers(ctx, f.store())
	if err != nil {
		return nil, err
	}
	surveys, err := s.db.ReportSurveys(ctx, f.store())
	if err != nil {
		return nil, err
	}
	r.Effort = effort(created, customers, surveys, now.UnixMilli())
	reasons, err := s.db.FailureReasons(ctx)
	if err != nil {
		return nil, err
	}
	r.Failure = failureDemand(created, reasons)
	if r.Problems, err = s.problems(ctx, f); err != nil {
		return nil, err
	}
	kb, err := s.db.ReportKB(ctx, f.From, f.To, 20)
	if err != nil {
		return nil, err
	}
	r.SelfService = selfService(kb)
	r.Satisfaction = satisfaction(surveys)
	if r.Load, err = s.load(f, created, bl); err != nil {
		return nil, err
	}
	return r, nil
}

func resolution(a *store.SolvedAgg) Resolution {
	r := Resolution{Solved: a.Solved, FCR: a.FCR, Reopened: a.Reopened}
	r.FCRRate = pct(r.FCR, r.Solved)
	r.ReopenRate = pct(r.Reopened, r.Solved)
	r.MedianHours = msHours(percentile(a.Durations, 50))
	r.P90Hours = msHours(percentile(a.Durations, 90))
	return r
}

func effort(created []store.CreatedAgg, customers int, surveys []store.SurveyRow, now int64) Effort {
	e := Effort{CESDist: make([]int, 7), Customers: customers}
	var waitUs, waitThem int64
	for _, a := range created {
		e.Tickets += a.Tickets
		e.CustomerMessages += a.CustomerMsgs
		e.Transfers += a.Transfers
		e.TicketsTransferred += a.Transferred
		e.ChannelSwitches += a.Switched
		waitUs += a.WaitUsMS + a.WaitUsOpen*now - a.WaitUsSinceSum
		waitThem += a.WaitThemMS + a.WaitThemOpen*now - a.WaitThemSince
	}
	e.MessagesPerTicket = ratio(e.CustomerMessages, e.Tickets)
	e.TicketsPerCustomer = ratio(e.Tickets, e.Customers)
	e.ChannelSwitchRate = pct(e.ChannelSwitches, e.Tickets)
	if e.Tickets > 0 {
		e.WaitOnUsHours = msHours(waitUs / int64(e.Tickets))
		e.WaitOnThemHours = msHours(waitThem / int64(e.Tickets))
	}
	sum := 0
	for _, s := range surveys {
		if s.Kind == store.SurveyCES {
			e.CESCount++
			sum += s.Score
			e.CESDist[s.Score-1]++
		}
	}
	e.CESAvg = ratio(sum, e.CESCount)
	return e
}

const hourMS = int64(time.Hour / time.Millisecond)

func failureDemand(created []store.CreatedAgg, reasons []*domain.FailureReason) FailureDemand {
	fd := FailureDemand{Weekly: []WeekShare{}, Reasons: []Bar{}, Stages: []Bar{}}
	weeks := map[int64]*WeekShare{}
	byReason := map[int64]int{}
	for _, t := range created {
		if t.Demand == domain.DemandUnclassified {
			continue
		}
		fd.Classified += t.Tickets
		wk := weekStart(t.Hour * hourMS)
		w := weeks[wk]
		if w == nil {
			w = &WeekShare{Week: time.UnixMilli(wk).UTC().Format(time.DateOnly)}
			weeks[wk] = w
		}
		w.Classified += t.Tickets
		if t.Demand == domain.DemandFailure {
			fd.Failure += t.Tickets
			w.Failure += t.Tickets
			byReason[t.ReasonID] += t.Tickets
		}
	}
	fd.Share = pct(fd.Failure, fd.Classified)
	keys := make([]int64, 0, len(weeks))
	for k := range weeks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		w := weeks[k]
		w.Share = pct(w.Failure, w.Classified)
		fd.Weekly = append(fd.Weekly, *w)
	}
	names := map[int64]*domain.FailureReason{}
	for _, r := range reasons {
		names[r.ID] = r
	}
	stages := map[string]int{}
	for id, n := range byReason {
		b := Bar{Label: "(no reason given)", Group: "(no stage)", Count: n}
		if r := names[id]; r != nil {
			b.Label, b.Group = r.Name, r.Stage
		}
		fd.Reasons = append(fd.Reasons, b)
		stages[b.Group] += n
	}
	sort.Slice(fd.Reasons, func(i, j int) bool {
		a, b := fd.Reasons[i], fd.Reasons[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Label < b.Label)
	})
	cum := 0
	for i := range fd.Reasons {
		cum += fd.Reasons[i].Count
		fd.Reasons[i].Cumulative = pct(cum, fd.Failure)
	}
	for st, n := range stages {
		fd.Stages = append(fd.Stages, Bar{Label: st, Count: n})
	}
	sort.Slice(fd.Stages, func(i, j int) bool {
		a, b := fd.Stages[i], fd.Stages[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Label < b.Label)
	})
	return fd
}

// weekStart is the Monday 00:00 UTC of the week holding ms.
func weekStart(msec int64) int64 {
	d := msec / int64(day/time.Millisecond)
	monday := d - (d+3)%7 // 1970-01-01 was a Thursday
	return monday * int64(day/time.Millisecond)
}

// percentile is the nearest-rank p-th percentile (0 for no values).
func percentile(v []int64, p int) int64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(float64(p) / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return round1(100 * float64(n) / float64(of))
}

func ratio(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return round2(float64(n) / float64(of))
}

func msHours(v int64) float64 { return round1(float64(v) / float64(time.Hour/time.Millisecond)) }
