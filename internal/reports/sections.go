package reports

import (
	"context"
	"sort"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// Problems: the defects behind the contacts and whether the fixes held.
type Problems struct {
	Open              int          `json:"open_problems"`
	CustomersAffected int          `json:"customers_affected"`
	InPlace           int          `json:"countermeasures_in_place"`
	MedianDaysToCM    float64      `json:"median_days_first_ticket_to_countermeasure"`
	Recurred          int          `json:"countermeasures_with_recurrence"`
	Verified          int          `json:"countermeasures_verified"`
	Flagged           int          `json:"countermeasures_flagged"`
	Rows              []ProblemRow `json:"problems"`
}

// ProblemRow is one problem with a countermeasure in place in the period.
type ProblemRow struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	Status      string  `json:"status"`
	Customers   int     `json:"customers"`
	DaysToCM    float64 `json:"days_first_ticket_to_countermeasure"`
	Recurrences int     `json:"recurrences"`
	Verified    bool    `json:"verified"`
	Flagged     bool    `json:"flagged"`
}

// SelfService: how often customers helped themselves.
type SelfService struct {
	Searches      int                `json:"kb_searches"`
	EmptySearches int                `json:"kb_searches_without_results"`
	TopEmpty      []store.QueryCount `json:"top_queries_without_results"`
	Views         int                `json:"article_views_all_time"`
	HelpfulYes    int                `json:"helpful_votes_yes"`
	HelpfulNo     int                `json:"helpful_votes_no"`
	Opened        int                `json:"articles_opened_from_ticket_form"`
	Deflections   int                `json:"deflections"`
}

// Satisfaction: what customers said.
type Satisfaction struct {
	Count    int       `json:"csat_answers"`
	Avg      float64   `json:"csat_avg"`
	Dist     []int     `json:"csat_distribution"` // index 0 is score 1
	Comments []Comment `json:"comments"`
}

