package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"andon/internal/domain"
)

// The outbox: every email Andon sends is a row first, written in the same
// transaction as the entry it belongs to, then sent by the mail worker.

const outboxCols = `id, kind, ticket_id, entry_id, mailbox_id, to_addrs, cc_addrs, bcc_addrs, subject, body, message_id,
	in_reply_to, refs, status, attempts, next_attempt_at, last_error, sent_at, created_at`

func scanOutbox(sc interface{ Scan(...any) error }) (*domain.OutboxMessage, error) {
	o := &domain.OutboxMessage{}
	var ticket, entry, mb, sent sql.NullInt64
	var to, cc, bcc, refs string
	var next, created int64
	err := sc.Scan(&o.ID, &o.Kind, &ticket, &entry, &mb, &to, &cc, &bcc, &o.Subject, &o.Body, &o.MessageID,
		&o.InReplyTo, &refs, &o.Status, &o.Attempts, &next, &o.LastError, &sent, &created)
	if err != nil {
		return nil, err
	}
	o.TicketID, o.EntryID, o.MailboxID = idPtr(ticket), idPtr(entry), idPtr(mb)
	o.To, o.Cc, o.Bcc = splitAddrs(to), splitAddrs(cc), splitAddrs(bcc)
	o.References = strings.Fields(refs)
	o.NextAttemptAt, o.SentAt, o.CreatedAt = fromMS(next), fromNullMS(sent), fromMS(created)
	return o, nil
}

// NewMessageID makes a globally unique Message-ID (with angle brackets) in
// the domain of addr.
func NewMessageID(ticketID int64, addr string) string {
	dom := "andon.invalid"
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		dom = addr[at+1:]
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("<andon.%d.%s@%s>", ticketID, hex.EncodeToString(b), dom)
}

// EnqueueMail adds a message to the outbox and, for ticket mail, records its
// Message-ID so the customer's answer threads back. o.MessageID is filled in
// when empty.
func (tx *Tx) EnqueueMail(ctx context.Context, o *domain.OutboxMessage) (int64, error) {
	now := tx.db.Now()
	var mbAddr string
	if o.MailboxID != nil {
		_ = tx.queryRow(ctx, `SELECT address FROM mailboxes WHERE id = ?`, *o.MailboxID).Scan(&mbAddr)
	}
	if o.MessageID == "" {
		var t int64
		if o.TicketID != nil {
			t = *o.TicketID
		}
		o.MessageID = NewMessageID(t, mbAddr)
	}
	id, err := tx.insert(ctx, `INSERT INTO mail_outbox (kind, ticket_id, entry_id, mailbox_id, to_addrs, cc_addrs, bcc_addrs, subject, body,
		message_id, in_reply_to, refs, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Kind, nullID(o.TicketID), nullID(o.EntryID), nullID(o.MailboxID), strings.Join(o.To, ","), strings.Join(o.Cc, ","),
		strings.Join(o.Bcc, ","), o.Subject, o.Body, o.MessageID, o.InReplyTo, strings.Join(o.References, " "),
		domain.OutboxQueued, ms(now), ms(now))
	if err != nil {
		return 0, err
	}
	if o.TicketID != nil && o.Kind != domain.OutboxNotify {
		var entry int64
		if o.EntryID != nil {
			entry = *o.EntryID
		}
		if err := tx.AddThreadID(ctx, o.MessageID, *o.TicketID, entry, domain.Outbound); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// TicketMailContext is what outgoing ticket mail needs to thread: the
// mailbox the ticket came in on and the Message-IDs seen so far.
type TicketMailContext struct {
	MailboxID  *int64
	InReplyTo  string   // the customer's latest message, else our latest
	References []string // oldest first, at most 10
}

// TicketMailContext loads the threading context of a ticket.
func (tx *Tx) TicketMailContext(ctx context.Context, ticketID int64) (*TicketMailContext, error) {
	c := &TicketMailContext{}
	var mb sql.NullInt64
	err := tx.queryRow(ctx, `SELECT mailbox_id FROM mail_messages WHERE ticket_id = ? AND mailbox_id IS NOT NULL ORDER BY id DESC LIMIT 1`, ticketID).Scan(&mb)
	if isNoRows(err) {
		err = tx.queryRow(ctx, `SELECT id FROM mailboxes ORDER BY is_default DESC, id LIMIT 1`).Scan(&mb)
	}
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	c.MailboxID = idPtr(mb)
	err = tx.queryRow(ctx, `SELECT message_id FROM mail_threads WHERE ticket_id = ? AND direction = 'inbound' ORDER BY created_at DESC, message_id LIMIT 1`, ticketID).Scan(&c.InReplyTo)
	if isNoRows(err) {
		// No mail from the customer (portal, chat, phone): answer our own
		// latest message to them, so their mail client threads the replies.
		err = tx.queryRow(ctx, `SELECT message_id FROM mail_outbox WHERE ticket_id = ? AND kind <> 'notify' ORDER BY id DESC LIMIT 1`, ticketID).Scan(&c.InReplyTo)
	}
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT message_id FROM mail_threads WHERE ticket_id = ? ORDER BY created_at DESC, message_id LIMIT 10`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		c.References = append([]string{id}, c.References...)
	}
	return c, rows.Err()
}

// ReplySubject is "Re: subject [#1042]" (domain.ReplySubject).
func ReplySubject(subject string, ticketID int64) string {
	return domain.ReplySubject(subject, ticketID)
}

func metaAddrs(meta map[string]any, key string) []string {
	var out []string
	add := func(s string) {
		if a, ok := domain.NormalizeEmail(s); ok {
			out = append(out, a)
		}
	}
	switch v := meta[key].(type) {
	case []string:
		for _, s := range v {
			add(s)
		}
	case []any:
		for _, s := range v {
			if str, ok := s.(string); ok {
				add(str)
			}
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			add(s)
		}
	}
	return out
}

