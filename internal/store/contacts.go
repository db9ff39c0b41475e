package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"andon/internal/domain"
)

// findOrCreateContact returns the contact owning any of the given identities,
// creating one (with all identities) when none exists. Identities found on a
// different contact are left where they are.
func (tx *Tx) findOrCreateContact(ctx context.Context, name string, ids []domain.Identity) (int64, error) {
	now := ms(tx.db.Now())
	var found int64
	for _, id := range ids {
		err := tx.queryRow(ctx, `SELECT contact_id FROM identities WHERE kind = ? AND value = ?`, id.Kind, id.Value).Scan(&found)
		if err == nil {
			break
		}
		if !isNoRows(err) {
			return 0, err
		}
	}
	if found == 0 {
		cid, err := tx.insert(ctx, `INSERT INTO contacts (name, created_at, updated_at) VALUES (?, ?, ?)`, name, now, now)
		if err != nil {
			return 0, err
		}
		found = cid
	} else if name != "" {
		// Learn a name we did not have.
		if _, err := tx.exec(ctx, `UPDATE contacts SET name = ?, updated_at = ? WHERE id = ? AND name = ''`, name, now, found); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		if _, err := tx.exec(ctx, `INSERT INTO identities (contact_id, kind, value, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING`, found, id.Kind, id.Value, now); err != nil {
			return 0, err
		}
	}
	return found, nil
}

// FindOrCreateContact is findOrCreateContact in its own transaction.
func (db *DB) FindOrCreateContact(ctx context.Context, name string, ids ...domain.Identity) (int64, error) {
	var cid int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		cid, err = tx.findOrCreateContact(ctx, name, ids)
		return err
	})
	return cid, err
}

// NewContact is what it takes to create a contact.
type NewContact struct {
	Name         string
	Organization string
	Identities   []domain.Identity
}

// Validate normalizes identities and reports problems by field.
func (n *NewContact) Validate() error {
	v := domain.Validation{}
	n.Name = strings.TrimSpace(n.Name)
	n.Organization = strings.TrimSpace(n.Organization)
	v.Check(len(n.Name) <= 200, "name", "at most 200 characters")
	v.Check(len(n.Organization) <= 200, "organization", "at most 200 characters")
	if len(n.Identities) == 0 {
		v.Add("identities", "at least one email, phone or visitor id required")
	}
	seen := map[domain.Identity]bool{}
	for i := range n.Identities {
		id := &n.Identities[i]
		field := fmt.Sprintf("identities[%d]", i)
		if !id.Kind.Valid() {
			v.Add(field+".kind", "must be email, phone or visitor")
			continue
		}
		val, ok := domain.NormalizeIdentity(id.Kind, id.Value)
		if !ok {
			v.Add(field+".value", "not a valid "+string(id.Kind))
			continue
		}
		id.Value = val
		// A repeat would hit the unique index and read as "belongs to
		// another contact"; say what is really wrong.
		key := domain.Identity{Kind: id.Kind, Value: val}
		v.Check(!seen[key], field+".value", "listed twice")
		seen[key] = true
	}
	return v.Err()
}

