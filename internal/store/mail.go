package store

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"time"

	"andon/internal/domain"
)

// Mailboxes, inbound raw mail, failed mail and thread ids. Passwords arrive
// and leave sealed: the mail package holds the key, the store never sees
// plaintext secrets.

const mailboxCols = `id, address, display_name, team_id, is_default, imap_host, imap_port, imap_user, imap_password,
	imap_tls, imap_folder, smtp_host, smtp_port, smtp_user, smtp_password, smtp_tls, uid_validity, last_uid, created_at, updated_at`

func scanMailbox(sc interface{ Scan(...any) error }) (*domain.Mailbox, error) {
	m := &domain.Mailbox{}
	var team sql.NullInt64
	var validity, last, created, updated int64
	err := sc.Scan(&m.ID, &m.Address, &m.DisplayName, &team, &m.IsDefault, &m.IMAPHost, &m.IMAPPort, &m.IMAPUser, &m.IMAPPassword,
		&m.IMAPTLS, &m.IMAPFolder, &m.SMTPHost, &m.SMTPPort, &m.SMTPUser, &m.SMTPPassword, &m.SMTPTLS, &validity, &last, &created, &updated)
	if err != nil {
		return nil, err
	}
	m.TeamID = idPtr(team)
	m.UIDValidity, m.LastUID = uint32(validity), uint32(last)
	m.IMAPPasswordSet, m.SMTPPasswordSet = m.IMAPPassword != "", m.SMTPPassword != ""
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return m, nil
}

// Mailboxes lists every mailbox, default first.
func (db *DB) Mailboxes(ctx context.Context) ([]*domain.Mailbox, error) {
	rows, err := db.query(ctx, `SELECT `+mailboxCols+` FROM mailboxes ORDER BY is_default DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Mailbox
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Mailbox loads one mailbox.
func (db *DB) Mailbox(ctx context.Context, id int64) (*domain.Mailbox, error) {
	m, err := scanMailbox(db.queryRow(ctx, `SELECT `+mailboxCols+` FROM mailboxes WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("mailbox")
	}
	return m, err
}

// MailboxByAddress finds the mailbox for an address (lowercased).
func (db *DB) MailboxByAddress(ctx context.Context, addr string) (*domain.Mailbox, error) {
	m, err := scanMailbox(db.queryRow(ctx, `SELECT `+mailboxCols+` FROM mailboxes WHERE address = ?`, strings.ToLower(addr)))
	if isNoRows(err) {
		return nil, domain.NotFound("mailbox")
	}
	return m, err
}

// DefaultMailbox is the mailbox flagged default, else the oldest.
func (db *DB) DefaultMailbox(ctx context.Context) (*domain.Mailbox, error) {
	m, err := scanMailbox(db.queryRow(ctx, `SELECT `+mailboxCols+` FROM mailboxes ORDER BY is_default DESC, id LIMIT 1`))
	if isNoRows(err) {
		return nil, domain.NotFound("mailbox")
	}
	return m, err
}

