package store

import (
	"context"
	"database/sql"
	"time"

	"andon/internal/domain"
)

// Customer portal: passwordless sign-in, customer sessions, the customer's
// own tickets, and attachments.

// Portal sign-in limits.
const (
	LoginLinkTTL       = 30 * time.Minute
	CustomerSessionTTL = 14 * 24 * time.Hour
	maxLiveLoginLinks  = 5 // per contact per LoginLinkTTL, against mail bombing
)

// CreateLoginLink stores a one-time sign-in link for the contact owning
// email and returns the contact. Unknown addresses are ENotFound and create
// nothing: a person who never contacted us has nothing to see yet (the
// ticket form works without signing in). Callers must answer both cases
// alike.
//
// The email (subject and Markdown body holding the link) is queued in the
// outbox in the same transaction, from the default mailbox.
func (db *DB) CreateLoginLink(ctx context.Context, email, tokenHash, subject, body string) (*domain.Contact, error) {
	addr, ok := domain.NormalizeEmail(email)
	if !ok {
		return nil, domain.NotFound("contact")
	}
	var cid int64
	err := db.Update(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT contact_id FROM identities WHERE kind = 'email' AND value = ?`, addr).Scan(&cid)
		if isNoRows(err) {
			return domain.NotFound("contact")
		}
		if err != nil {
			return err
		}
		now := db.Now()
		var live int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM customer_login_tokens WHERE contact_id = ? AND created_at > ?`,
			cid, ms(now.Add(-LoginLinkTTL))).Scan(&live); err != nil {
			return err
		}
		if live >= maxLiveLoginLinks {
			return domain.Errorf(domain.ERateLimited, "too many sign-in links requested")
		}
		// Old used or expired links are of no further use.
		if _, err := tx.exec(ctx, `DELETE FROM customer_login_tokens WHERE contact_id = ? AND expires_at < ?`, cid, ms(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		if _, err = tx.exec(ctx, `INSERT INTO customer_login_tokens (token_hash, contact_id, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			tokenHash, cid, addr, ms(now), ms(now.Add(LoginLinkTTL))); err != nil {
			return err
		}
		var mb sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT id FROM mailboxes ORDER BY is_default DESC, id LIMIT 1`).Scan(&mb); err != nil && !isNoRows(err) {
			return err
		}
		_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{Kind: domain.OutboxNotify, MailboxID: idPtr(mb), To: []string{addr},
			Subject: subject, Body: body})
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.Contact(ctx, cid)
}

func errLinkGone() error {
	return domain.Errorf(domain.ENotFound, "This sign-in link is invalid, expired or already used. Ask for a new one.")
}

// UseLoginLink claims a sign-in link and opens a customer session with the
// given id (the hash of the cookie value), in one transaction: a link works
// exactly once and only before it expires.
func (db *DB) UseLoginLink(ctx context.Context, tokenHash, sessionID string) (*domain.Contact, error) {
	var cid int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(db.Now())
		err := tx.queryRow(ctx, `UPDATE customer_login_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING contact_id`, now, tokenHash, now).Scan(&cid)
		if isNoRows(err) {
			return errLinkGone()
		}
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO customer_sessions (id, contact_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			sessionID, cid, now, now+CustomerSessionTTL.Milliseconds())
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.Contact(ctx, cid)
}

// LoginLinkValid reports whether a sign-in link can still be used, without
// using it (the confirmation page shows it before the customer clicks).
func (db *DB) LoginLinkValid(ctx context.Context, tokenHash string) error {
	var n int
	now := ms(db.Now())
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM customer_login_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		tokenHash, now).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errLinkGone()
	}
	return nil
}

// CustomerSession loads the contact of a live customer session.
func (db *DB) CustomerSession(ctx context.Context, sessionID string) (*domain.Contact, error) {
	var cid, expires int64
	err := db.queryRow(ctx, `SELECT contact_id, expires_at FROM customer_sessions WHERE id = ?`, sessionID).Scan(&cid, &expires)
	if isNoRows(err) || err == nil && expires <= ms(db.Now()) {
		return nil, domain.Errorf(domain.EUnauthorized, "not signed in")
	}
	if err != nil {
		return nil, err
	}
	return db.Contact(ctx, cid)
}