// CreateContact creates a contact; it fails with EConflict when an identity
// already belongs to someone.
func (db *DB) CreateContact(ctx context.Context, n NewContact) (*domain.Contact, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var cid int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(db.Now())
		var orgID any
		if n.Organization != "" {
			oid, err := tx.orgID(ctx, n.Organization)
			if err != nil {
				return err
			}
			orgID = oid
		}
		var err error
		cid, err = tx.insert(ctx, `INSERT INTO contacts (name, organization_id, created_at, updated_at) VALUES (?, ?, ?, ?)`, n.Name, orgID, now, now)
		if err != nil {
			return err
		}
		for i, id := range n.Identities {
			if _, err := tx.exec(ctx, `INSERT INTO identities (contact_id, kind, value, created_at) VALUES (?, ?, ?, ?)`, cid, id.Kind, id.Value, now); err != nil {
				if isUniqueViolation(err) {
					return &domain.Error{Code: domain.EConflict, Message: id.Value + " already belongs to another contact",
						Fields: map[string]string{fmt.Sprintf("identities[%d].value", i): "already belongs to another contact"}}
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Contact(ctx, cid)
}

func (tx *Tx) orgID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM organizations WHERE lower(name) = lower(?)`, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !isNoRows(err) {
		return 0, err
	}
	return tx.insert(ctx, `INSERT INTO organizations (name, created_at) VALUES (?, ?)`, name, ms(tx.db.Now()))
}

// Contact loads one contact with identities and organization.
func (db *DB) Contact(ctx context.Context, id int64) (*domain.Contact, error) {
	cs, err := db.contactsByID(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	c, ok := cs[id]
	if !ok {
		return nil, domain.NotFound("contact")
	}
	return c, nil
}

// ContactByIdentity finds the contact owning an email, phone or visitor id.
func (db *DB) ContactByIdentity(ctx context.Context, kind domain.IdentityKind, value string) (*domain.Contact, error) {
	v, ok := domain.NormalizeIdentity(kind, value)
	if !ok {
		return nil, domain.NotFound("contact")
	}
	var id int64
	if err := db.queryRow(ctx, `SELECT contact_id FROM identities WHERE kind = ? AND value = ?`, kind, v).Scan(&id); err != nil {
		if isNoRows(err) {
			return nil, domain.NotFound("contact")
		}
		return nil, err
	}
	return db.Contact(ctx, id)
}

// contactsByID loads many contacts in two queries (no N+1).
func (db *DB) contactsByID(ctx context.Context, ids []int64) (map[int64]*domain.Contact, error) {
	out := make(map[int64]*domain.Contact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.query(ctx, `SELECT c.id, c.name, c.organization_id, COALESCE(o.name, ''), c.created_at
		FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
		WHERE c.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c := &domain.Contact{Identities: []domain.Identity{}}
		var org sql.NullInt64
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &org, &c.Organization, &created); err != nil {
			return nil, err
		}
		c.OrganizationID = idPtr(org)
		c.CreatedAt = fromMS(created)
		out[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	irows, err := db.query(ctx, `SELECT id, contact_id, kind, value FROM identities WHERE contact_id IN (`+placeholders(len(ids))+`) ORDER BY kind, id`, args...)
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	for irows.Next() {
		var idn domain.Identity
		var cid int64
		if err := irows.Scan(&idn.ID, &cid, &idn.Kind, &idn.Value); err != nil {
			return nil, err
		}
		if c := out[cid]; c != nil {
			c.Identities = append(c.Identities, idn)
		}
	}
	return out, irows.Err()
}

// Contacts searches contacts by name, email, phone or organization, newest first.
func (db *DB) Contacts(ctx context.Context, f domain.ContactFilter) (*domain.ContactPage, error) {
	limit := clampLimit(f.Limit)
	where := []string{"1=1"}
	var args []any
	if f.Cursor != "" {
		after, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || after <= 0 {
			return nil, &domain.Error{Code: domain.EInvalid, Message: "invalid cursor", Fields: map[string]string{"cursor": "invalid"}}
		}
		where = append(where, "c.id < ?")
		args = append(args, after)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		like := likePrefix(q)
		phone, isPhone := domain.NormalizePhone(q)
		if !isPhone {
			phone, isPhone = phoneFragment(q) // "010-77": part of a number
		}
		cond := `lower(c.name) LIKE ? ESCAPE '\' OR c.id IN (SELECT contact_id FROM identities WHERE value LIKE ? ESCAPE '\')
			OR c.organization_id IN (SELECT id FROM organizations WHERE lower(name) LIKE ? ESCAPE '\')`
		args = append(args, "%"+like, like, like)
		if isPhone {
			cond += ` OR c.id IN (SELECT contact_id FROM identities WHERE kind = 'phone' AND value LIKE ? ESCAPE '\')`
			args = append(args, "%"+likePrefix(phone))
		}
		where = append(where, "("+cond+")")
	}
	args = append(args, limit+1)
	rows, err := db.query(ctx, `SELECT c.id FROM contacts c WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	ids, err := scanAll(rows, scanInt64)
	if err != nil {
		return nil, err
	}
	page := &domain.ContactPage{Contacts: []*domain.Contact{}}
	if len(ids) > limit {
		ids = ids[:limit]
		page.NextCursor = strconv.FormatInt(ids[limit-1], 10)
	}
	byID, err := db.contactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		page.Contacts = append(page.Contacts, byID[id])
	}
	return page, nil
}

// likePrefix escapes LIKE wildcards and appends %.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// AddIdentity attaches an identity to a contact; EConflict if it is someone else's.
func (db *DB) AddIdentity(ctx context.Context, contactID int64, kind domain.IdentityKind, value string) error {
	v, ok := domain.NormalizeIdentity(kind, value)
	if !ok {
		return &domain.Error{Code: domain.EInvalid, Message: "invalid identity", Fields: map[string]string{"value": "not a valid " + string(kind)}}
	}
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO identities (contact_id, kind, value, created_at) VALUES (?, ?, ?, ?)`, contactID, kind, v, ms(db.Now()))
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: v + " already belongs to a contact", Fields: map[string]string{"value": "already belongs to a contact"}}
		}
		if isFKViolation(err) {
			return domain.NotFound("contact")
		}
		return err
	})
}