// EnsureDefaultMailbox creates a default mailbox with addr when there is
// none, so a fresh install never loses mail.
func (db *DB) EnsureDefaultMailbox(ctx context.Context, addr, name string) (*domain.Mailbox, error) {
	err := db.Update(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM mailboxes`).Scan(&n); err != nil || n > 0 {
			return err
		}
		now := ms(db.Now())
		_, err := tx.exec(ctx, `INSERT INTO mailboxes (address, display_name, is_default, created_at, updated_at) VALUES (?, ?, TRUE, ?, ?)`,
			strings.ToLower(addr), name, now, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.DefaultMailbox(ctx)
}

// SaveMailbox inserts (ID 0) or updates a mailbox; passwords must be sealed.
func (db *DB) SaveMailbox(ctx context.Context, m *domain.Mailbox) (*domain.Mailbox, error) {
	id := m.ID
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.checkRefs(ctx, nil, m.TeamID); err != nil {
			return err
		}
		now := ms(db.Now())
		if m.IsDefault {
			if _, err := tx.exec(ctx, `UPDATE mailboxes SET is_default = FALSE WHERE id <> ?`, m.ID); err != nil {
				return err
			}
		}
		args := []any{m.Address, m.DisplayName, nullID(m.TeamID), m.IsDefault, m.IMAPHost, m.IMAPPort, m.IMAPUser, m.IMAPPassword,
			m.IMAPTLS, m.IMAPFolder, m.SMTPHost, m.SMTPPort, m.SMTPUser, m.SMTPPassword, m.SMTPTLS, now}
		var err error
		if id == 0 {
			id, err = tx.insert(ctx, `INSERT INTO mailboxes (address, display_name, team_id, is_default, imap_host, imap_port, imap_user, imap_password,
				imap_tls, imap_folder, smtp_host, smtp_port, smtp_user, smtp_password, smtp_tls, updated_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, now)...)
		} else {
			var res sql.Result
			res, err = tx.exec(ctx, `UPDATE mailboxes SET address = ?, display_name = ?, team_id = ?, is_default = ?, imap_host = ?, imap_port = ?,
				imap_user = ?, imap_password = ?, imap_tls = ?, imap_folder = ?, smtp_host = ?, smtp_port = ?, smtp_user = ?, smtp_password = ?,
				smtp_tls = ?, updated_at = ? WHERE id = ?`, append(args, id)...)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return domain.NotFound("mailbox")
				}
			}
		}
		if isUniqueViolation(err) {
			return &domain.Error{Code: domain.EConflict, Message: "a mailbox with this address exists", Fields: map[string]string{"address": "already used"}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.Mailbox(ctx, id)
}

// DeleteMailbox removes a mailbox; its mail and tickets stay.
func (db *DB) DeleteMailbox(ctx context.Context, id int64) error {
	return db.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM mailboxes WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("mailbox")
		}
		return nil
	})
}

// SetMailboxUIDs records how far the IMAP poller got. Called only after the
// messages up to lastUID are committed.
func (db *DB) SetMailboxUIDs(ctx context.Context, id int64, validity, lastUID uint32) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE mailboxes SET uid_validity = ?, last_uid = ? WHERE id = ?`, int64(validity), int64(lastUID), id)
		return err
	})
}

// InboundMail is a raw message accepted for a ticket entry.
type InboundMail struct {
	MailboxID *int64
	MessageID string
	TicketID  int64
	EntryID   int64
	Source    string
	Raw       []byte
}

// MailSeen reports the ticket of an already stored Message-ID (dedupe).
func (tx *Tx) MailSeen(ctx context.Context, messageID string) (ticketID int64, seen bool, err error) {
	var t sql.NullInt64
	err = tx.queryRow(ctx, `SELECT ticket_id FROM mail_messages WHERE message_id = ?`, messageID).Scan(&t)
	if isNoRows(err) {
		return 0, false, nil
	}
	return t.Int64, err == nil, err
}

// InsertInboundMail stores the raw message; a duplicate Message-ID is EConflict.
func (tx *Tx) InsertInboundMail(ctx context.Context, m InboundMail) error {
	_, err := tx.exec(ctx, `INSERT INTO mail_messages (mailbox_id, message_id, ticket_id, entry_id, source, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(m.MailboxID), m.MessageID, nullID(&m.TicketID), nullID(&m.EntryID), m.Source, m.Raw, ms(tx.db.Now()))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "message already stored")
	}
	return err
}

// AddThreadID links a Message-ID to a ticket for threading.
func (tx *Tx) AddThreadID(ctx context.Context, messageID string, ticketID, entryID int64, dir domain.Direction) error {
	_, err := tx.exec(ctx, `INSERT INTO mail_threads (message_id, ticket_id, entry_id, direction, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (message_id) DO NOTHING`, messageID, ticketID, nullID(&entryID), dir, ms(tx.db.Now()))
	return err
}