// DeleteCustomerSession signs a customer out.
func (db *DB) DeleteCustomerSession(ctx context.Context, sessionID string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM customer_sessions WHERE id = ?`, sessionID)
		return err
	})
}

// DeleteExpiredCustomerLogins removes expired customer sessions and links.
func (db *DB) DeleteExpiredCustomerLogins(ctx context.Context) (int64, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(db.Now())
		res, err := tx.exec(ctx, `DELETE FROM customer_sessions WHERE expires_at < ?`, now)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.exec(ctx, `DELETE FROM customer_login_tokens WHERE expires_at < ?`, now-24*time.Hour.Milliseconds())
		return err
	})
	return n, err
}

// SettingPortalOrgTickets, when "true", lets customers see (and answer) the
// tickets of everyone in their organization, not only their own.
const SettingPortalOrgTickets = "portal.organization_tickets"

// SettingPortalWelcome is the welcome text on the portal's home page.
const SettingPortalWelcome = "portal.welcome"

// sharedOrg returns the organization whose tickets the contact may see, or 0
// when the admin has not allowed it or the contact has no organization.
func (db *DB) sharedOrg(ctx context.Context, contactID int64) (int64, error) {
	on, err := db.Setting(ctx, SettingPortalOrgTickets, "")
	if err != nil || on != "true" {
		return 0, err
	}
	var org sql.NullInt64
	if err := db.queryRow(ctx, `SELECT organization_id FROM contacts WHERE id = ?`, contactID).Scan(&org); err != nil && !isNoRows(err) {
		return 0, err
	}
	return org.Int64, nil
}

// customerMaySee reports (as ENotFound) whether the contact may see a
// ticket: their own, or their organization's when that is allowed.
func (db *DB) customerMaySee(ctx context.Context, contactID int64, t *domain.Ticket) error {
	if t.RequesterID == contactID {
		return nil
	}
	org, err := db.sharedOrg(ctx, contactID)
	if err != nil {
		return err
	}
	if org != 0 && t.Requester != nil && t.Requester.OrganizationID != nil && *t.Requester.OrganizationID == org {
		return nil
	}
	return domain.NotFound("ticket")
}

// CustomerTickets lists every ticket the contact requested, on any channel,
// most recently updated first (with their organization's, when allowed:
// then the 200 most recent, on one page).
func (db *DB) CustomerTickets(ctx context.Context, contactID int64, cursor string) (*domain.TicketPage, error) {
	org, err := db.sharedOrg(ctx, contactID)
	if err != nil || org == 0 {
		if err != nil {
			return nil, err
		}
		return db.Tickets(ctx, domain.TicketFilter{RequesterID: contactID, Sort: domain.SortUpdated, Limit: 50, Cursor: cursor})
	}
	rows, err := db.query(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.requester_id = ?
		OR t.requester_id IN (SELECT id FROM contacts WHERE organization_id = ?) ORDER BY t.updated_at DESC, t.id DESC LIMIT 200`, contactID, org)
	if err != nil {
		return nil, err
	}
	page := &domain.TicketPage{}
	if page.Tickets, err = scanAll(rows, scanTicket); err != nil {
		return nil, err
	}
	return page, db.fillTickets(ctx, page.Tickets)
}

// CustomerTicket loads a ticket the contact requested, with the part of the
// timeline the customer may see: messages, calls, and status changes. Any
// other ticket is "not found", never "forbidden", so ids reveal nothing.
func (db *DB) CustomerTicket(ctx context.Context, contactID, ticketID int64) (*domain.Ticket, []domain.Attachment, error) {
	t, err := db.TicketWithTimeline(ctx, ticketID)
	if err != nil {
		return nil, nil, err
	}
	if err := db.customerMaySee(ctx, contactID, t); err != nil {
		return nil, nil, err
	}
	public := t.Timeline[:0]
	shown := map[int64]bool{}
	for _, e := range t.Timeline {
		if e.Public() || e.Kind == domain.EntryEvent && e.Event != nil && e.Event.Field == "status" {
			e.Meta = nil // channel internals (headers, delivery state) stay with agents
			public = append(public, e)
			shown[e.ID] = e.Public()
		}
	}
	t.Timeline = public
	all, err := db.Attachments(ctx, ticketID)
	if err != nil {
		return nil, nil, err
	}
	// Only files of entries the customer can see (never a note's).
	files := []domain.Attachment{}
	for _, a := range all {
		if a.EntryID != nil && shown[*a.EntryID] {
			files = append(files, a)
		}
	}
	return t, files, nil
}