// CountMailSince counts outbox mail of a kind to an address since t (for
// rate-limiting auto-replies).
func (tx *Tx) CountMailSince(ctx context.Context, kind, to string, since time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE kind = ? AND to_addrs = ? AND created_at >= ?`, kind, to, ms(since)).Scan(&n)
	return n, err
}

// ClaimOutbox marks up to limit due messages as sending and returns them.
// Messages left "sending" longer than lease (a crash mid-send) are claimed
// again. On PostgreSQL, SKIP LOCKED lets several nodes share the work.
func (db *DB) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]*domain.OutboxMessage, error) {
	var out []*domain.OutboxMessage
	err := db.Update(ctx, func(tx *Tx) error {
		now := db.Now()
		q := `SELECT ` + outboxCols + ` FROM mail_outbox
			WHERE (status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_at < ?)
			ORDER BY next_attempt_at, id LIMIT ?`
		if db.Engine == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.query(ctx, q, ms(now), ms(now.Add(-lease)), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			o, err := scanOutbox(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, o := range out {
			o.Attempts++
			o.Status = domain.OutboxSending
			if _, err := tx.exec(ctx, `UPDATE mail_outbox SET status = 'sending', claimed_at = ?, attempts = ? WHERE id = ?`, ms(now), o.Attempts, o.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// MarkOutboxSent records a successful send.
func (db *DB) MarkOutboxSent(ctx context.Context, id int64) error {
	err := db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?`, ms(db.Now()), id)
		return err
	})
	if err == nil {
		db.publishMailStatus(ctx, id)
	}
	return err
}

// publishMailStatus tells the ticket page of an outbox row to refresh.
func (db *DB) publishMailStatus(ctx context.Context, id int64) {
	var t sql.NullInt64
	if err := db.queryRow(ctx, `SELECT ticket_id FROM mail_outbox WHERE id = ?`, id).Scan(&t); err == nil && t.Valid {
		db.publish(domain.Change{Kind: domain.ChangeMailStatus, TicketID: t.Int64})
	}
}

// MarkOutboxFailed records a failed attempt: queued again at next, or
// failed for good when giveUp.
func (db *DB) MarkOutboxFailed(ctx context.Context, id int64, reason string, next time.Time, giveUp bool) error {
	status := domain.OutboxQueued
	if giveUp {
		status = domain.OutboxFailed
	}
	err := db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE mail_outbox SET status = ?, last_error = ?, next_attempt_at = ?, claimed_at = NULL WHERE id = ?`,
			status, reason, ms(next), id)
		return err
	})
	if err == nil {
		db.publishMailStatus(ctx, id)
	}
	return err
}

// MarkOutboxWaiting puts a message back in the queue without using up an
// attempt: it cannot be sent until its mailbox is configured.
func (db *DB) MarkOutboxWaiting(ctx context.Context, id int64, reason string, next time.Time) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE mail_outbox SET status = 'queued', last_error = ?, next_attempt_at = ?, claimed_at = NULL,
			attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = ?`, reason, ms(next), id)
		return err
	})
}

// RetryOutbox queues a failed message again now.
func (db *DB) RetryOutbox(ctx context.Context, id int64) error {
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE mail_outbox SET status = 'queued', next_attempt_at = ?, attempts = 0 WHERE id = ? AND status = 'failed'`, ms(db.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EConflict, "only failed messages can be retried")
		}
		return nil
	})
	if err == nil {
		db.publishMailStatus(ctx, id)
	}
	return err
}

// Outbox lists a ticket's outgoing mail (ticketID 0: all), newest first.
func (db *DB) Outbox(ctx context.Context, ticketID int64, limit int) ([]*domain.OutboxMessage, error) {
	q, args := `SELECT `+outboxCols+` FROM mail_outbox`, []any{}
	if ticketID != 0 {
		q, args = q+` WHERE ticket_id = ?`, append(args, ticketID)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, clampLimit(limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.OutboxMessage{}
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NextOutboxDue is when the earliest queued message is due (zero if none).
func (db *DB) NextOutboxDue(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	err := db.queryRow(ctx, `SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'queued'`).Scan(&v)
	if err != nil || !v.Valid {
		return time.Time{}, err
	}
	return fromMS(v.Int64), nil
}

// notifyAssigned queues an email to an agent who was given a ticket by
// someone else. Nothing is queued when no mailbox exists to send from.
func (tx *Tx) notifyAssigned(ctx context.Context, t *domain.Ticket, assignee *int64, by domain.Actor) error {
	if assignee == nil || *assignee == by.UserID {
		return nil
	}
	var email string
	var active bool
	if err := tx.queryRow(ctx, `SELECT email, active FROM users WHERE id = ?`, *assignee).Scan(&email, &active); err != nil || !active {
		if isNoRows(err) {
			return nil
		}
		return err
	}
	mc, err := tx.TicketMailContext(ctx, t.ID)
	if err != nil || mc.MailboxID == nil {
		return err
	}
	who := by.Name
	if who == "" {
		who = "Andon"
	}
	ticketID := t.ID
	_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{
		Kind: domain.OutboxNotify, TicketID: &ticketID, MailboxID: mc.MailboxID, To: []string{email},
		Subject: fmt.Sprintf("[#%d] Assigned to you: %s", t.ID, t.Subject),
		Body: fmt.Sprintf("%s assigned ticket #%d to you.\n\n**%s**\n\n%s", domain.EscapeMarkdown(who), t.ID,
			domain.EscapeMarkdown(t.Subject), domain.EscapeMarkdown(t.Preview)),
	})
	return err
}
