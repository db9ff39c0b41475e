package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"andon/internal/domain"
)

// Reads for the reports (internal/reports computes the figures). Everything
// is derived from tickets and their timelines; the only summary table,
// report_ticket_facts, is checked against each ticket's updated_at and
// recomputed when stale, so it cannot drift.

// ReportFilter selects the tickets a report covers. Zero values mean "any".
type ReportFilter struct {
	From, To time.Time // [From, To)
	TeamID   int64
	Channel  domain.Channel
	Tag      string
}

// reportCond returns "t.<col> >= ? AND t.<col> < ?" (no range when col is
// "") plus the ticket filters. ok is false when the tag filter matches no
// ticket at all.
func (db *DB) reportCond(ctx context.Context, f ReportFilter, col string) (string, []any, bool, error) {
	w := []string{"1 = 1"}
	var args []any
	if col != "" {
		w, args = append(w, "t."+col+" >= ?", "t."+col+" < ?"), append(args, ms(f.From), ms(f.To))
	}
	if f.TeamID != 0 {
		w, args = append(w, "t.team_id = ?"), append(args, f.TeamID)
	}
	if f.Channel != "" {
		w, args = append(w, "t.channel = ?"), append(args, f.Channel)
	}
	if f.Tag != "" {
		var tagID int64
		err := db.queryRow(ctx, `SELECT id FROM tags WHERE name = ?`, strings.ToLower(strings.TrimSpace(f.Tag))).Scan(&tagID)
		if isNoRows(err) {
			return "", nil, false, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		w, args = append(w, "t.id IN (SELECT tt.ticket_id FROM ticket_tags tt WHERE tt.tag_id = ?)"), append(args, tagID)
	}
	return strings.Join(w, " AND "), args, true, nil
}

// TicketFacts are per-ticket figures read from the timeline.
type TicketFacts struct {
	CustomerMsgs    int   // inbound messages and calls
	AgentReplies    int   // public replies (outbound messages and calls) by agents
	Transfers       int   // assignee or team changes away from an earlier one
	InboundChannels int   // bit set of the channels the customer wrote on
	WaitUsMS        int64 // finished spells of the customer waiting on us
	WaitUsSince     int64 // the customer has been waiting since (ms; 0 = not waiting)
	WaitThemMS      int64 // finished spells in status pending
	WaitThemSince   int64 // pending since (ms; 0 = not pending)
}

// RefreshReportFacts recomputes the stored facts of the tickets created or
// solved (cols: "created_at", "solved_at", or "solved_before" for solved in
// the range but created before it; default the first two) in [f.From, f.To)
// whose timeline changed since (their updated_at
// differs from the stored version), so the aggregates below are exact.
func (db *DB) RefreshReportFacts(ctx context.Context, f ReportFilter, cols ...string) error {
	if len(cols) == 0 {
		cols = []string{"created_at", "solved_at"}
	}
	stale := map[int64]int64{}
	for _, col := range cols {
		before := col == "solved_before"
		if before {
			col = "solved_at"
		}
		cond, args, ok, err := db.reportCond(ctx, ReportFilter{From: f.From, To: f.To}, col)
		if err != nil || !ok {
			return err
		}
		if before { // solved in the range, created before it
			cond, args = cond+" AND t.created_at < ?", append(args, ms(f.From))
		}
		rows, err := db.query(ctx, `SELECT t.id, t.updated_at FROM tickets t LEFT JOIN report_ticket_facts f ON f.ticket_id = t.id
			WHERE `+cond+` AND (f.version IS NULL OR f.version <> t.updated_at)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			stale[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(stale) == 0 {
		return nil
	}
	_, err := db.refreshFacts(ctx, stale)
	return err
}

// CreatedAgg sums the tickets created in one hour with one channel, demand
// type and failure reason. Waits still running are kept as a count and a
// sum of start times, so the total at any later time t is
// WaitUsMS + WaitUsOpen*t - WaitUsSinceSum (likewise for WaitThem).
type CreatedAgg struct {
	Hour           int64 // hours since the epoch
	Channel        domain.Channel
	Demand         domain.DemandType
	ReasonID       int64
	Tickets        int
	CustomerMsgs   int
	Transfers      int
	Transferred    int // tickets with at least one transfer
	Switched       int // tickets whose customer wrote on more than one channel
	WaitUsMS       int64
	WaitUsOpen     int64
	WaitUsSinceSum int64
	WaitThemMS     int64
	WaitThemOpen   int64
	WaitThemSince  int64
}

// ReportCreated aggregates the tickets created in [f.From, f.To) by hour,
// channel, demand type and failure reason (refresh the facts first).
func (db *DB) ReportCreated(ctx context.Context, f ReportFilter) ([]CreatedAgg, error) {
	cond, args, ok, err := db.reportCond(ctx, f, "created_at")
	if err != nil || !ok {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT t.created_at / 3600000 AS h, t.channel, t.demand_type, COALESCE(t.failure_reason_id, 0) AS r,
		COUNT(*), COALESCE(SUM(f.customer_msgs), 0), COALESCE(SUM(f.transfers), 0),
		COALESCE(SUM(CASE WHEN f.transfers > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN (f.inbound_channels & (f.inbound_channels - 1)) <> 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(f.wait_us_ms), 0), COALESCE(SUM(CASE WHEN f.wait_us_since > 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(f.wait_us_since), 0),
		COALESCE(SUM(f.wait_them_ms), 0), COALESCE(SUM(CASE WHEN f.wait_them_since > 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(f.wait_them_since), 0)
		FROM tickets t LEFT JOIN report_ticket_facts f ON f.ticket_id = t.id WHERE `+cond+`
		GROUP BY t.created_at / 3600000, t.channel, t.demand_type, COALESCE(t.failure_reason_id, 0)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CreatedAgg
	for rows.Next() {
		var a CreatedAgg
		if err := rows.Scan(&a.Hour, &a.Channel, &a.Demand, &a.ReasonID, &a.Tickets, &a.CustomerMsgs, &a.Transfers, &a.Transferred,
			&a.Switched, &a.WaitUsMS, &a.WaitUsOpen, &a.WaitUsSinceSum, &a.WaitThemMS, &a.WaitThemOpen, &a.WaitThemSince); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DayVersion identifies the state of the tickets created on one UTC day
// (days since the epoch) that match a filter: any change to one of them
// moves its updated_at, and tickets joining or leaving change the count.
type DayVersion struct {
	Day                    int64
	Count                  int
	MaxUpdated, SumUpdated int64
}

// CreatedDayVersions returns the version of every day in [f.From, f.To)
// that has tickets.
func (db *DB) CreatedDayVersions(ctx context.Context, f ReportFilter) ([]DayVersion, error) {
	cond, args, ok, err := db.reportCond(ctx, f, "created_at")
	if err != nil || !ok {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT t.created_at / 86400000, COUNT(*), MAX(t.updated_at), SUM(t.updated_at)
		FROM tickets t WHERE `+cond+` GROUP BY t.created_at / 86400000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayVersion
	for rows.Next() {
		var v DayVersion
		if err := rows.Scan(&v.Day, &v.Count, &v.MaxUpdated, &v.SumUpdated); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReportCustomers counts the distinct requesters of the tickets created in
// [f.From, f.To).
func (db *DB) ReportCustomers(ctx context.Context, f ReportFilter) (int, error) {
	cond, args, ok, err := db.reportCond(ctx, f, "created_at")
	if err != nil || !ok {
		return 0, err
	}
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(DISTINCT t.requester_id) FROM tickets t WHERE `+cond, args...).Scan(&n)
	return n, err
}

// SolvedAgg describes the tickets solved in a period.
type SolvedAgg struct {
	Solved, FCR, Reopened int
	Durations             []int64 // ms from creation to solve, one per ticket
}

// ReportSolved reads the tickets solved in [f.From, f.To): counts of
// first-contact resolutions (one public agent reply, never reopened) and
// reopened tickets, and every time to resolution.
func (db *DB) ReportSolved(ctx context.Context, f ReportFilter) (*SolvedAgg, error) {
	a := &SolvedAgg{}
	cond, args, ok, err := db.reportCond(ctx, f, "solved_at")
	if err != nil || !ok {
		return a, err
	}
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN f.agent_replies = 1 AND t.reopen_count = 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.reopen_count > 0 THEN 1 ELSE 0 END), 0)
		FROM tickets t LEFT JOIN report_ticket_facts f ON f.ticket_id = t.id WHERE `+cond, args...).Scan(&a.Solved, &a.FCR, &a.Reopened)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT t.solved_at - t.created_at FROM tickets t WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	a.Durations = make([]int64, 0, a.Solved)
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		a.Durations = append(a.Durations, d)
	}
	return a, rows.Err()
}

// refreshFacts recomputes the facts of some tickets from their timelines
// and stores them with the ticket version they were computed at.
func (db *DB) refreshFacts(ctx context.Context, versions map[int64]int64) (map[int64]TicketFacts, error) {
	ids := make([]int64, 0, len(versions))
	for id := range versions {
		ids = append(ids, id)
	}
	out := make(map[int64]TicketFacts, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		rows, err := db.query(ctx, `SELECT ticket_id, kind, channel, direction, CASE WHEN author_user_id IS NULL THEN 0 ELSE 1 END,
			CASE WHEN kind = 'event' THEN meta ELSE '' END, created_at
			FROM entries WHERE ticket_id IN (`+placeholders(len(part))+`) AND kind <> 'note' ORDER BY ticket_id, id`, anyIDs(part)...)
		if err != nil {
			return nil, err
		}
		var cur int64
		var tl []FactEntry
		flush := func() {
			if cur != 0 {
				out[cur] = ComputeFacts(tl)
			}
			tl = tl[:0]
		}
		for rows.Next() {
			var e FactEntry
			var tid int64
			var byAgent int
			var meta string
			if err := rows.Scan(&tid, &e.Kind, &e.Channel, &e.Direction, &byAgent, &meta, &e.At); err != nil {
				rows.Close()
				return nil, err
			}
			e.ByAgent = byAgent == 1
			if meta != "" {
				var m map[string]any
				if json.Unmarshal([]byte(meta), &m) == nil {
					e.Field, _ = m["field"].(string)
					e.From, _ = m["from"].(string)
					e.To, _ = m["to"].(string)
				}
			}
			if tid != cur {
				flush()
				cur = tid
			}
			tl = append(tl, e)
		}
		flush()
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Store what was computed; a failure here only costs speed next time.
	err := db.Update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			x := out[id]
			if _, err := tx.exec(ctx, `INSERT INTO report_ticket_facts (ticket_id, version, customer_msgs, agent_replies, transfers,
				inbound_channels, wait_us_ms, wait_us_since, wait_them_ms, wait_them_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, customer_msgs = excluded.customer_msgs,
				agent_replies = excluded.agent_replies, transfers = excluded.transfers, inbound_channels = excluded.inbound_channels,
				wait_us_ms = excluded.wait_us_ms, wait_us_since = excluded.wait_us_since, wait_them_ms = excluded.wait_them_ms,
				wait_them_since = excluded.wait_them_since`,
				id, versions[id], x.CustomerMsgs, x.AgentReplies, x.Transfers, x.InboundChannels, x.WaitUsMS, x.WaitUsSince,
				x.WaitThemMS, x.WaitThemSince); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// FactEntry is the part of a timeline entry the facts need.
type FactEntry struct {
	Kind      domain.EntryKind
	Channel   domain.Channel
	Direction domain.Direction
	ByAgent   bool
	Field     string // events: the changed field
	From, To  string
	At        int64
}

// ChannelBit is the bit of a channel in TicketFacts.InboundChannels.
func ChannelBit(c domain.Channel) int {
	for i, x := range domain.Channels {
		if x == c {
			return 1 << i
		}
	}
	return 1 << len(domain.Channels)
}

// ComputeFacts derives a ticket's facts from its timeline (oldest first,
// notes left out). The customer waits on us from a message that nobody has
// answered yet until our next public reply, or until the ticket is solved;
// we wait on them while the ticket is pending.
func ComputeFacts(tl []FactEntry) TicketFacts {
	var x TicketFacts
	for _, e := range tl {
		public := e.Kind == domain.EntryMessage || e.Kind == domain.EntryCall
		switch {
		case public && e.Direction == domain.Inbound:
			x.CustomerMsgs++
			x.InboundChannels |= ChannelBit(e.Channel)
			if x.WaitUsSince == 0 {
				x.WaitUsSince = e.At
			}
		case public && e.Direction == domain.Outbound && e.ByAgent:
			x.AgentReplies++
			if x.WaitUsSince != 0 {
				x.WaitUsMS += e.At - x.WaitUsSince
				x.WaitUsSince = 0
			}
		case e.Kind == domain.EntryEvent && (e.Field == "assignee" || e.Field == "team"):
			if e.From != "" && e.To != "" {
				x.Transfers++
			}
		case e.Kind == domain.EntryEvent && e.Field == "status":
			to := domain.Status(e.To)
			if to.Resolved() && x.WaitUsSince != 0 {
				x.WaitUsMS += e.At - x.WaitUsSince
				x.WaitUsSince = 0
			}
			if to == domain.StatusPending && x.WaitThemSince == 0 {
				x.WaitThemSince = e.At
			}
			if to != domain.StatusPending && x.WaitThemSince != 0 {
				x.WaitThemMS += e.At - x.WaitThemSince
				x.WaitThemSince = 0
			}
		}
	}
	return x
}

// SurveyRow is one survey answer for the reports.
type SurveyRow struct {
	TicketID  int64
	Kind      string
	Score     int
	Comment   string
	CreatedAt int64
}

// ReportSurveys returns the answers given in the range on tickets matching
// the filter, oldest first.
func (db *DB) ReportSurveys(ctx context.Context, f ReportFilter) ([]SurveyRow, error) {
	cond, args, ok, err := db.reportCond(ctx, f, "")
	if err != nil || !ok {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT s.ticket_id, s.kind, s.score, s.comment, s.created_at FROM survey_responses s JOIN tickets t ON t.id = s.ticket_id
		WHERE s.created_at >= ? AND s.created_at < ? AND `+cond+` ORDER BY s.created_at, s.id`, append([]any{ms(f.From), ms(f.To)}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveyRow
	for rows.Next() {
		var s SurveyRow
		if err := rows.Scan(&s.TicketID, &s.Kind, &s.Score, &s.Comment, &s.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DayCount is a count on one UTC day (days since the epoch).
type DayCount struct {
	Day   int64
	Count int
}

// BacklogInputs returns what backlog over time needs: tickets not solved
// now, and per day since from, the tickets created and the tickets solved.
func (db *DB) BacklogInputs(ctx context.Context, f ReportFilter) (open int, created, solved []DayCount, err error) {
	all := f
	all.To = time.UnixMilli(1<<62 - 1)
	cond, args, ok, err := db.reportCond(ctx, f, "")
	if err != nil || !ok {
		return 0, nil, nil, err
	}
	if err = db.queryRow(ctx, `SELECT COUNT(*) FROM tickets t WHERE t.solved_at IS NULL AND `+cond, args...).Scan(&open); err != nil {
		return 0, nil, nil, err
	}
	daily := func(col string) ([]DayCount, error) {
		c, a, _, err := db.reportCond(ctx, all, col)
		if err != nil {
			return nil, err
		}
		rows, err := db.query(ctx, `SELECT t.`+col+` / 86400000 AS d, COUNT(*) FROM tickets t WHERE `+c+` GROUP BY d ORDER BY d`, a...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []DayCount
		for rows.Next() {
			var d DayCount
			if err := rows.Scan(&d.Day, &d.Count); err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, rows.Err()
	}
	if created, err = daily("created_at"); err != nil {
		return 0, nil, nil, err
	}
	solved, err = daily("solved_at")
	return open, created, solved, err
}

// KBStats are the self-service figures of a period.
type KBStats struct {
	Searches, EmptySearches  int
	TopEmpty                 []QueryCount
	Views                    int // all time: views are counted on the article
	HelpfulYes, HelpfulNo    int
	DeflectOpened, Deflected int
}

// ReportKB reads the knowledge-base logs of a period.
func (db *DB) ReportKB(ctx context.Context, from, to time.Time, top int) (*KBStats, error) {
	s := &KBStats{TopEmpty: []QueryCount{}}
	a, b := ms(from), ms(to)
	if err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), 0) FROM kb_searches
		WHERE created_at >= ? AND created_at < ?`, a, b).Scan(&s.Searches, &s.EmptySearches); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT LOWER(query) AS q, COUNT(*) AS n FROM kb_searches WHERE results = 0 AND created_at >= ? AND created_at < ?
		GROUP BY q ORDER BY n DESC, q LIMIT ?`, a, b, top)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var q QueryCount
		if err := rows.Scan(&q.Query, &q.Count); err != nil {
			rows.Close()
			return nil, err
		}
		s.TopEmpty = append(s.TopEmpty, q)
	}
	rows.Close()
	if err := db.queryRow(ctx, `SELECT COALESCE(SUM(views), 0) FROM kb_articles`).Scan(&s.Views); err != nil {
		return nil, err
	}
	if err := db.queryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0)
		FROM kb_votes WHERE created_at >= ? AND created_at < ?`, a, b).Scan(&s.HelpfulYes, &s.HelpfulNo); err != nil {
		return nil, err
	}
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN ticket_id IS NULL THEN 1 ELSE 0 END), 0) FROM kb_deflections
		WHERE created_at >= ? AND created_at < ?`, a, b).Scan(&s.DeflectOpened, &s.Deflected)
	return s, err
}
