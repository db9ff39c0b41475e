package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"andon/internal/domain"
)

// SeedContact is a pre-built customer row for bulk loading.
type SeedContact struct {
	ID             int64 // filled in by SeedBatch
	Name           string
	OrganizationID int64 // 0 for none
	Identities     []domain.Identity
	CreatedAt      int64 // unix ms
}

// SeedTicket is a pre-built ticket with its timeline and tags. Times are unix
// milliseconds; 0 means NULL for the optional ones.
type SeedTicket struct {
	// RequesterID is an existing contact id, or -(i+1) for Contacts[i] of the
	// same batch (whose ids are only known once inserted).
	RequesterID     int64
	Subject         string
	Status          domain.Status
	Priority        int
	Channel         domain.Channel
	AssigneeID      int64 // 0 for none
	TeamID          int64 // 0 for none
	Preview         string
	CreatedAt       int64
	UpdatedAt       int64
	FirstResponseAt int64
	SolvedAt        int64
	ReopenCount     int
	TagIDs          []int64
	Entries         []SeedEntry
}

// SeedEntry is one pre-built timeline entry.
type SeedEntry struct {
	Kind            domain.EntryKind
	Channel         domain.Channel
	Direction       domain.Direction
	AuthorUserID    int64 // 0 for none
	AuthorContactID int64 // 0 for none; -(i+1) for Contacts[i] of the batch
	Body            string
	Meta            string // JSON; "" for {}
	CreatedAt       int64
}

// SeedBatch is what SeedBatch inserts in one transaction.
type SeedBatch struct {
	Contacts []SeedContact
	Tickets  []SeedTicket
}

