package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"andon/internal/domain"
)

// Similarity suggestions: which open problem a ticket looks like, and which
// unlinked recent tickets look like a problem. Text similarity comes from
// the engine's full-text ranking (SQLite FTS5 bm25, PostgreSQL ts_rank),
// scaled so the best text match scores 1; the same failure reason adds 0.5
// and each shared tag 0.25 (at most two).

// ProblemSuggestion is an open problem ranked for a ticket.
type ProblemSuggestion struct {
	Problem *domain.Problem `json:"problem"`
	Score   float64         `json:"score"`
	Reasons []string        `json:"reasons"`
}

// TicketSuggestion is an unlinked ticket ranked for a problem.
type TicketSuggestion struct {
	Ticket  *domain.Ticket `json:"ticket"`
	Score   float64        `json:"score"`
	Reasons []string       `json:"reasons"`
}

const (
	reasonBoost  = 0.5
	tagBoost     = 0.25
	maxTagBoosts = 2
	// suggestDays bounds how far back ticket suggestions look.
	suggestDays = 30
)

type candidate struct {
	text    float64
	reason  bool
	tags    []string
	reasons []string
}

func (c *candidate) score(maxText float64) float64 {
	s := 0.0
	if maxText > 0 {
		s = c.text / maxText
	}
	if c.reason {
		s += reasonBoost
	}
	n := len(c.tags)
	if n > maxTagBoosts {
		n = maxTagBoosts
	}
	return s + float64(n)*tagBoost
}

func (c *candidate) explain() []string {
	var out []string
	if c.text > 0 {
		out = append(out, "similar text")
	}
	if c.reason {
		out = append(out, "same failure reason")
	}
	if len(c.tags) > 0 {
		out = append(out, "shared tags: "+strings.Join(c.tags, ", "))
	}
	return out
}

// textMatch returns the engine's match expression: any of the terms.
func (db *DB) textMatch(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		if db.Engine == SQLite {
			parts[i] = `"` + t + `"`
		} else {
			parts[i] = t
		}
	}
	if db.Engine == SQLite {
		return strings.Join(parts, " OR ")
	}
	return strings.Join(parts, " | ")
}

// scanScores reads (id, score) rows into m, keeping the best score per id.
func scanScores(ctx context.Context, db *DB, m map[int64]*candidate, q string, args ...any) error {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		c := m[id]
		if c == nil {
			c = &candidate{}
			m[id] = c
		}
		c.text += s
	}
	return rows.Err()
}

