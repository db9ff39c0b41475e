package store

import (
	"context"
	"database/sql"

	"andon/internal/domain"
	"andon/internal/settings"
)

// Two-factor sign-in: TOTP secrets (stored sealed; the store never sees
// them in clear), recovery code hashes and passkeys (passkeys.go).

// BeginTOTP stores a new, unconfirmed TOTP secret for the user, replacing
// an earlier unconfirmed one; EConflict when one is already confirmed.
func (db *DB) BeginTOTP(ctx context.Context, userID int64, sealed string) error {
	return db.Update(ctx, func(tx *Tx) error {
		var confirmed sql.NullInt64
		err := tx.queryRow(ctx, `SELECT confirmed_at FROM user_totp WHERE user_id = ?`, userID).Scan(&confirmed)
		switch {
		case err == nil && confirmed.Valid:
			return domain.Errorf(domain.EConflict, "An authenticator app is already set up. Remove it first to set up another.")
		case err != nil && !isNoRows(err):
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)`, userID, sealed, ms(tx.db.Now()))
		return err
	})
}

// TOTPSecret is the user's sealed TOTP secret and whether it is confirmed;
// ENotFound when none is set up.
func (db *DB) TOTPSecret(ctx context.Context, userID int64) (sealed string, confirmed bool, err error) {
	var c sql.NullInt64
	err = db.queryRow(ctx, `SELECT secret, confirmed_at FROM user_totp WHERE user_id = ?`, userID).Scan(&sealed, &c)
	if isNoRows(err) {
		return "", false, domain.NotFound("authenticator app")
	}
	return sealed, c.Valid, err
}

// ConfirmTOTP marks the pending secret confirmed with the time step of the
// code that proved it (so that code cannot be used again) and stores the
// hashes of fresh recovery codes, replacing any old ones, in one
// transaction.
func (db *DB) ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes []string) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.execOne(ctx, "pending authenticator app", `UPDATE user_totp SET confirmed_at = ?, last_step = ?
			WHERE user_id = ? AND confirmed_at IS NULL`, ms(tx.db.Now()), step, userID); err != nil {
			return err
		}
		return tx.replaceRecoveryCodes(ctx, userID, codeHashes)
	})
}

// UseTOTPStep records that a code of time step step was accepted. A step
// not after the last accepted one is refused (domain.ErrCodeRefused): each
// code works once, also across nodes.
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`,
			step, userID, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.ErrCodeRefused()
		}
		return nil
	})
}

// UseRecoveryCode spends the unused recovery code with this hash, or
// refuses (domain.ErrCodeRefused).
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, codeHash string) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
			ms(tx.db.Now()), userID, codeHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.ErrCodeRefused()
		}
		return nil
	})
}

// ReplaceRecoveryCodes stores new recovery code hashes; the old codes stop
// working. ENotFound unless an authenticator app is confirmed.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, codeHashes []string) error {
	return db.Update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL`, userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFound("authenticator app")
		}
		return tx.replaceRecoveryCodes(ctx, userID, codeHashes)
	})
}

func (tx *Tx) replaceRecoveryCodes(ctx context.Context, userID int64, codeHashes []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range codeHashes {
		if _, err := tx.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// RemoveTOTP removes the user's authenticator app and recovery codes.
func (db *DB) RemoveTOTP(ctx context.Context, userID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.execOne(ctx, "authenticator app", `DELETE FROM user_totp WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID)
		return err
	})
}

// ResetTwoFactor removes every second factor of the user (authenticator
// app, recovery codes, passkeys) and ends their sessions and pending
// sign-ins, in one transaction: an admin's answer to a lost phone.
func (db *DB) ResetTwoFactor(ctx context.Context, userID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		for _, q := range []string{`DELETE FROM user_totp WHERE user_id = ?`, `DELETE FROM recovery_codes WHERE user_id = ?`,
			`DELETE FROM passkeys WHERE user_id = ?`, `DELETE FROM auth_challenges WHERE user_id = ?`} {
			if _, err := tx.exec(ctx, q, userID); err != nil {
				return err
			}
		}
		return tx.endSessions(ctx, userID, "")
	})
}

// TwoFactorStatus is what second factors the user has.
func (db *DB) TwoFactorStatus(ctx context.Context, userID int64) (domain.TwoFactorStatus, error) {
	var st domain.TwoFactorStatus
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL`, userID).Scan(&n); err != nil {
		return st, err
	}
	st.TOTP = n > 0
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&st.RecoveryLeft); err != nil {
		return st, err
	}
	var err error
	st.Passkeys, err = db.Passkeys(ctx, userID)
	return st, err
}

// EnrolledUsers are the ids of users with any second factor.
func (db *DB) EnrolledUsers(ctx context.Context) (map[int64]bool, error) {
	rows, err := db.query(ctx, `SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL UNION SELECT user_id FROM passkeys`)
	if err != nil {
		return nil, err
	}
	ids, err := scanAll(rows, scanInt64)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// RequireTwoFactor sets the roles that must sign in with a second factor
// and ends the sessions of their users who have none (except keepID, the
// admin's own), in one transaction: they enrol at their next sign-in. It
// returns how many sessions ended.
func (db *DB) RequireTwoFactor(ctx context.Context, roles map[domain.Role]bool, keepID string) (int64, error) {
	var ended int64
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			settings.TwoFactorRoles, domain.FormatRoles(roles)); err != nil {
			return err
		}
		for role, on := range roles {
			if !on {
				continue
			}
			res, err := tx.exec(ctx, `DELETE FROM sessions WHERE id <> ? AND user_id IN (SELECT id FROM users WHERE role = ?
				AND id NOT IN (SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL)
				AND id NOT IN (SELECT user_id FROM passkeys))`, keepID, role)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ended += n
		}
		return nil
	})
	return ended, err
}
