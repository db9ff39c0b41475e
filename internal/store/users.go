package store

import (
	"context"
	"database/sql"
	"time"

	"andon/internal/domain"
)

// NewUser is what it takes to create an agent account; its rules live in
// domain. Kept so existing callers compile unchanged.
type NewUser = domain.NewUser

const userCols = `id, email, name, role, active, created_at`

func scanUser(sc interface{ Scan(...any) error }) (*domain.User, error) {
	u := &domain.User{}
	var created int64
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return u, nil
}

// CreateUser creates an account; EConflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, n NewUser) (*domain.User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO users (email, name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, TRUE, ?)`,
			n.Email, n.Name, n.Role, n.PasswordHash, ms(db.Now()))
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: "an account with this email exists", Fields: map[string]string{"email": "already in use"}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.User(ctx, id)
}

// User loads an account by id.
func (db *DB) User(ctx context.Context, id int64) (*domain.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	return u, db.fillTeamIDs(ctx, u)
}

// UserByEmail loads an account and its password hash by email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*domain.User, string, error) {
	e, ok := domain.NormalizeEmail(email)
	if !ok {
		return nil, "", domain.NotFound("user")
	}
	var hash string
	u := &domain.User{}
	var created int64
	err := db.queryRow(ctx, `SELECT id, email, name, role, active, created_at, password_hash FROM users WHERE email = ?`, e).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &created, &hash)
	if isNoRows(err) {
		return nil, "", domain.NotFound("user")
	}
	if err != nil {
		return nil, "", err
	}
	u.CreatedAt = fromMS(created)
	return u, hash, nil
}

func (db *DB) fillTeamIDs(ctx context.Context, u *domain.User) error {
	rows, err := db.query(ctx, `SELECT team_id FROM team_members WHERE user_id = ? ORDER BY team_id`, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		u.TeamIDs = append(u.TeamIDs, id)
	}
	return rows.Err()
}

// Users lists every account, by name.
func (db *DB) Users(ctx context.Context) ([]*domain.User, error) {
	rows, err := db.query(ctx, `SELECT `+userCols+` FROM users ORDER BY active DESC, name`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanUser)
}

// SetPassword stores a new password hash and ends all the user's sessions.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	return db.SetPasswordKeepSession(ctx, userID, hash, "")
}

// SetUserActive activates or deactivates an account. Deactivating ends its
// sessions and API tokens stop working.
func (db *DB) SetUserActive(ctx context.Context, userID int64, active bool) error {
	return db.Update(ctx, func(tx *Tx) error {
		if err := tx.execOne(ctx, "user", `UPDATE users SET active = ? WHERE id = ?`, active, userID); err != nil {
			return err
		}
		if active {
			return nil
		}
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

// UpdateUser changes an account's name and role.
func (db *DB) UpdateUser(ctx context.Context, userID int64, name string, role domain.Role) error {
	name, err := domain.UserEdit(name, role)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		var old domain.Role
		if err := tx.queryRow(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&old); isNoRows(err) {
			return domain.NotFound("user")
		} else if err != nil {
			return err
		}
		if err := tx.execOne(ctx, "user", `UPDATE users SET name = ?, role = ? WHERE id = ?`, name, role, userID); err != nil {
			return err
		}
		if old != role { // sign in again to get the new rights (or lose the old)
			return tx.endSessions(ctx, userID, "")
		}
		return nil
	})
}

// CreateTeam creates a team; EConflict if the name is taken.
func (db *DB) CreateTeam(ctx context.Context, name string) (*domain.Team, error) {
	name, err := domain.TeamName(name)
	if err != nil {
		return nil, err
	}
	t := &domain.Team{Name: name, CreatedAt: db.Now()}
	err = db.Update(ctx, func(tx *Tx) error {
		var err error
		t.ID, err = tx.insert(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?)`, name, ms(t.CreatedAt))
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: "a team with this name exists", Fields: map[string]string{"name": "already in use"}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Teams lists teams by name.
func (db *DB) Teams(ctx context.Context) ([]*domain.Team, error) {
	rows, err := db.query(ctx, `SELECT id, name, created_at FROM teams ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(sc scanner) (*domain.Team, error) {
		t := &domain.Team{}
		var c int64
		err := sc.Scan(&t.ID, &t.Name, &c)
		t.CreatedAt = fromMS(c)
		return t, err
	})
}

// SetTeamMembers replaces a team's members.
func (db *DB) SetTeamMembers(ctx context.Context, teamID int64, userIDs []int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM team_members WHERE team_id = ?`, teamID); err != nil {
			return err
		}
		for _, uid := range userIDs {
			if _, err := tx.exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, teamID, uid); err != nil {
				if isFKViolation(err) {
					return domain.Errorf(domain.EInvalid, "no such team or user")
				}
				return err
			}
		}
		return nil
	})
}

// AddTeamMember adds one user to a team (idempotent).
func (db *DB) AddTeamMember(ctx context.Context, teamID, userID int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, teamID, userID)
		if isFKViolation(err) {
			return domain.Errorf(domain.EInvalid, "no such team or user")
		}
		return err
	})
}

// CreateAPIToken stores the hash of a new token.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name, tokenHash string) (*domain.APIToken, error) {
	name, err := domain.APITokenName(name)
	if err != nil {
		return nil, err
	}
	t := &domain.APIToken{UserID: userID, Name: name, CreatedAt: db.Now()}
	err = db.Update(ctx, func(tx *Tx) error {
		var err error
		t.ID, err = tx.insert(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, userID, name, tokenHash, ms(t.CreatedAt))
		if isFKViolation(err) {
			return domain.NotFound("user")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UserByTokenHash finds the active user owning a token. The hash is looked up
// by a unique index, so no secret is compared byte by byte in Go.
func (db *DB) UserByTokenHash(ctx context.Context, tokenHash string) (*domain.User, int64, error) {
	var tokenID int64
	var lastUsed sql.NullInt64
	u := &domain.User{}
	var created int64
	err := db.queryRow(ctx, `SELECT t.id, t.last_used_at, u.id, u.email, u.name, u.role, u.active, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, tokenHash).
		Scan(&tokenID, &lastUsed, &u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &created)
	if isNoRows(err) {
		return nil, 0, domain.Errorf(domain.EUnauthorized, "invalid API token")
	}
	if err != nil {
		return nil, 0, err
	}
	if !u.Active {
		return nil, 0, domain.Errorf(domain.EUnauthorized, "account deactivated")
	}
	u.CreatedAt = fromMS(created)
	// Record use at most once a minute to keep reads cheap.
	now := db.Now()
	if !lastUsed.Valid || now.Sub(fromMS(lastUsed.Int64)) > time.Minute {
		_ = db.Update(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ms(now), tokenID)
			return err
		})
	}
	return u, tokenID, nil
}

