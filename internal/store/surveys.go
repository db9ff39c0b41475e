package store

import (
	"context"
	"fmt"
	"time"

	"andon/internal/domain"
)

// Survey kinds and their scales.
const (
	SurveyCSAT = "csat" // satisfaction, 1-5
	SurveyCES  = "ces"  // "How easy was it to get your problem solved?", 1-7
)

// SurveyMax is the top of a kind's scale, or 0 for an unknown kind.
func SurveyMax(kind string) int {
	switch kind {
	case SurveyCSAT:
		return 5
	case SurveyCES:
		return 7
	}
	return 0
}

// SurveyAnswer is one answer to record.
type SurveyAnswer struct {
	TicketID int64
	Kind     string
	Score    int
	Comment  string
}

// RecordSurvey stores an answer and puts it on the ticket's timeline, in one
// transaction. Each question is answered once per ticket: a second answer is
// a conflict, which is what makes survey links single-use.
func (db *DB) RecordSurvey(ctx context.Context, a SurveyAnswer) error {
	v := domain.Validation{}
	max := SurveyMax(a.Kind)
	v.Check(max > 0, "kind", "must be csat or ces")
	v.Check(max == 0 || (a.Score >= 1 && a.Score <= max), a.Kind, fmt.Sprintf("must be between 1 and %d", max))
	v.Check(len([]rune(a.Comment)) <= 5000, "comment", "at most 5000 characters")
	if err := v.Err(); err != nil {
		return err
	}
	var entryID int64
	err := db.Update(ctx, func(tx *Tx) error {
		var requester int64
		err := tx.queryRow(ctx, `SELECT requester_id FROM tickets WHERE id = ?`, a.TicketID).Scan(&requester)
		if isNoRows(err) {
			return domain.NotFound("ticket")
		}
		if err != nil {
			return err
		}
		now := tx.db.Now()
		res, err := tx.exec(ctx, `INSERT INTO survey_responses (ticket_id, kind, score, comment, contact_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, kind) DO NOTHING`, a.TicketID, a.Kind, a.Score, a.Comment, requester, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EConflict, "this question was already answered")
		}
		label := "CSAT"
		if a.Kind == SurveyCES {
			label = "CES"
		}
		meta := map[string]any{"field": "survey", "from": "", "to": fmt.Sprintf("%s %d/%d", label, a.Score, max), "kind": a.Kind, "score": a.Score}
		entryID, err = tx.insertEntry(ctx, a.TicketID, domain.EntryEvent, "", "", nil, &requester, a.Comment, meta, now)
		return err
	})
	if err != nil {
		return err
	}
	db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: a.TicketID, EntryID: entryID})
	return nil
}

// SurveyAnswers returns the scores already given on a ticket by kind.
func (db *DB) SurveyAnswers(ctx context.Context, ticketID int64) (map[string]int, error) {
	rows, err := db.query(ctx, `SELECT kind, score FROM survey_responses WHERE ticket_id = ?`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var s int
		if err := rows.Scan(&k, &s); err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, rows.Err()
}

// SurveyCandidate is a solved ticket whose requester has not been offered a
// survey yet.
type SurveyCandidate struct {
	TicketID int64
	Subject  string
	SolvedAt time.Time
}

// SurveyCandidates lists solved tickets (solved since since) with no survey
// offered, oldest solve first.
func (db *DB) SurveyCandidates(ctx context.Context, since time.Time, limit int) ([]SurveyCandidate, error) {
	rows, err := db.query(ctx, `SELECT t.id, t.subject, t.solved_at FROM tickets t
		WHERE t.solved_at >= ? AND t.status = 'solved'
		AND NOT EXISTS (SELECT 1 FROM survey_offers o WHERE o.ticket_id = t.id)
		ORDER BY t.solved_at, t.id LIMIT ?`, ms(since), clampLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveyCandidate
	for rows.Next() {
		var c SurveyCandidate
		var at int64
		if err := rows.Scan(&c.TicketID, &c.Subject, &at); err != nil {
			return nil, err
		}
		c.SolvedAt = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// OfferSurvey marks the survey of a ticket offered and, when the requester
// has an email address and a mailbox exists, queues the survey email built
// by body (which gets the ticket id). One transaction; it reports whether an
// email was queued.
func (db *DB) OfferSurvey(ctx context.Context, ticketID int64, subject string, body func(ticketID int64) string) (bool, error) {
	queued := false
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO survey_offers (ticket_id, created_at) VALUES (?, ?) ON CONFLICT (ticket_id) DO NOTHING`, ticketID, ms(tx.db.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // offered already (another node)
		}
		route, err := tx.MessageRoute(ctx, ticketID, domain.SendSurvey)
		if err != nil || !route.ByEmail() {
			return err
		}
		mc, err := tx.TicketMailContext(ctx, ticketID)
		if err != nil || mc.MailboxID == nil {
			return err
		}
		id := ticketID
		// Kind "ack": the outbox has no survey kind yet; an ack threads
		// with the ticket, so a reply to the survey lands on it.
		_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{
			Kind: domain.OutboxAck, TicketID: &id, MailboxID: mc.MailboxID, To: []string{route.Email},
			Subject: subject, Body: body(ticketID), InReplyTo: mc.InReplyTo, References: mc.References,
		})
		queued = err == nil
		return err
	})
	return queued, err
}
