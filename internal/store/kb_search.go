package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"andon/internal/domain"
)

// kbStopwords are dropped from article searches: a customer types a whole
// question ("how do I reset my password") and only the content words should
// have to match.
var kbStopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true, "by": true,
	"can": true, "do": true, "does": true, "for": true, "from": true, "how": true, "i": true, "if": true, "in": true,
	"is": true, "it": true, "me": true, "my": true, "no": true, "not": true, "of": true, "on": true, "or": true,
	"our": true, "so": true, "that": true, "the": true, "this": true, "to": true, "was": true, "we": true, "what": true,
	"when": true, "where": true, "which": true, "who": true, "why": true, "will": true, "with": true, "you": true, "your": true,
	"there": true, "their": true, "am": true, "has": true, "have": true, "get": true, "should": true, "would": true,
}

func kbTerms(q string) []string {
	all := searchTerms(q)
	var out []string
	for _, t := range all {
		if !kbStopwords[t] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// SearchArticles finds published articles (or any, for agents) best first:
// every word must match (as a word form or prefix); if nothing does, any
// word may. Snippets are HTML with matches in <mark>.
func (db *DB) SearchArticles(ctx context.Context, q string, publishedOnly bool, limit int) ([]domain.ArticleHit, error) {
	terms := kbTerms(q)
	if len(terms) == 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "search needs at least one word", Fields: map[string]string{"q": "required"}}
	}
	limit = clampLimit(limit)
	hits, err := db.searchArticles(ctx, terms, false, publishedOnly, limit)
	if err == nil && len(hits) == 0 && len(terms) > 1 {
		hits, err = db.searchArticles(ctx, terms, true, publishedOnly, limit)
	}
	return hits, err
}

func (db *DB) searchArticles(ctx context.Context, terms []string, anyWord, publishedOnly bool, limit int) ([]domain.ArticleHit, error) {
	status := ""
	if publishedOnly {
		status = " AND a.status = 'published'"
	}
	var query string
	var args []any
	if db.Engine == SQLite {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		sep := " "
		if anyWord {
			sep = " OR "
		}
		// Title matches weigh most, then tags, then the body.
		query = `SELECT a.id, highlight(kb_articles_fts, 0, char(1), char(2)),
			snippet(kb_articles_fts, 2, char(1), char(2), '…', 24), bm25(kb_articles_fts, 10.0, 4.0, 1.0) AS rank
			FROM kb_articles_fts f JOIN kb_articles a ON a.id = f.rowid
			WHERE kb_articles_fts MATCH ?` + status + ` ORDER BY rank, a.id LIMIT ?`
		args = []any{strings.Join(parts, sep), limit}
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		sep := " & "
		if anyWord {
			sep = " | "
		}
		const opts = "StartSel=\x01, StopSel=\x02, HighlightAll=true"
		const snipOpts = "StartSel=\x01, StopSel=\x02, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \""
		query = `SELECT id, ts_headline('english', title, q, '` + opts + `'), ts_headline('english', left(body_text, 20000), q, '` + snipOpts + `'), -rank FROM (
			SELECT a.id, a.title, a.body_text, q, ts_rank(a.search, q) AS rank
			FROM kb_articles a, to_tsquery('english', ?) q WHERE a.search @@ q` + status + ` ORDER BY rank DESC, a.id LIMIT ?) s ORDER BY rank DESC, id`
		args = []any{strings.Join(parts, sep), limit}
	}
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var hits []domain.ArticleHit
	var ids []any
	for rows.Next() {
		var h domain.ArticleHit
		var id int64
		if err := rows.Scan(&id, &h.Title, &h.Snippet, &h.Rank); err != nil {
			rows.Close()
			return nil, err
		}
		h.Title, h.Snippet = markToHTML(h.Title), markToHTML(h.Snippet)
		h.Article = &domain.Article{ID: id}
		hits = append(hits, h)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(hits) == 0 {
		return []domain.ArticleHit{}, nil
	}
	arows, err := db.query(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	byID := map[int64]*domain.Article{}
	for arows.Next() {
		a, err := scanArticle(arows)
		if err != nil {
			return nil, err
		}
		byID[a.ID] = a
	}
	if err := arows.Err(); err != nil {
		return nil, err
	}
	out := hits[:0]
	for _, h := range hits {
		if a := byID[h.Article.ID]; a != nil {
			h.Article = a
			out = append(out, h)
		}
	}
	return out, nil
}

// LogSearch records a knowledge-base search and how many articles it found.
func (db *DB) LogSearch(ctx context.Context, query string, results int, source string) error {
	query = strings.Join(strings.Fields(query), " ")
	if query == "" {
		return nil
	}
	for len(query) > 200 || !utf8.ValidString(query) {
		query = query[:len(query)-1]
	}
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO kb_searches (query, results, source, created_at) VALUES (?, ?, ?, ?)`,
			strings.ToLower(query), results, source, ms(db.Now()))
		return err
	})
}

// QueryCount is a search text and how often it was run.
type QueryCount struct {
	Query string `json:"query"`
	Count int    `json:"count"`
}

// EmptySearches lists the most frequent searches since a time that found
// no article: the questions the knowledge base does not answer yet. With
// sources (domain.SearchPortal, SearchSuggest, SearchAgent) only those count;
// suggestions are logged as the customer types, so they include fragments.
func (db *DB) EmptySearches(ctx context.Context, since time.Time, limit int, sources ...string) ([]QueryCount, error) {
	where, args := "results = 0 AND created_at >= ?", []any{ms(since)}
	if len(sources) > 0 {
		where += " AND source IN (" + placeholders(len(sources)) + ")"
		for _, s := range sources {
			args = append(args, s)
		}
	}
	rows, err := db.query(ctx, `SELECT query, COUNT(*) AS n FROM kb_searches WHERE `+where+`
		GROUP BY query ORDER BY n DESC, query LIMIT ?`, append(args, clampLimit(limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []QueryCount{}
	for rows.Next() {
		var qc QueryCount
		if err := rows.Scan(&qc.Query, &qc.Count); err != nil {
			return nil, err
		}
		out = append(out, qc)
	}
	return out, rows.Err()
}

// RecordView counts one view of a published article.
func (db *DB) RecordView(ctx context.Context, articleID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE kb_articles SET views = views + 1 WHERE id = ? AND status = 'published'`, articleID)
		return err
	})
}

