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
	// Ranking every match is what made search slow on a large database: a
	// common word matches tens of thousands of entries. So each side ranks a
	// capped candidate set, the newest matches (FTS5 walks rowids newest first
	// and stops early; PostgreSQL still reads every match from the GIN bitmap
	// but ranks only the newest), and snippets are made for the final page
	// only. Ranks still use whole-corpus statistics, so subject and body
	// scores stay comparable; the cost is that a match older than the newest
	// searchCandidates ones is not found, which for a helpdesk is the old,
	// usually closed, tail.
	var query string
	var args []any
	fetch := limit * 3
	if db.Engine == SQLite {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		match := strings.Join(parts, " ")
		query = `SELECT ticket_id, entry_id, field, '' AS snip, rank FROM (
			SELECT * FROM (SELECT id AS ticket_id, 0 AS entry_id, 'subject' AS field, r * 2 AS rank FROM
				(SELECT rowid AS id, rank AS r FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rowid DESC LIMIT ?)
				ORDER BY rank LIMIT ?)
			UNION ALL
			SELECT * FROM (SELECT e.ticket_id, c.id, 'body', c.r FROM
				(SELECT rowid AS id, rank AS r FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rowid DESC LIMIT ?) c
				JOIN entries e ON e.id = c.id ORDER BY c.r LIMIT ?)
		) ORDER BY rank`
		args = []any{match, searchCandidates, fetch, match, searchCandidates, fetch}
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		tsq := strings.Join(parts, " & ")
		query = `SELECT ticket_id, entry_id, field, '' AS snip, rank FROM (
			(SELECT c.id AS ticket_id, 0::bigint AS entry_id, 'subject' AS field, ts_rank(c.search, q) * 2 AS rank
				FROM (SELECT id, search FROM tickets WHERE search @@ to_tsquery('english', ?) ORDER BY id DESC LIMIT ?) c,
				to_tsquery('english', ?) q ORDER BY rank DESC LIMIT ?)
			UNION ALL
			(SELECT c.ticket_id, c.id, 'body', ts_rank(c.search, q)
				FROM (SELECT id, ticket_id, search FROM entries WHERE search @@ to_tsquery('english', ?) ORDER BY id DESC LIMIT ?) c,
				to_tsquery('english', ?) q ORDER BY 4 DESC LIMIT ?)
		) s ORDER BY rank DESC`
		args = []any{tsq, searchCandidates, tsq, fetch, tsq, searchCandidates, tsq, fetch}
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
	} else if err := db.sqliteSnippets(ctx, hits, terms); err != nil {
		return nil, err
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

// searchCandidates caps how many of the newest matches each side (subjects,
// bodies) ranks.
const searchCandidates = 2000

// sqliteSnippets highlights the final hits only. The texts are read by
// primary key and marked in Go: an FTS5 snippet() needs a second MATCH,
// whose prefix-term expansion costs more than the whole ranked search.
func (db *DB) sqliteSnippets(ctx context.Context, hits []SearchHit, terms []string) error {
	for i := range hits {
		h := &hits[i]
		q, arg := `SELECT subject FROM tickets WHERE id = ?`, h.Ticket.ID
		if h.Field == "body" {
			q, arg = `SELECT substr(body, 1, 20000) FROM entries WHERE id = ?`, h.EntryID
		}
		var text string
		if err := db.queryRow(ctx, q, arg).Scan(&text); err != nil {
			return err
		}
		if h.Field == "body" {
			h.Snippet = markTerms(text, terms, 16)
		} else {
			h.Snippet = markTerms(text, terms, 0)
		}
	}
	return nil
}

// markTerms wraps the words matching a search term in the highlight markers
// and, when window > 0, cuts a window of that many words around the first
// match. Matching is by prefix on a crudely de-suffixed term, close to what
// the porter tokenizer matched (charges → charg matches "charge").
func markTerms(text string, terms []string, window int) string {
	stems := make([]string, 0, len(terms))
	for _, t := range terms {
		stems = append(stems, roughStem(t))
	}
	words := strings.Fields(text)
	first := -1
	for i, w := range words {
		if m, ok := markWord(w, stems); ok {
			words[i] = m
			if first < 0 {
				first = i
			}
		}
	}
	if window <= 0 || len(words) <= window {
		return strings.Join(words, " ")
	}
	from := max(0, first-window/4)
	to := min(len(words), from+window)
	out := strings.Join(words[from:to], " ")
	if from > 0 {
		out = "…" + out
	}
	if to < len(words) {
		out += "…"
	}
	return out
}

// markWord marks the runs of letters and digits in w that start with a stem,
// leaving punctuation and markup around them outside the marks.
func markWord(w string, stems []string) (string, bool) {
	var b strings.Builder
	found := false
	rs := []rune(w)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
			j++
		}
		if j == i {
			b.WriteRune(rs[i])
			i++
			continue
		}
		run := string(rs[i:j])
		hit := false
		for _, st := range stems {
			if strings.HasPrefix(strings.ToLower(run), st) {
				hit = true
				break
			}
		}
		if hit {
			b.WriteString(markOpen + run + markClose)
			found = true
		} else {
			b.WriteString(run)
		}
		i = j
	}
	return b.String(), found
}

// roughStem drops a common English suffix, keeping at least three letters.
func roughStem(t string) string {
	for _, suf := range []string{"ing", "ies", "ed", "es", "ly", "s", "y", "e"} {
		if len(t)-len(suf) >= 3 && strings.HasSuffix(t, suf) {
			return t[:len(t)-len(suf)]
		}
	}
	return t
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