// TicketByMessageIDs returns the ticket owning the latest of ids, our own
// outgoing ones or earlier inbound ones.
func (tx *Tx) TicketByMessageIDs(ctx context.Context, ids []string) (int64, bool, error) {
	if len(ids) == 0 {
		return 0, false, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var t int64
	err := tx.queryRow(ctx, `SELECT ticket_id FROM mail_threads WHERE message_id IN (`+placeholders(len(ids))+`)
		ORDER BY created_at DESC, ticket_id DESC LIMIT 1`, args...).Scan(&t)
	if isNoRows(err) {
		return 0, false, nil
	}
	return t, err == nil, err
}

// TicketExists reports whether a ticket number exists.
func (tx *Tx) TicketExists(ctx context.Context, id int64) (bool, error) {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM tickets WHERE id = ?`, id).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// TicketStatus returns a ticket's current status.
func (tx *Tx) TicketStatus(ctx context.Context, id int64) (domain.Status, error) {
	var st string
	err := tx.queryRow(ctx, `SELECT status FROM tickets WHERE id = ?`, id).Scan(&st)
	if isNoRows(err) {
		return "", domain.NotFound("ticket")
	}
	return domain.Status(st), err
}

// TicketRequesterEmail returns whether the email belongs to the ticket's requester.
func (tx *Tx) TicketRequesterEmail(ctx context.Context, ticketID int64) (string, error) {
	var e string
	err := tx.queryRow(ctx, `SELECT i.value FROM tickets t JOIN identities i ON i.contact_id = t.requester_id AND i.kind = 'email'
		WHERE t.id = ? ORDER BY i.id LIMIT 1`, ticketID).Scan(&e)
	if isNoRows(err) {
		return "", nil
	}
	return e, err
}

// FindOrCreateContact is the in-transaction form: any matching identity wins.
func (tx *Tx) FindOrCreateContact(ctx context.Context, name string, ids ...domain.Identity) (int64, error) {
	return tx.findOrCreateContact(ctx, name, ids)
}

// Setting reads a setting inside the transaction.
func (tx *Tx) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if isNoRows(err) {
		return def, nil
	}
	return v, err
}

// Publish queues a change for after commit (callers publish themselves).
func (db *DB) Publish(c domain.Change) { db.publish(c) }

// AddFailedMail keeps a message that could not be ingested.
func (db *DB) AddFailedMail(ctx context.Context, mailboxID *int64, source string, raw []byte, reason string) (int64, error) {
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO mail_failed (mailbox_id, source, raw, error, subject, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			nullID(mailboxID), source, raw, reason, domain.RawSubject(raw), ms(db.Now()))
		return err
	})
	return id, err
}

const failedCols = `id, mailbox_id, source, raw, error, subject, created_at, retried_at, resolved_at`

func scanFailed(sc interface{ Scan(...any) error }) (*domain.FailedMail, error) {
	f := &domain.FailedMail{}
	var mb, retried, resolved sql.NullInt64
	var created int64
	if err := sc.Scan(&f.ID, &mb, &f.Source, &f.Raw, &f.Error, &f.Subject, &created, &retried, &resolved); err != nil {
		return nil, err
	}
	f.MailboxID, f.Size = idPtr(mb), len(f.Raw)
	if f.Subject == "" && len(f.Raw) > 0 {
		f.Subject = domain.RawSubject(f.Raw) // kept before subjects were stored
	}
	f.CreatedAt, f.RetriedAt, f.ResolvedAt = fromMS(created), fromNullMS(retried), fromNullMS(resolved)
	return f, nil
}

// FailedMails lists unresolved failed mail, newest first, with raw bytes.
// Prefer FailedMailPage for lists.
func (db *DB) FailedMails(ctx context.Context, limit int) ([]*domain.FailedMail, error) {
	rows, err := db.query(ctx, `SELECT `+failedCols+` FROM mail_failed WHERE resolved_at IS NULL ORDER BY id DESC LIMIT ?`, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.FailedMail{}
	for rows.Next() {
		f, err := scanFailed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FailedMailPage lists unresolved failed mail newest first, keyset-paged:
// ids below before (0: from the newest), at most limit rows, without the
// raw bytes (Size is set). The next page starts before the last id.
func (db *DB) FailedMailPage(ctx context.Context, before int64, limit int) ([]*domain.FailedMail, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := db.query(ctx, `SELECT id, mailbox_id, source, error, subject, created_at, retried_at, resolved_at, LENGTH(raw)
		FROM mail_failed WHERE resolved_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?`, before, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.FailedMail{}
	for rows.Next() {
		f := &domain.FailedMail{}
		var mb, retried, resolved sql.NullInt64
		var created int64
		if err := rows.Scan(&f.ID, &mb, &f.Source, &f.Error, &f.Subject, &created, &retried, &resolved, &f.Size); err != nil {
			return nil, err
		}
		f.MailboxID = idPtr(mb)
		f.CreatedAt, f.RetriedAt, f.ResolvedAt = fromMS(created), fromNullMS(retried), fromNullMS(resolved)
		out = append(out, f)
	}
	return out, rows.Err()
}

// CountFailedMail counts unresolved failed mail.
func (db *DB) CountFailedMail(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM mail_failed WHERE resolved_at IS NULL`).Scan(&n)
	return n, err
}