// CreatePortalTicket opens a ticket from the portal form with its files,
// queues the acknowledgement email, and marks the visitor's article views
// as not having answered the question.
func (db *DB) CreatePortalTicket(ctx context.Context, n domain.NewTicket, files []domain.NewAttachment, visitor string) (*domain.Ticket, error) {
	n.Channel = domain.ChannelPortal
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := validateFiles(files); err != nil {
		return nil, err
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if id, err = tx.CreateTicket(ctx, n); err != nil {
			return err
		}
		var entryID int64
		if err := tx.queryRow(ctx, `SELECT MIN(id) FROM entries WHERE ticket_id = ?`, id).Scan(&entryID); err != nil {
			return err
		}
		if err := tx.addAttachments(ctx, id, entryID, files); err != nil {
			return err
		}
		if err := tx.enqueueAck(ctx, id, n.Subject); err != nil {
			return err
		}
		return tx.markDeflectionsFailed(ctx, visitor, id)
	})
	if err != nil {
		return nil, err
	}
	db.publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: id})
	return db.Ticket(ctx, id)
}

// CustomerReply adds the customer's message (and files) to their ticket; it
// reopens a solved ticket like any customer message does.
func (db *DB) CustomerReply(ctx context.Context, c *domain.Contact, ticketID int64, body string, files []domain.NewAttachment) (*domain.Entry, error) {
	n := domain.NewEntry{TicketID: ticketID, Kind: domain.EntryMessage, Channel: domain.ChannelPortal, Direction: domain.Inbound,
		Body: body, Actor: domain.Actor{ContactID: c.ID, Name: c.DisplayName()}}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := validateFiles(files); err != nil {
		return nil, err
	}
	t, err := db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if err := db.customerMaySee(ctx, c.ID, t); err != nil {
		return nil, err
	}
	var id int64
	var statusChanged bool
	err = db.Update(ctx, func(tx *Tx) error {
		var err error
		if id, statusChanged, err = tx.AddEntry(ctx, n); err != nil {
			return err
		}
		return tx.addAttachments(ctx, ticketID, id, files)
	})
	if err != nil {
		return nil, err
	}
	db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: ticketID, EntryID: id})
	if statusChanged {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: ticketID})
	}
	return db.Entry(ctx, id)
}

// CustomerSolve lets the requester mark their ticket solved.
func (db *DB) CustomerSolve(ctx context.Context, c *domain.Contact, ticketID int64) error {
	t, err := db.Ticket(ctx, ticketID)
	if err != nil {
		return err
	}
	if err := db.customerMaySee(ctx, c.ID, t); err != nil {
		return err
	}
	if t.Status.Resolved() {
		return nil
	}
	solved := domain.StatusSolved
	_, err = db.UpdateTicket(ctx, ticketID, domain.TicketUpdate{Status: &solved}, domain.Actor{ContactID: c.ID, Name: c.DisplayName()})
	return err
}

func validateFiles(files []domain.NewAttachment) error {
	v := domain.Validation{}
	v.Check(len(files) <= domain.MaxAttachments, "attachments", "at most 5 files")
	total := 0
	for i := range files {
		files[i].Normalize("attachments", v)
		total += len(files[i].Data)
	}
	v.Check(total <= domain.MaxAttachmentTotal, "attachments", "at most 20 MB in all")
	return v.Err()
}

func (tx *Tx) addAttachments(ctx context.Context, ticketID, entryID int64, files []domain.NewAttachment) error {
	now := ms(tx.db.Now())
	for _, f := range files {
		if _, err := tx.exec(ctx, `INSERT INTO attachments (ticket_id, entry_id, filename, content_type, size, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ticketID, nullID(&entryID), f.Filename, f.ContentType, len(f.Data), f.Data, now); err != nil {
			return err
		}
	}
	return nil
}

// Attachments lists a ticket's files (without their bytes), oldest first.
func (db *DB) Attachments(ctx context.Context, ticketID int64) ([]domain.Attachment, error) {
	rows, err := db.query(ctx, `SELECT id, ticket_id, entry_id, filename, content_type, size, created_at FROM attachments
		WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Attachment{}
	for rows.Next() {
		var a domain.Attachment
		var entry sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.TicketID, &entry, &a.Filename, &a.ContentType, &a.Size, &created); err != nil {
			return nil, err
		}
		a.EntryID, a.CreatedAt = idPtr(entry), fromMS(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentData loads one file with its bytes; the caller checks that the
// reader may see the ticket it belongs to.
func (db *DB) AttachmentData(ctx context.Context, id int64) (*domain.Attachment, []byte, error) {
	var a domain.Attachment
	var entry sql.NullInt64
	var created int64
	var data []byte
	err := db.queryRow(ctx, `SELECT id, ticket_id, entry_id, filename, content_type, size, created_at, data FROM attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.TicketID, &entry, &a.Filename, &a.ContentType, &a.Size, &created, &data)
	if isNoRows(err) {
		return nil, nil, domain.NotFound("attachment")
	}
	if err != nil {
		return nil, nil, err
	}
	a.EntryID, a.CreatedAt = idPtr(entry), fromMS(created)
	return &a, data, nil
}