// SuggestProblems ranks open problems for a ticket, best first.
func (db *DB) SuggestProblems(ctx context.Context, ticketID int64, limit int) ([]ProblemSuggestion, error) {
	t, err := db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	var body string
	if err := db.queryRow(ctx, `SELECT body FROM entries WHERE ticket_id = ? AND kind IN ('message','call') ORDER BY id LIMIT 1`, ticketID).Scan(&body); err != nil && !isNoRows(err) {
		return nil, err
	}
	// The subject twice: it is the customer's own summary.
	terms := domain.SimilarityTerms(t.Subject+" "+t.Subject+" "+body, 16)
	cands := map[int64]*candidate{}
	if len(terms) > 0 {
		var q string
		if db.Engine == SQLite {
			// The ranked match runs alone (LIMIT keeps it a subquery): bm25
			// only works in the loop that drives the MATCH.
			q = `SELECT p.id, m.s FROM (SELECT rowid AS id, -bm25(problems_fts, 2.0, 1.0) AS s FROM problems_fts
				WHERE problems_fts MATCH ? ORDER BY bm25(problems_fts, 2.0, 1.0) LIMIT 200) m
				JOIN problems p ON p.id = m.id WHERE p.status IN ` + openProblemStatuses + ` ORDER BY m.s DESC LIMIT 20`
		} else {
			q = `SELECT p.id, ts_rank(p.search, q) FROM problems p, to_tsquery('english', ?) q
				WHERE p.search @@ q AND p.status IN ` + openProblemStatuses + ` ORDER BY 2 DESC LIMIT 20`
		}
		if err := scanScores(ctx, db, cands, q, db.textMatch(terms)); err != nil {
			return nil, err
		}
	}
	if t.FailureReasonID != nil {
		rows, err := db.query(ctx, `SELECT DISTINCT p.id FROM tickets x JOIN problems p ON p.id = x.problem_id
			WHERE x.failure_reason_id = ? AND p.status IN `+openProblemStatuses+` LIMIT 20`, *t.FailureReasonID)
		if err != nil {
			return nil, err
		}
		err = eachID(rows, func(id int64) {
			if cands[id] == nil {
				cands[id] = &candidate{}
			}
			cands[id].reason = true
		})
		if err != nil {
			return nil, err
		}
	}
	if len(t.Tags) > 0 {
		args := append([]any{}, anyStrings(t.Tags)...)
		rows, err := db.query(ctx, `SELECT DISTINCT p.id, g.name FROM tickets x JOIN problems p ON p.id = x.problem_id
			JOIN ticket_tags tt ON tt.ticket_id = x.id JOIN tags g ON g.id = tt.tag_id
			WHERE g.name IN (`+placeholders(len(t.Tags))+`) AND p.status IN `+openProblemStatuses+` LIMIT 100`, args...)
		if err != nil {
			return nil, err
		}
		err = eachIDTag(rows, func(id int64, tag string) {
			if cands[id] == nil {
				cands[id] = &candidate{}
			}
			cands[id].tags = append(cands[id].tags, tag)
		})
		if err != nil {
			return nil, err
		}
	}
	if t.ProblemID != nil {
		delete(cands, *t.ProblemID)
	}
	ids, scores := rank(cands, limit)
	out := []ProblemSuggestion{}
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := db.problemsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if p := ps[id]; p != nil {
			out = append(out, ProblemSuggestion{Problem: p, Score: scores[i], Reasons: cands[id].explain()})
		}
	}
	return out, nil
}