// EnsureTags creates the named tags when missing and returns their ids.
func (db *DB) EnsureTags(ctx context.Context, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	err := db.Update(ctx, func(tx *Tx) error {
		for _, n := range names {
			if _, err := tx.exec(ctx, `INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, n); err != nil {
				return err
			}
			var id int64
			if err := tx.queryRow(ctx, `SELECT id FROM tags WHERE name = ?`, n).Scan(&id); err != nil {
				return err
			}
			out[n] = id
		}
		return nil
	})
	return out, err
}

// EnsureOrganizations creates the named organizations when missing and
// returns their ids.
func (db *DB) EnsureOrganizations(ctx context.Context, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	err := db.Update(ctx, func(tx *Tx) error {
		for _, n := range names {
			id, err := tx.orgID(ctx, n)
			if err != nil {
				return err
			}
			out[n] = id
		}
		return nil
	})
	return out, err
}

// SeedBatch bulk-inserts pre-built contacts and tickets in one transaction,
// with multi-row INSERTs through prepared statements. It bypasses validation
// and change notifications: it exists for load tests (andon seed). Ids are
// allocated inside the transaction, so concurrent writers stay safe, and
// tickets get ids in slice order. Full-text search is kept up to date by the
// SQLite triggers and the PostgreSQL generated columns.
func (db *DB) SeedBatch(ctx context.Context, b *SeedBatch) error {
	return db.Update(ctx, func(tx *Tx) error {
		bi := &bulkInserter{tx: tx, stmts: map[string]*sql.Stmt{}}
		defer bi.close()
		contactIDs, err := tx.allocIDs(ctx, "contacts", len(b.Contacts))
		if err != nil {
			return err
		}
		var contacts, identities [][]any
		for i := range b.Contacts {
			c := &b.Contacts[i]
			c.ID = contactIDs[i]
			contacts = append(contacts, []any{c.ID, c.Name, nullInt(c.OrganizationID), c.CreatedAt, c.CreatedAt})
			for _, id := range c.Identities {
				identities = append(identities, []any{c.ID, id.Kind, id.Value, c.CreatedAt})
			}
		}
		if err := bi.insert(ctx, "contacts", []string{"id", "name", "organization_id", "created_at", "updated_at"}, contacts); err != nil {
			return err
		}
		if err := bi.insert(ctx, "identities", []string{"contact_id", "kind", "value", "created_at"}, identities,
			"ON CONFLICT (kind, value) DO NOTHING"); err != nil { // a clash leaves the address with its first owner
			return err
		}
		ticketIDs, err := tx.allocIDs(ctx, "tickets", len(b.Tickets))
		if err != nil {
			return err
		}
		contact := func(ref int64) (int64, error) {
			if ref >= 0 {
				return ref, nil
			}
			i := int(-ref - 1)
			if i >= len(b.Contacts) {
				return 0, fmt.Errorf("seed: contact ref %d out of range", ref)
			}
			return b.Contacts[i].ID, nil
		}
		var tickets, tags, entries [][]any
		for i := range b.Tickets {
			t := &b.Tickets[i]
			id := ticketIDs[i]
			req, err := contact(t.RequesterID)
			if err != nil {
				return err
			}
			tickets = append(tickets, []any{id, t.Subject, t.Status, t.Priority, t.Channel, req, nullInt(t.AssigneeID), nullInt(t.TeamID),
				t.Preview, t.CreatedAt, t.UpdatedAt, nullInt(t.FirstResponseAt), nullInt(t.SolvedAt), t.ReopenCount})
			for _, g := range t.TagIDs {
				tags = append(tags, []any{id, g})
			}
			for _, e := range t.Entries {
				var author int64
				if e.AuthorContactID != 0 {
					if author, err = contact(e.AuthorContactID); err != nil {
						return err
					}
				}
				meta := e.Meta
				if meta == "" {
					meta = "{}"
				}
				entries = append(entries, []any{id, e.Kind, e.Channel, e.Direction, nullInt(e.AuthorUserID), nullInt(author), e.Body, meta, e.CreatedAt})
			}
		}
		if err := bi.insert(ctx, "tickets", []string{"id", "subject", "status", "priority", "channel", "requester_id", "assignee_id", "team_id",
			"preview", "created_at", "updated_at", "first_response_at", "solved_at", "reopen_count"}, tickets); err != nil {
			return err
		}
		if err := bi.insert(ctx, "ticket_tags", []string{"ticket_id", "tag_id"}, tags); err != nil {
			return err
		}
		return bi.insert(ctx, "entries", []string{"ticket_id", "kind", "channel", "direction", "author_user_id", "author_contact_id",
			"body", "meta", "created_at"}, entries)
	})
}

// allocIDs reserves n ids for table inside the transaction. On SQLite the
// transaction holds the write lock, so max+1... is safe; AUTOINCREMENT tables
// also consult sqlite_sequence. On PostgreSQL the ids come from the sequence.
func (tx *Tx) allocIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if tx.db.Engine == Postgres {
		rows, err := tx.query(ctx, `SELECT nextval('`+table+`_id_seq') FROM generate_series(1, ?::int)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var last int64
	q := `SELECT COALESCE(MAX(id), 0) FROM ` + table
	if table == "tickets" {
		q = `SELECT MAX(COALESCE((SELECT MAX(id) FROM tickets), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0))`
	}
	if err := tx.queryRow(ctx, q).Scan(&last); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, last+int64(i))
	}
	return ids, nil
}

// bulkInserter writes rows with multi-row INSERT statements, preparing each
// statement shape once per transaction.
type bulkInserter struct {
	tx    *Tx
	stmts map[string]*sql.Stmt
}

// maxBulkParams stays under SQLite's 32766 and PostgreSQL's 65535 limits.
const maxBulkParams = 30000

func (b *bulkInserter) insert(ctx context.Context, table string, cols []string, rows [][]any, suffix ...string) error {
	per := maxBulkParams / len(cols)
	if per > 500 {
		per = 500
	}
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		args = args[:0]
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		st, err := b.stmt(ctx, table, cols, end-start, strings.Join(suffix, " "))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
	}
	return nil
}

func (b *bulkInserter) stmt(ctx context.Context, table string, cols []string, n int, suffix string) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", table, n)
	if st := b.stmts[key]; st != nil {
		return st, nil
	}
	row := "(" + placeholders(len(cols)) + ")"
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	q.WriteString(" " + suffix)
	st, err := b.tx.tx.PrepareContext(ctx, b.tx.db.rebind(q.String()))
	if err != nil {
		return nil, err
	}
	b.stmts[key] = st
	return st, nil
}

func (b *bulkInserter) close() {
	for _, st := range b.stmts {
		st.Close()
	}
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// AnalyzeAfterBulkLoad refreshes PostgreSQL's planner statistics after a
// bulk load (autovacuum would, but only later). SQLite plans ticket lists
// from the index shapes alone and needs nothing.
func (db *DB) AnalyzeAfterBulkLoad(ctx context.Context) error {
	if db.Engine != Postgres {
		return nil
	}
	_, err := db.w.ExecContext(ctx, `ANALYZE tickets, entries, ticket_tags, contacts, identities`)
	return err
}