// FailedMail loads one failed message with its raw bytes.
func (db *DB) FailedMail(ctx context.Context, id int64) (*domain.FailedMail, error) {
	f, err := scanFailed(db.queryRow(ctx, `SELECT `+failedCols+` FROM mail_failed WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("failed mail")
	}
	return f, err
}

// MarkFailedMailRetried records a retry: resolved when it succeeded, else
// the new error.
func (db *DB) MarkFailedMailRetried(ctx context.Context, id int64, resolved bool, reason string) error {
	return db.Update(ctx, func(tx *Tx) error {
		now := ms(db.Now())
		if resolved {
			_, err := tx.exec(ctx, `UPDATE mail_failed SET retried_at = ?, resolved_at = ? WHERE id = ?`, now, now, id)
			return err
		}
		_, err := tx.exec(ctx, `UPDATE mail_failed SET retried_at = ?, error = ? WHERE id = ?`, now, reason, id)
		return err
	})
}

// InboundMailRaw returns the stored original of an entry's email.
func (db *DB) InboundMailRaw(ctx context.Context, entryID int64) ([]byte, error) {
	var raw []byte
	err := db.queryRow(ctx, `SELECT raw FROM mail_messages WHERE entry_id = ?`, entryID).Scan(&raw)
	if isNoRows(err) {
		return nil, domain.NotFound("original message")
	}
	return raw, err
}

// CountInboundMail counts stored inbound messages (tests, metrics).
func (db *DB) CountInboundMail(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM mail_messages`).Scan(&n)
	return n, err
}

func splitAddrs(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// FirstEntryID is the id of a ticket's first timeline entry.
func (tx *Tx) FirstEntryID(ctx context.Context, ticketID int64) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM entries WHERE ticket_id = ? ORDER BY id LIMIT 1`, ticketID).Scan(&id)
	return id, err
}

// TicketAssigneeEmail is the assigned agent's address, or "".
func (tx *Tx) TicketAssigneeEmail(ctx context.Context, ticketID int64) (string, error) {
	var e string
	err := tx.queryRow(ctx, `SELECT u.email FROM tickets t JOIN users u ON u.id = t.assignee_id AND u.active WHERE t.id = ?`, ticketID).Scan(&e)
	if isNoRows(err) {
		return "", nil
	}
	return e, err
}

// Now is the store clock.
func (tx *Tx) Now() time.Time { return tx.db.Now() }
