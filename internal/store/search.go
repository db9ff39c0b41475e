package store

import (
	"context"
	"html"
	"strings"
	"unicode"

	"andon/internal/domain"
)

// SearchHit is one ticket found by full-text search, with the best-matching
// text as an HTML snippet whose matches are wrapped in <mark>.
type SearchHit struct {
	Ticket  *domain.Ticket `json:"ticket"`
	EntryID int64          `json:"entry_id,omitempty"`
	Field   string         `json:"field"` // "subject" or "body"
	Snippet string         `json:"snippet"`
	Rank    float64        `json:"rank"`
}

// Highlight markers used by both engines before HTML escaping.
const markOpen, markClose = "\x01", "\x02"

// searchTerms splits a query into plain words (letters and digits only), so
// no user input reaches the engine's query syntax.
func searchTerms(q string) []string {
	f := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) > 12 {
		f = f[:12]
	}
	return f
}

// Search finds tickets by subject and by the text of their timeline, best
// first, one hit per ticket.
func (db *DB) Search(ctx context.Context, q string, limit int) ([]SearchHit, error) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "search needs at least one word", Fields: map[string]string{"q": "required"}}
	}
	limit = clampLimit(limit)
	var query string
	var args []any
	fetch := limit * 3
	if db.Engine == SQLite {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		match := strings.Join(parts, " ")
		query = `SELECT ticket_id, entry_id, field, snip, rank FROM (
			SELECT * FROM (SELECT f.rowid AS ticket_id, 0 AS entry_id, 'subject' AS field,
				highlight(tickets_fts, 0, char(1), char(2)) AS snip, bm25(tickets_fts) * 2 AS rank
				FROM tickets_fts f WHERE tickets_fts MATCH ? ORDER BY rank LIMIT ?)
			UNION ALL
			SELECT * FROM (SELECT e.ticket_id, f.rowid, 'body',
				snippet(entries_fts, 0, char(1), char(2), '…', 16), bm25(entries_fts)
				FROM entries_fts f JOIN entries e ON e.id = f.rowid WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts) LIMIT ?)
		) ORDER BY rank`
		args = []any{match, fetch, match, fetch}
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		tsq := strings.Join(parts, " & ")
		query = `SELECT ticket_id, entry_id, field, '' AS snip, rank FROM (
			(SELECT t.id AS ticket_id, 0::bigint AS entry_id, 'subject' AS field, ts_rank(t.search, q) * 2 AS rank
				FROM tickets t, to_tsquery('english', ?) q WHERE t.search @@ q ORDER BY rank DESC LIMIT ?)
			UNION ALL
			(SELECT e.ticket_id, e.id, 'body', ts_rank(e.search, q)
				FROM entries e, to_tsquery('english', ?) q WHERE e.search @@ q ORDER BY 4 DESC LIMIT ?)
		) s ORDER BY rank DESC`
		args = []any{tsq, fetch, tsq, fetch}
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var hits []SearchHit
	seen := map[int64]bool{}
	var ids []any
	for rows.Next() {
		var h SearchHit
		var tid int64
		if err := rows.Scan(&tid, &h.EntryID, &h.Field, &h.Snippet, &h.Rank); err != nil {
			rows.Close()
			return nil, err
		}
		if seen[tid] || len(hits) >= limit {
			continue
		}
		seen[tid] = true
		if db.Engine == Postgres {
			h.Rank = -h.Rank // lower is better on both engines
		}
		h.Ticket = &domain.Ticket{ID: tid}
		hits = append(hits, h)
		ids = append(ids, tid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(hits) == 0 {
		return []SearchHit{}, nil
	}
	if db.Engine == Postgres {
		if err := db.pgHeadlines(ctx, hits, strings.Join(termsForHeadline(terms), " | ")); err != nil {
			return nil, err
		}
	}
	// Load the tickets of the page in one go.
	trows, err := db.query(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*domain.Ticket{}
	var list []*domain.Ticket
	for trows.Next() {
		t, err := scanTicket(trows)
		if err != nil {
			trows.Close()
			return nil, err
		}
		byID[t.ID] = t
		list = append(list, t)
	}
	trows.Close()
	if err := db.fillTickets(ctx, list); err != nil {
		return nil, err
	}
	for i := range hits {
		if t := byID[hits[i].Ticket.ID]; t != nil {
			hits[i].Ticket = t
		}
		hits[i].Snippet = markToHTML(hits[i].Snippet)
	}
	return hits, nil
}

func termsForHeadline(terms []string) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = t + ":*"
	}
	return out
}

// pgHeadlines computes snippets for the final hits only: ts_headline is costly.
func (db *DB) pgHeadlines(ctx context.Context, hits []SearchHit, tsq string) error {
	const opts = "StartSel=\x01, StopSel=\x02, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \""
	for i := range hits {
		h := &hits[i]
		var q string
		var arg int64
		if h.Field == "subject" {
			q, arg = `SELECT ts_headline('english', subject, to_tsquery('english', ?), ?) FROM tickets WHERE id = ?`, h.Ticket.ID
		} else {
			q, arg = `SELECT ts_headline('english', left(body, 20000), to_tsquery('english', ?), ?) FROM entries WHERE id = ?`, h.EntryID
		}
		if err := db.queryRow(ctx, q, tsq, opts, arg).Scan(&h.Snippet); err != nil {
			return err
		}
	}
	return nil
}

// markToHTML escapes a snippet and turns the engine's markers into <mark>.
func markToHTML(s string) string {
	s = html.EscapeString(strings.Join(strings.Fields(s), " "))
	s = strings.ReplaceAll(s, markOpen, "<mark>")
	return strings.ReplaceAll(s, markClose, "</mark>")
}