// rank orders candidates by score (ties: newest id first) and cuts to limit.
func rank(cands map[int64]*candidate, limit int) ([]int64, []float64) {
	maxText := 0.0
	for _, c := range cands {
		if c.text > maxText {
			maxText = c.text
		}
	}
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	score := map[int64]float64{}
	for id, c := range cands {
		score[id] = c.score(maxText)
	}
	sort.Slice(ids, func(i, j int) bool {
		if score[ids[i]] != score[ids[j]] {
			return score[ids[i]] > score[ids[j]]
		}
		return ids[i] > ids[j]
	})
	if limit <= 0 || limit > 20 {
		limit = 5
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	scores := make([]float64, len(ids))
	for i, id := range ids {
		scores[i] = score[id]
	}
	return ids, scores
}

func (db *DB) problemsByID(ctx context.Context, ids []int64) (map[int64]*domain.Problem, error) {
	rows, err := db.query(ctx, `SELECT `+problemCols+` FROM problems p WHERE p.id IN (`+placeholders(len(ids))+`)`, anyIDs(ids)...)
	if err != nil {
		return nil, err
	}
	var list []*domain.Problem
	out := map[int64]*domain.Problem{}
	for rows.Next() {
		p, err := scanProblem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, p)
		out[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.fillProblems(ctx, list)
}

// SuggestTickets ranks unlinked tickets of the last 30 days that look like
// the problem, best first.
func (db *DB) SuggestTickets(ctx context.Context, problemID int64, limit int) ([]TicketSuggestion, error) {
	p, err := db.Problem(ctx, problemID)
	if err != nil {
		return nil, err
	}
	var doc string
	if err := db.queryRow(ctx, `SELECT search_doc FROM problems WHERE id = ?`, problemID).Scan(&doc); err != nil {
		return nil, err
	}
	terms := domain.SimilarityTerms(p.Title+" "+p.Title+" "+doc, 16)
	since := ms(db.Now().Add(-suggestDays * 24 * time.Hour))
	cands := map[int64]*candidate{}
	if len(terms) > 0 {
		var subj, body string
		if db.Engine == SQLite {
			subj = `SELECT t.id, m.s FROM (SELECT rowid AS id, -bm25(tickets_fts) * 2 AS s FROM tickets_fts
				WHERE tickets_fts MATCH ? ORDER BY bm25(tickets_fts) LIMIT 500) m
				JOIN tickets t ON t.id = m.id WHERE t.problem_id IS NULL AND t.created_at >= ? ORDER BY m.s DESC LIMIT 50`
			body = `SELECT t.id, MAX(m.s) FROM (SELECT rowid AS id, -bm25(entries_fts) AS s FROM entries_fts
				WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts) LIMIT 500) m
				JOIN entries e ON e.id = m.id JOIN tickets t ON t.id = e.ticket_id
				WHERE t.problem_id IS NULL AND t.created_at >= ? AND e.kind IN ('message','call') GROUP BY t.id ORDER BY 2 DESC LIMIT 50`
		} else {
			subj = `SELECT t.id, ts_rank(t.search, q) * 2 FROM tickets t, to_tsquery('english', ?) q
				WHERE t.search @@ q AND t.problem_id IS NULL AND t.created_at >= ? ORDER BY 2 DESC LIMIT 50`
			body = `SELECT t.id, MAX(ts_rank(e.search, q)) FROM entries e JOIN tickets t ON t.id = e.ticket_id, to_tsquery('english', ?) q
				WHERE e.search @@ q AND t.problem_id IS NULL AND t.created_at >= ? AND e.kind IN ('message','call') GROUP BY t.id LIMIT 50`
		}
		match := db.textMatch(terms)
		if err := scanScores(ctx, db, cands, subj, match, since); err != nil {
			return nil, err
		}
		if err := scanScores(ctx, db, cands, body, match, since); err != nil {
			return nil, err
		}
	}
	// Failure reasons and tags of the linked tickets.
	reasons := map[int64]bool{}
	tags := map[string]bool{}
	for _, t := range p.Tickets {
		if t.FailureReasonID != nil {
			reasons[*t.FailureReasonID] = true
		}
		for _, g := range t.Tags {
			tags[g] = true
		}
	}
	if len(reasons) > 0 {
		var rids []int64
		for id := range reasons {
			rids = append(rids, id)
		}
		rows, err := db.query(ctx, `SELECT id FROM tickets WHERE failure_reason_id IN (`+placeholders(len(rids))+`)
			AND problem_id IS NULL AND created_at >= ? LIMIT 50`, append(anyIDs(rids), since)...)
		if err != nil {
			return nil, err
		}
		if err := eachID(rows, func(id int64) {
			if cands[id] == nil {
				cands[id] = &candidate{}
			}
			cands[id].reason = true
		}); err != nil {
			return nil, err
		}
	}
	if len(tags) > 0 {
		var names []string
		for g := range tags {
			names = append(names, g)
		}
		sort.Strings(names)
		rows, err := db.query(ctx, `SELECT t.id, g.name FROM tickets t JOIN ticket_tags tt ON tt.ticket_id = t.id JOIN tags g ON g.id = tt.tag_id
			WHERE g.name IN (`+placeholders(len(names))+`) AND t.problem_id IS NULL AND t.created_at >= ? LIMIT 200`, append(anyStrings(names), since)...)
		if err != nil {
			return nil, err
		}
		if err := eachIDTag(rows, func(id int64, tag string) {
			if cands[id] == nil {
				cands[id] = &candidate{}
			}
			cands[id].tags = append(cands[id].tags, tag)
		}); err != nil {
			return nil, err
		}
	}
	ids, scores := rank(cands, limit)
	out := []TicketSuggestion{}
	for i, id := range ids {
		t, err := db.Ticket(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, TicketSuggestion{Ticket: t, Score: scores[i], Reasons: cands[id].explain()})
	}
	return out, nil
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}

func eachID(rows rowsScanner, fn func(int64)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		fn(id)
	}
	return rows.Err()
}

func eachIDTag(rows rowsScanner, fn func(int64, string)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		fn(id, tag)
	}
	return rows.Err()
}