// APITokens lists tokens; userID 0 lists everyone's.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]*domain.APIToken, error) {
	q := `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens`
	var args []any
	if userID != 0 {
		q += ` WHERE user_id = ?`
		args = append(args, userID)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.APIToken
	for rows.Next() {
		t := &domain.APIToken{}
		var c int64
		var lu sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &c, &lu); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt = fromMS(c), fromNullMS(lu)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes a token.
func (db *DB) DeleteAPIToken(ctx context.Context, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "token", `DELETE FROM api_tokens WHERE id = ?`, id)
	})
}

// CreateSession stores a session (its id is the hash of the cookie value).
func (db *DB) CreateSession(ctx context.Context, s domain.Session) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO sessions (id, user_id, csrf, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, s.UserID, s.CSRF, ms(s.CreatedAt), ms(s.ExpiresAt), ms(s.CreatedAt))
		return err
	})
}

// SessionUser loads a live session and its active user. A session is dead
// past its expiry, its idle timeout or its absolute lifetime (sessions.go).
func (db *DB) SessionUser(ctx context.Context, id string) (*domain.Session, *domain.User, error) {
	s := &domain.Session{ID: id}
	u := &domain.User{}
	var sc, se, sl, uc int64
	err := db.queryRow(ctx, `SELECT s.user_id, s.csrf, s.created_at, s.expires_at, s.last_seen_at, u.id, u.email, u.name, u.role, u.active, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, id).
		Scan(&s.UserID, &s.CSRF, &sc, &se, &sl, &u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &uc)
	if isNoRows(err) {
		return nil, nil, domain.Errorf(domain.EUnauthorized, "not signed in")
	}
	if err != nil {
		return nil, nil, err
	}
	s.CreatedAt, s.ExpiresAt, u.CreatedAt = fromMS(sc), fromMS(se), fromMS(uc)
	if !u.Active || db.sessionDead(s, fromMS(sl)) {
		return nil, nil, domain.Errorf(domain.EUnauthorized, "session expired")
	}
	if err := db.touchSession(ctx, id, fromMS(sl)); err != nil {
		return nil, nil, err
	}
	if err := db.fillTeamIDs(ctx, u); err != nil {
		return nil, nil, err
	}
	return s, u, nil
}

// DeleteSession signs a browser out.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		idle, maxAge := db.sessionLimits()
		now := db.Now()
		res, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR created_at < ? OR last_seen_at < ?`,
			ms(now), ms(now.Add(-maxAge)), ms(now.Add(-idle)))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Setting reads a setting, returning def when unset.
func (db *DB) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if isNoRows(err) {
		return def, nil
	}
	return v, err
}

// Settings reads every setting with the given key prefix.
func (db *DB) Settings(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := db.query(ctx, `SELECT key, value FROM settings WHERE key LIKE ? ESCAPE '\'`, likePrefix(prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSettings writes several settings in one transaction.
func (db *DB) SetSettings(ctx context.Context, kv map[string]string) error {
	return db.Update(ctx, func(tx *Tx) error {
		for k, v := range kv {
			if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountUsers counts accounts (used to decide whether to bootstrap an admin).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}
