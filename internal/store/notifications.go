package store

import (
	"context"
	"database/sql"

	"andon/internal/domain"
)

// AddNotification stores an in-app notification inside tx, so it exists
// only if the change that caused it commits.
func (tx *Tx) AddNotification(ctx context.Context, n domain.Notification) (int64, error) {
	if err := n.Validate(); err != nil {
		return 0, err
	}
	return tx.insert(ctx, `INSERT INTO notifications (user_id, ticket_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		n.UserID, nullID(n.TicketID), n.Kind, n.Text, ms(tx.db.Now()))
}

// AddNotification stores one notification in its own transaction.
func (db *DB) AddNotification(ctx context.Context, n domain.Notification) (id int64, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		id, err = tx.AddNotification(ctx, n)
		return err
	})
	return id, err
}

// Notifications lists a user's notifications, newest first, before the
// given id (0: from the newest), at most limit.
func (db *DB) Notifications(ctx context.Context, userID int64, unreadOnly bool, beforeID int64, limit int) ([]domain.Notification, error) {
	q := `SELECT id, user_id, ticket_id, kind, body, created_at, read_at FROM notifications WHERE user_id = ?`
	args := []any{userID}
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	if beforeID > 0 {
		q, args = q+` AND id < ?`, append(args, beforeID)
	}
	q, args = q+` ORDER BY id DESC LIMIT ?`, append(args, limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(sc scanner) (domain.Notification, error) {
		var n domain.Notification
		var ticket sql.NullInt64
		var created int64
		var read sql.NullInt64
		err := sc.Scan(&n.ID, &n.UserID, &ticket, &n.Kind, &n.Text, &created, &read)
		n.TicketID, n.CreatedAt, n.ReadAt = idPtr(ticket), fromMS(created), fromNullMS(read)
		return n, err
	})
}

// MarkNotificationsRead marks a user's notifications read up to and
// including id (0: all of them).
func (db *DB) MarkNotificationsRead(ctx context.Context, userID, upToID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{ms(db.Now()), userID}
		if upToID > 0 {
			q, args = q+` AND id <= ?`, append(args, upToID)
		}
		_, err := tx.exec(ctx, q, args...)
		return err
	})
}