// Comment is a survey comment.
type Comment struct {
	TicketID int64     `json:"ticket_id"`
	Kind     string    `json:"kind"`
	Score    int       `json:"score"`
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

// Load: what came in, when, and what is waiting.
type Load struct {
	Incoming  int        `json:"incoming"`
	ByChannel []Bar      `json:"by_channel"`
	Heat      [7][24]int `json:"hour_of_week"` // [Monday..Sunday][hour UTC]
	HeatMax   int        `json:"-"`
	Backlog   []Bar      `json:"backlog"` // Label: day, Count: unsolved at the end of it
}

func (s *Service) problems(ctx context.Context, f Filter) (Problems, error) {
	out := Problems{Rows: []ProblemRow{}}
	ps, err := s.db.Problems(ctx, domain.ProblemFilter{Limit: 200})
	if err != nil {
		return out, err
	}
	var days []int64
	for _, p := range ps {
		if p.Status.Open() {
			out.Open++
			out.CustomersAffected += p.CustomerCount
		}
		full, err := s.db.Problem(ctx, p.ID)
		if err != nil {
			return out, err
		}
		var first int64
		for _, t := range full.Tickets {
			if at := t.CreatedAt.UnixMilli(); first == 0 || at < first {
				first = at
			}
		}
		for _, cm := range full.Countermeasures {
			if cm.InPlaceAt == nil || cm.InPlaceAt.Before(f.From) || !cm.InPlaceAt.Before(f.To) {
				continue
			}
			out.InPlace++
			row := ProblemRow{ID: p.ID, Title: p.Title, Status: string(p.Status), Customers: p.CustomerCount}
			if first != 0 {
				d := cm.InPlaceAt.UnixMilli() - first
				days = append(days, d)
				row.DaysToCM = msDays(d)
			}
			if rc := cm.Recurrence; rc != nil {
				row.Recurrences, row.Verified, row.Flagged = rc.Count, rc.Verified, rc.Flagged
				if rc.Count > 0 {
					out.Recurred++
				}
				if rc.Verified {
					out.Verified++
				}
				if rc.Flagged {
					out.Flagged++
				}
			}
			out.Rows = append(out.Rows, row)
		}
	}
	out.MedianDaysToCM = msDays(percentile(days, 50))
	return out, nil
}

func msDays(v int64) float64 { return round1(float64(v) / float64(day/time.Millisecond)) }

func selfService(kb *store.KBStats) SelfService {
	return SelfService{Searches: kb.Searches, EmptySearches: kb.EmptySearches, TopEmpty: kb.TopEmpty, Views: kb.Views,
		HelpfulYes: kb.HelpfulYes, HelpfulNo: kb.HelpfulNo, Opened: kb.DeflectOpened, Deflections: kb.Deflected}
}

func satisfaction(surveys []store.SurveyRow) Satisfaction {
	s := Satisfaction{Dist: make([]int, 5), Comments: []Comment{}}
	sum := 0
	for _, r := range surveys {
		if r.Kind == store.SurveyCSAT {
			s.Count++
			sum += r.Score
			s.Dist[r.Score-1]++
		}
		if r.Comment != "" {
			s.Comments = append(s.Comments, Comment{TicketID: r.TicketID, Kind: r.Kind, Score: r.Score, Comment: r.Comment, At: time.UnixMilli(r.CreatedAt).UTC()})
		}
	}
	s.Avg = ratio(sum, s.Count)
	return s
}

func (s *Service) load(f Filter, created []store.CreatedAgg, bl *backlogData) (Load, error) {
	l := Load{ByChannel: []Bar{}, Backlog: []Bar{}}
	byCh := map[domain.Channel]int{}
	for _, t := range created {
		l.Incoming += t.Tickets
		byCh[t.Channel] += t.Tickets
		h := (t.Hour + 72) % 168 // hours since Monday 00:00 UTC
		l.Heat[h/24][h%24] += t.Tickets
	}
	for _, row := range l.Heat {
		for _, n := range row {
			l.HeatMax = max(l.HeatMax, n)
		}
	}
	for _, c := range domain.Channels {
		if byCh[c] > 0 {
			l.ByChannel = append(l.ByChannel, Bar{Label: string(c), Count: byCh[c]})
		}
	}
	sort.SliceStable(l.ByChannel, func(i, j int) bool { return l.ByChannel[i].Count > l.ByChannel[j].Count })
	// Backlog at the end of day D = unsolved now - created after D + solved after D.
	open, after := bl.open, bl.after
	dayMS := int64(day / time.Millisecond)
	first, last := f.From.UnixMilli()/dayMS, f.To.UnixMilli()/dayMS-1
	lastData := last
	for d := range after {
		if d > lastData {
			lastData = d
		}
	}
	// Walk back from the newest day with data to the first day of the range.
	backlog := open
	vals := map[int64]int{}
	for d := lastData; d >= first; d-- {
		vals[d] = backlog // unsolved at the end of day d
		backlog += after[d]
	}
	for d := first; d <= last; d++ {
		l.Backlog = append(l.Backlog, Bar{Label: time.UnixMilli(d * dayMS).UTC().Format(time.DateOnly), Count: vals[d]})
	}
	return l, nil
}

// backlogData holds what backlog over time needs from a day on: tickets
// unsolved now, and per day, tickets solved minus tickets created.
type backlogData struct {
	open  int
	after map[int64]int
}

func (s *Service) backlogSince(ctx context.Context, f Filter) (*backlogData, error) {
	open, cr, so, err := s.db.BacklogInputs(ctx, f.store())
	if err != nil {
		return nil, err
	}
	bl := &backlogData{open: open, after: map[int64]int{}}
	for _, d := range cr {
		bl.after[d.Day] -= d.Count
	}
	for _, d := range so {
		bl.after[d.Day] += d.Count
	}
	return bl, nil
}