// MergeContacts folds source into target: identities, tickets and authored
// entries move to target, and source is deleted. One transaction.
func (db *DB) MergeContacts(ctx context.Context, targetID, sourceID int64) (*domain.Contact, error) {
	if targetID == sourceID {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "cannot merge a contact into itself", Fields: map[string]string{"source_id": "must differ from the target"}}
	}
	err := db.Update(ctx, func(tx *Tx) error { return tx.mergeContacts(ctx, targetID, sourceID) })
	if err != nil {
		return nil, err
	}
	return db.Contact(ctx, targetID)
}

// mergeContacts is MergeContacts inside a transaction.
func (tx *Tx) mergeContacts(ctx context.Context, targetID, sourceID int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE id IN (?, ?)`, targetID, sourceID).Scan(&n); err != nil {
		return err
	}
	if n != 2 {
		var t int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE id = ?`, targetID).Scan(&t); err != nil {
			return err
		}
		if t == 0 {
			return domain.NotFound("contact")
		}
		return &domain.Error{Code: domain.EInvalid, Message: "source contact not found", Fields: map[string]string{"source_id": "no such contact"}}
	}
	now := ms(tx.db.Now())
	for _, ref := range contactRefs {
		table, col, _ := strings.Cut(ref, ".")
		if _, err := tx.exec(ctx, `UPDATE `+table+` SET `+col+` = ? WHERE `+col+` = ?`, targetID, sourceID); err != nil {
			return err
		}
	}
	// Keep the source's name and organization when the target lacks them.
	if _, err := tx.exec(ctx, `UPDATE contacts SET
		name = CASE WHEN name = '' THEN (SELECT name FROM contacts WHERE id = ?) ELSE name END,
		organization_id = COALESCE(organization_id, (SELECT organization_id FROM contacts WHERE id = ?)),
		updated_at = ? WHERE id = ?`, sourceID, sourceID, now, targetID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `DELETE FROM contacts WHERE id = ?`, sourceID)
	return err
}

// contactRefs lists every table.column that points at a contact, so that a
// merge moves all of them. A feature that adds such a column adds it here.
var contactRefs = [...]string{
	"identities.contact_id",
	"tickets.requester_id",
	"entries.author_contact_id",
	"customer_login_tokens.contact_id",
	"customer_sessions.contact_id",
	"survey_responses.contact_id",
	"chat_visitors.contact_id", // no unique constraint: a customer may chat from several browsers
}