// RecordVote records a "Did this answer your question?" answer.
func (db *DB) RecordVote(ctx context.Context, articleID int64, helpful bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		col := "helpful_no"
		if helpful {
			col = "helpful_yes"
		}
		if err := tx.execOne(ctx, "article", `UPDATE kb_articles SET `+col+` = `+col+` + 1 WHERE id = ? AND status = 'published'`, articleID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO kb_votes (article_id, helpful, created_at) VALUES (?, ?, ?)`, articleID, helpful, ms(db.Now()))
		return err
	})
}

// RecordDeflection notes that a visitor opened an article suggested by the
// ticket form. It counts as a deflection until the visitor submits a ticket.
func (db *DB) RecordDeflection(ctx context.Context, articleID int64, visitor, query string) error {
	if visitor == "" {
		return nil
	}
	for len(query) > 200 || !utf8.ValidString(query) {
		query = query[:len(query)-1]
	}
	return db.Update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM kb_deflections WHERE visitor = ? AND article_id = ?`, visitor, articleID).Scan(&n); err != nil {
			return err
		}
		if n > 0 { // reopening the same article is one deflection
			return nil
		}
		_, err := tx.exec(ctx, `INSERT INTO kb_deflections (article_id, visitor, query, created_at) VALUES (?, ?, ?, ?)`,
			articleID, visitor, strings.TrimSpace(query), ms(db.Now()))
		return err
	})
}

// markDeflectionsFailed links a visitor's article views to the ticket they
// submitted after all: those articles did not answer the question.
func (tx *Tx) markDeflectionsFailed(ctx context.Context, visitor string, ticketID int64) error {
	if visitor == "" {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE kb_deflections SET ticket_id = ? WHERE visitor = ? AND ticket_id IS NULL`, ticketID, visitor)
	return err
}

// DeflectionStats counts, since a time, articles opened from the ticket form
// and how many of those visits ended without a ticket (deflections).
func (db *DB) DeflectionStats(ctx context.Context, since time.Time) (opened, deflected int, err error) {
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN ticket_id IS NULL THEN 1 ELSE 0 END), 0)
		FROM kb_deflections WHERE created_at >= ?`, ms(since)).Scan(&opened, &deflected)
	return opened, deflected, err
}
