package store

import (
	"context"
	"time"

	"andon/internal/domain"
)

// Defaults for agent sessions (ANDON_SESSION_IDLE_TIMEOUT, ANDON_SESSION_MAX_AGE).
const (
	DefaultSessionIdle   = 12 * time.Hour
	DefaultSessionMaxAge = 14 * 24 * time.Hour
	// PasswordResetTTL is how long an emailed reset link works.
	PasswordResetTTL = 30 * time.Minute
	// maxLiveResets bounds reset mails per account per PasswordResetTTL.
	maxLiveResets = 3
)

// SetSessionLimits sets the idle timeout and absolute lifetime of agent
// sessions; zero keeps the default. Call before serving.
func (db *DB) SetSessionLimits(idle, maxAge time.Duration) {
	db.sessionIdle, db.sessionMaxAge = idle, maxAge
}

func (db *DB) sessionLimits() (idle, maxAge time.Duration) {
	idle, maxAge = db.sessionIdle, db.sessionMaxAge
	if idle <= 0 {
		idle = DefaultSessionIdle
	}
	if maxAge <= 0 {
		maxAge = DefaultSessionMaxAge
	}
	return idle, maxAge
}

// sessionDead: past its own expiry, idle too long, or too old.
func (db *DB) sessionDead(s *domain.Session, lastSeen time.Time) bool {
	idle, maxAge := db.sessionLimits()
	now := db.Now()
	if lastSeen.Before(s.CreatedAt) {
		lastSeen = s.CreatedAt
	}
	return now.After(s.ExpiresAt) || now.Sub(s.CreatedAt) > maxAge || now.Sub(lastSeen) > idle
}

// touchSession records use of a session, at most once a minute (or per
// hundredth of the idle timeout) so that reads do not all become writes.
func (db *DB) touchSession(ctx context.Context, id string, lastSeen time.Time) error {
	idle, _ := db.sessionLimits()
	now := db.Now()
	if now.Sub(lastSeen) < min(time.Minute, idle/100) {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, ms(now), id, ms(now))
		return err
	})
}

// EndUserSessions signs a user out everywhere except the session keepID
// (empty: everywhere). It returns how many sessions ended.
func (db *DB) EndUserSessions(ctx context.Context, userID int64, keepID string) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepID)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}

func (tx *Tx) endSessions(ctx context.Context, userID int64, keepID string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keepID)
	return err
}

// UserPasswordHash is the stored hash of an active user's password.
func (db *DB) UserPasswordHash(ctx context.Context, userID int64) (string, error) {
	var h string
	var active bool
	err := db.queryRow(ctx, `SELECT password_hash, active FROM users WHERE id = ?`, userID).Scan(&h, &active)
	if isNoRows(err) || (err == nil && !active) {
		return "", domain.NotFound("user")
	}
	return h, err
}

// SetPasswordKeepSession stores a new password hash and ends every session
// of the user but keepID (the one that changed it; empty ends all), and any
// outstanding reset links, in one transaction.
func (db *DB) SetPasswordKeepSession(ctx context.Context, userID int64, hash, keepID string) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.setPassword(ctx, userID, hash, keepID)
	})
}

func (tx *Tx) setPassword(ctx context.Context, userID int64, hash, keepID string) error {
	if err := tx.execOne(ctx, "user", `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, ms(tx.db.Now()), userID); err != nil {
		return err
	}
	return tx.endSessions(ctx, userID, keepID)
}

// CreatePasswordReset stores a reset link for the active account with this
// email and queues its mail (subject and Markdown body from mail, given the
// account) through the outbox, from the default mailbox, in one
// transaction. For an unknown or inactive address, or one that already has
// maxLiveResets live links, it does nothing and still returns nil: the
// answer never tells whether an account exists.
func (db *DB) CreatePasswordReset(ctx context.Context, email, tokenHash string, mail func(u *domain.User) (subject, body string)) error {
	addr, ok := domain.NormalizeEmail(email)
	if !ok {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, addr))
		if isNoRows(err) || (err == nil && !u.Active) {
			return nil
		}
		if err != nil {
			return err
		}
		now := tx.db.Now()
		var live int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE user_id = ? AND created_at > ?`,
			u.ID, ms(now.Add(-PasswordResetTTL))).Scan(&live); err != nil {
			return err
		}
		if live >= maxLiveResets {
			return nil
		}
		if _, err := tx.exec(ctx, `DELETE FROM password_resets WHERE user_id = ? AND expires_at < ?`, u.ID, ms(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, u.ID, ms(now), ms(now.Add(PasswordResetTTL))); err != nil {
			return err
		}
		var mb *int64
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM mailboxes ORDER BY is_default DESC, id LIMIT 1`).Scan(&id); err == nil {
			mb = &id
		} else if !isNoRows(err) {
			return err
		}
		subject, body := mail(u)
		_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{Kind: domain.OutboxNotify, MailboxID: mb, To: []string{u.Email},
			Subject: subject, Body: body})
		return err
	})
}

func errResetGone() error {
	return domain.Errorf(domain.ENotFound, "This password reset link is invalid, expired or already used. Ask for a new one.")
}

// PasswordResetUser is the account a live reset link is for; ENotFound
// when the link is unknown, used or expired.
func (db *DB) PasswordResetUser(ctx context.Context, tokenHash string) (*domain.User, error) {
	var uid, exp int64
	var used *int64
	err := db.queryRow(ctx, `SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?`, tokenHash).Scan(&uid, &exp, &used)
	if isNoRows(err) || (err == nil && (used != nil || db.Now().After(fromMS(exp)))) {
		return nil, errResetGone()
	}
	if err != nil {
		return nil, err
	}
	u, err := db.User(ctx, uid)
	if err != nil || !u.Active {
		return nil, errResetGone()
	}
	return u, nil
}

// UsePasswordReset claims a reset link and sets the password hash, ending
// every session of the account and its other links, in one transaction: a
// link works exactly once and only before it expires.
func (db *DB) UsePasswordReset(ctx context.Context, tokenHash, hash string) (*domain.User, error) {
	var uid int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.db.Now())
		res, err := tx.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at >= ?`, now, tokenHash, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errResetGone()
		}
		if err := tx.queryRow(ctx, `SELECT user_id FROM password_resets WHERE token_hash = ?`, tokenHash).Scan(&uid); err != nil {
			return err
		}
		return tx.setPassword(ctx, uid, hash, "")
	})
	if err != nil {
		return nil, err
	}
	return db.User(ctx, uid)
}
