package store

import (
	"context"
	"strings"

	"andon/internal/domain"
)

// UpdateContact changes a contact's name and organization; an empty
// organization clears it, a new one is created on first use.
func (db *DB) UpdateContact(ctx context.Context, id int64, name, organization string) error {
	name, organization = strings.TrimSpace(name), strings.TrimSpace(organization)
	v := domain.Validation{}
	v.Check(len(name) <= 200, "name", "at most 200 characters")
	v.Check(len(organization) <= 200, "organization", "at most 200 characters")
	if err := v.Err(); err != nil {
		return err
	}
	return db.Update(ctx, func(tx *Tx) error {
		var org any
		if organization != "" {
			oid, err := tx.orgID(ctx, organization)
			if err != nil {
				return err
			}
			org = oid
		}
		return tx.execOne(ctx, "contact", `UPDATE contacts SET name = ?, organization_id = ?, updated_at = ? WHERE id = ?`, name, org, ms(db.Now()), id)
	})
}

// CountContactTickets counts the tickets a contact opened, on every channel.
func (db *DB) CountContactTickets(ctx context.Context, contactID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE requester_id = ?`, contactID).Scan(&n)
	return n, err
}

// phoneFragment returns the digits of a query that looks like part of a
// phone number (only digits and phone punctuation, at least three digits),
// so agents can find a caller by the few digits they caught.
func phoneFragment(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" -().+/", r):
		default:
			return "", false
		}
	}
	return b.String(), b.Len() >= 3
}
