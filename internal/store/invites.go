package store

import (
	"context"
	"database/sql"
	"strings"

	"andon/internal/domain"
)

// NewInvite is what it takes to invite an agent.
type NewInvite struct {
	Email     string
	Name      string
	Role      domain.Role
	InvitedBy int64
	TokenHash string // auth.HashToken of the secret in the link
}

const inviteCols = `id, email, name, role, invited_by, created_at, expires_at, used_at`

func scanInvite(sc interface{ Scan(...any) error }) (*domain.Invite, error) {
	in := &domain.Invite{}
	var by sql.NullInt64
	var created, expires int64
	var used sql.NullInt64
	if err := sc.Scan(&in.ID, &in.Email, &in.Name, &in.Role, &by, &created, &expires, &used); err != nil {
		return nil, err
	}
	in.InvitedBy = idPtr(by)
	in.CreatedAt, in.ExpiresAt, in.UsedAt = fromMS(created), fromMS(expires), fromNullMS(used)
	return in, nil
}

// CreateInvite records an invitation valid for domain.InviteTTL. It fails with
// EConflict when an account with the email already exists.
func (db *DB) CreateInvite(ctx context.Context, n NewInvite) (*domain.Invite, error) {
	nu := domain.NewUser{Email: n.Email, Name: n.Name, Role: n.Role}
	if err := nu.Validate(); err != nil {
		return nil, err
	}
	if n.TokenHash == "" {
		return nil, domain.Errorf(domain.EInternal, "invite without token")
	}
	now := db.Now()
	in := &domain.Invite{Email: nu.Email, Name: nu.Name, Role: nu.Role, CreatedAt: now, ExpiresAt: now.Add(domain.InviteTTL)}
	if n.InvitedBy != 0 {
		in.InvitedBy = &n.InvitedBy
	}
	err := db.Update(ctx, func(tx *Tx) error {
		var taken int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, nu.Email).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return &domain.Error{Code: domain.EConflict, Message: "an account with this email exists", Fields: map[string]string{"email": "already has an account"}}
		}
		// A new invitation for the same address replaces any pending one.
		if _, err := tx.exec(ctx, `DELETE FROM invites WHERE email = ? AND used_at IS NULL`, nu.Email); err != nil {
			return err
		}
		var err error
		in.ID, err = tx.insert(ctx, `INSERT INTO invites (token_hash, email, name, role, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			n.TokenHash, in.Email, in.Name, in.Role, nullID(in.InvitedBy), ms(in.CreatedAt), ms(in.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// PendingInvites lists invitations not yet used, newest first (expired ones
// included, so an admin sees why a link stopped working).
func (db *DB) PendingInvites(ctx context.Context) ([]*domain.Invite, error) {
	rows, err := db.query(ctx, `SELECT `+inviteCols+` FROM invites WHERE used_at IS NULL ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Invite
	for rows.Next() {
		in, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// errInviteGone is the one answer for unknown, used and expired links, so a
// link reveals nothing once it stops working.
func errInviteGone() error {
	return domain.Errorf(domain.ENotFound, "this invitation link is invalid, expired or already used")
}

// InviteByTokenHash loads a usable (unused, unexpired) invitation.
func (db *DB) InviteByTokenHash(ctx context.Context, tokenHash string) (*domain.Invite, error) {
	in, err := scanInvite(db.queryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE token_hash = ?`, tokenHash))
	if isNoRows(err) {
		return nil, errInviteGone()
	}
	if err != nil {
		return nil, err
	}
	if in.UsedAt != nil || !db.Now().Before(in.ExpiresAt) {
		return nil, errInviteGone()
	}
	return in, nil
}

// AcceptInvite claims an invitation and creates its account with the given
// name and password hash, in one transaction: the link works exactly once,
// and a failure leaves it usable.
func (db *DB) AcceptInvite(ctx context.Context, tokenHash, name, passwordHash string) (*domain.User, error) {
	name = strings.TrimSpace(name)
	v := domain.Validation{}
	v.Check(name != "", "name", "required")
	v.Check(len(name) <= 200, "name", "at most 200 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var uid int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(db.Now())
		var inviteID int64
		var email string
		var role domain.Role
		// The conditional UPDATE claims the row atomically on both engines.
		err := tx.queryRow(ctx, `UPDATE invites SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id, email, role`,
			now, tokenHash, now).Scan(&inviteID, &email, &role)
		if isNoRows(err) {
			return errInviteGone()
		}
		if err != nil {
			return err
		}
		uid, err = tx.insert(ctx, `INSERT INTO users (email, name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, TRUE, ?)`,
			email, name, role, passwordHash, now)
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: "an account with this email already exists; sign in instead"}
		}
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE invites SET user_id = ? WHERE id = ?`, uid, inviteID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.User(ctx, uid)
}

// DeleteInvite revokes a pending invitation.
func (db *DB) DeleteInvite(ctx context.Context, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		return tx.execOne(ctx, "invitation", `DELETE FROM invites WHERE id = ? AND used_at IS NULL`, id)
	})
}

// TeamMembers maps each team id to its members' user ids.
func (db *DB) TeamMembers(ctx context.Context) (map[int64][]int64, error) {
	rows, err := db.query(ctx, `SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var t, u int64
		if err := rows.Scan(&t, &u); err != nil {
			return nil, err
		}
		out[t] = append(out[t], u)
	}
	return out, rows.Err()
}
