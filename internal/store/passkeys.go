package store

import (
	"context"
	"database/sql"

	"andon/internal/domain"
)

// Passkeys (WebAuthn credentials) and the short challenges between the
// steps of a sign-in. The credential itself is the WebAuthn library's
// JSON; the store only keeps it.

// AddPasskey stores a new passkey; EConflict when the credential is
// already registered.
func (db *DB) AddPasskey(ctx context.Context, userID int64, credentialID, name, credential string) (*domain.Passkey, error) {
	now := db.Now()
	p := &domain.Passkey{Name: name, CreatedAt: now}
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		p.ID, err = tx.insert(ctx, `INSERT INTO passkeys (user_id, credential_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?)`,
			userID, credentialID, name, credential, ms(now))
		if isUniqueViolation(err) {
			return domain.Errorf(domain.EConflict, "This passkey is already registered.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Passkeys lists the user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID int64) ([]*domain.Passkey, error) {
	rows, err := db.query(ctx, `SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(sc scanner) (*domain.Passkey, error) {
		p := &domain.Passkey{}
		var created int64
		var used sql.NullInt64
		err := sc.Scan(&p.ID, &p.Name, &created, &used)
		p.CreatedAt, p.LastUsedAt = fromMS(created), fromNullMS(used)
		return p, err
	})
}

// PasskeyCredentials are the stored credentials (JSON) of the user.
func (db *DB) PasskeyCredentials(ctx context.Context, userID int64) ([]string, error) {
	rows, err := db.query(ctx, `SELECT credential FROM passkeys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanString)
}

// PasskeyUsed stores a credential's state after a sign-in (its signature
// counter moves) and when it was used.
func (db *DB) PasskeyUsed(ctx context.Context, userID int64, credentialID, credential string) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "passkey", `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE user_id = ? AND credential_id = ?`,
			credential, ms(tx.db.Now()), userID, credentialID)
	})
}

// RenamePasskey renames one of the user's passkeys.
func (db *DB) RenamePasskey(ctx context.Context, userID, id int64, name string) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "passkey", `UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?`, name, id, userID)
	})
}

// DeletePasskey removes one of the user's passkeys.
func (db *DB) DeletePasskey(ctx context.Context, userID, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "passkey", `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID)
	})
}

// CreateChallenge stores a pending authentication step, and drops expired
// ones (they are small and short-lived; no job needed).
func (db *DB) CreateChallenge(ctx context.Context, c domain.AuthChallenge) error {
	return db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.db.Now())
		if _, err := tx.exec(ctx, `DELETE FROM auth_challenges WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO auth_challenges (id, user_id, purpose, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, nullID(&c.UserID), c.Purpose, c.Data, now, ms(c.ExpiresAt))
		return err
	})
}

// Challenge loads a live challenge of the given purpose; ENotFound when it
// is unknown, expired or for something else.
func (db *DB) Challenge(ctx context.Context, id string, purpose domain.ChallengePurpose) (*domain.AuthChallenge, error) {
	c := &domain.AuthChallenge{ID: id}
	var uid sql.NullInt64
	var created, expires int64
	err := db.queryRow(ctx, `SELECT user_id, purpose, data, failures, created_at, expires_at FROM auth_challenges WHERE id = ?`, id).
		Scan(&uid, &c.Purpose, &c.Data, &c.Failures, &created, &expires)
	if isNoRows(err) {
		return nil, domain.NotFound("sign-in step")
	}
	if err != nil {
		return nil, err
	}
	c.UserID, c.CreatedAt, c.ExpiresAt = uid.Int64, fromMS(created), fromMS(expires)
	if c.Purpose != purpose || db.Now().After(c.ExpiresAt) {
		return nil, domain.NotFound("sign-in step")
	}
	return c, nil
}

// SetChallengeData replaces a challenge's state.
func (db *DB) SetChallengeData(ctx context.Context, id, data string) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "sign-in step", `UPDATE auth_challenges SET data = ? WHERE id = ?`, data, id)
	})
}

// ChallengeFailed counts a wrong code; at max failures the challenge is
// deleted. It reports whether the challenge is still usable.
func (db *DB) ChallengeFailed(ctx context.Context, id string, max int) (bool, error) {
	alive := false
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE auth_challenges SET failures = failures + 1 WHERE id = ?`, id); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM auth_challenges WHERE id = ? AND failures >= ?`, id, max)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		alive = n == 0
		return nil
	})
	return alive, err
}

// DeleteChallenge ends a challenge (used, or abandoned). It reports whether
// it was there, so that two requests racing with one challenge cannot both
// use it.
func (db *DB) DeleteChallenge(ctx context.Context, id string) (bool, error) {
	var gone bool
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM auth_challenges WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		gone = n == 1
		return nil
	})
	return gone, err
}
