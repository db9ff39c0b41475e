package store

import (
	"context"
	"database/sql"
	"time"

	"andon/internal/domain"
)

// A chat visitor's email address is proven, never taken on their word:
//
//   - An address is proven for a visitor when it is an email identity of the
//     visitor's contact. Since a claim typed into the widget no longer adds an
//     identity, that happens only when the visitor opened a confirmation link
//     mailed to the address (ConfirmChatEmail), or an agent merged the
//     visitor into the customer owning it.
//   - Anything else gets a confirmation mail first: fixed text with a
//     single-use link, nothing the visitor typed.

// Bounds on confirmation mails, checked in the database so they hold across
// nodes and restarts; per client address is the route's rate class.
const (
	ChatConfirmTTL           = 24 * time.Hour
	ChatConfirmsPerAddress   = 3 // per address and day
	ChatConfirmsPerVisitor   = 5 // per visitor and day
	chatConfirmWindow        = 24 * time.Hour
	chatConfirmKeepAfterUsed = 7 * 24 * time.Hour
)

// ChatAddressProven reports whether address belongs to the visitor's own
// contact (see the rule above).
func (db *DB) ChatAddressProven(ctx context.Context, v *domain.ChatVisitor, address string) (bool, error) {
	var one int
	err := db.queryRow(ctx, `SELECT 1 FROM identities WHERE contact_id = ? AND kind = 'email' AND value = ?`, v.ContactID, address).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// ChatEmailConfirmation is a pending request to mail a chat's transcript to
// an address the visitor has not proven.
type ChatEmailConfirmation struct {
	VisitorID string
	TicketID  int64
	Email     string // normalized
	TokenHash string
	// Subject and Body are the confirmation mail: fixed text and the link.
	Subject, Body string
}

// RequestChatEmailConfirmation stores the pending confirmation and queues
// its mail, unless the address or the visitor has had too many today
// (ERateLimited, nothing written).
func (db *DB) RequestChatEmailConfirmation(ctx context.Context, c ChatEmailConfirmation) error {
	s, err := db.ChatSession(ctx, c.TicketID)
	if err != nil || s.VisitorID != c.VisitorID {
		return domain.NotFound("chat")
	}
	return db.Update(ctx, func(tx *Tx) error {
		now := tx.db.Now()
		since := ms(now.Add(-chatConfirmWindow))
		var toAddr, byVisitor int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM chat_email_confirmations WHERE email = ? AND created_at >= ?`, c.Email, since).Scan(&toAddr); err != nil {
			return err
		}
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM chat_email_confirmations WHERE visitor_id = ? AND created_at >= ?`, c.VisitorID, since).Scan(&byVisitor); err != nil {
			return err
		}
		if toAddr >= ChatConfirmsPerAddress || byVisitor >= ChatConfirmsPerVisitor {
			return domain.Errorf(domain.ERateLimited, "too many confirmation emails today, try again tomorrow")
		}
		if _, err := tx.exec(ctx, `DELETE FROM chat_email_confirmations WHERE expires_at < ?`, ms(now.Add(-chatConfirmKeepAfterUsed))); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO chat_email_confirmations (token_hash, visitor_id, ticket_id, email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, c.TokenHash, c.VisitorID, c.TicketID, c.Email, ms(now), ms(now.Add(ChatConfirmTTL))); err != nil {
			return err
		}
		mc, err := tx.TicketMailContext(ctx, c.TicketID)
		if err != nil {
			return err
		}
		// No TicketID: the mail is not part of the conversation.
		_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{Kind: domain.OutboxNotify, MailboxID: mc.MailboxID, To: []string{c.Email},
			Subject: c.Subject, Body: c.Body})
		return err
	})
}

// ConfirmChatEmail uses a confirmation link once: the address becomes the
// visitor's proven address (their contact merges into the customer owning
// it, or gains it), the claim is cleared, and the transcript is queued to
// it. A used, expired or unknown link is ENotFound and changes nothing.
func (db *DB) ConfirmChatEmail(ctx context.Context, tokenHash string) (ticketID int64, err error) {
	var visitorID, email string
	var exp int64
	var used sql.NullInt64
	err = db.queryRow(ctx, `SELECT visitor_id, ticket_id, email, expires_at, used_at FROM chat_email_confirmations WHERE token_hash = ?`, tokenHash).
		Scan(&visitorID, &ticketID, &email, &exp, &used)
	if isNoRows(err) || (err == nil && (used.Valid || exp <= ms(db.Now()))) {
		return 0, errConfirmGone()
	}
	if err != nil {
		return 0, err
	}
	body, err := db.chatTranscriptBody(ctx, visitorID, ticketID)
	if err != nil {
		return 0, err
	}
	err = db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE chat_email_confirmations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
			ms(tx.db.Now()), tokenHash, ms(tx.db.Now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errConfirmGone() // used at the same moment elsewhere
		}
		if err := tx.proveChatEmail(ctx, visitorID, email); err != nil {
			return err
		}
		return tx.enqueueChatTranscript(ctx, ticketID, email, body)
	})
	if err != nil {
		return 0, err
	}
	db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: ticketID})
	return ticketID, nil
}

// proveChatEmail attaches a proven address to the visitor: their contact
// merges into the customer owning it, or gains it as an identity.
func (tx *Tx) proveChatEmail(ctx context.Context, visitorID, email string) error {
	var contactID int64
	if err := tx.queryRow(ctx, `SELECT contact_id FROM chat_visitors WHERE id = ?`, visitorID).Scan(&contactID); err != nil {
		return err
	}
	var owner int64
	err := tx.queryRow(ctx, `SELECT contact_id FROM identities WHERE kind = 'email' AND value = ?`, email).Scan(&owner)
	switch {
	case isNoRows(err):
		if _, err := tx.exec(ctx, `INSERT INTO identities (contact_id, kind, value, created_at) VALUES (?, 'email', ?, ?)`,
			contactID, email, ms(tx.db.Now())); err != nil {
			return err
		}
	case err != nil:
		return err
	case owner != contactID:
		if err := tx.mergeContacts(ctx, owner, contactID); err != nil {
			return err
		}
	}
	_, err = tx.exec(ctx, `UPDATE chat_visitors SET claimed_email = '' WHERE id = ? AND claimed_email = ?`, visitorID, email)
	return err
}

func errConfirmGone() error {
	return domain.Errorf(domain.ENotFound, "This confirmation link is invalid, expired or already used.")
}

// ChatClaim is the address the visitor behind a chat ticket claimed and has
// not proven, "" when none (or the ticket is not a chat).
func (db *DB) ChatClaim(ctx context.Context, ticketID int64) (string, error) {
	var claim string
	err := db.queryRow(ctx, `SELECT v.claimed_email FROM chat_sessions s JOIN chat_visitors v ON v.id = s.visitor_id WHERE s.ticket_id = ?`, ticketID).Scan(&claim)
	if isNoRows(err) {
		return "", nil
	}
	return claim, err
}
