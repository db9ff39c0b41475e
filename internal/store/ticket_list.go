package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"andon/internal/domain"
)

// clampLimit keeps page sizes sane.
func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 200:
		return 200
	}
	return n
}

// cursor is the keyset position after the last row of a page.
type cursor struct {
	Sort     domain.TicketSort `json:"s"`
	Priority int               `json:"p,omitempty"`
	Updated  int64             `json:"u,omitempty"`
	ID       int64             `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sort domain.TicketSort) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Sort != sort || c.ID <= 0 {
		return c, &domain.Error{Code: domain.EInvalid, Message: "invalid cursor", Fields: map[string]string{"cursor": "invalid or from another sort order"}}
	}
	return c, nil
}

// Tickets lists tickets with keyset paging. Each status is read from its own
// index range and merged, so lists stay fast however many tickets exist.
func (db *DB) Tickets(ctx context.Context, f domain.TicketFilter) (*domain.TicketPage, error) {
	if f.Sort == "" {
		f.Sort = domain.SortUpdated
	}
	if !f.Sort.Valid() {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "invalid sort", Fields: map[string]string{"sort": "must be updated, priority, oldest or newest"}}
	}
	limit := clampLimit(f.Limit)
	var cur cursor
	if f.Cursor != "" {
		var err error
		if cur, err = decodeCursor(f.Cursor, f.Sort); err != nil {
			return nil, err
		}
	}
	order, keyset, keyArgs := ticketOrder(f.Sort, cur)
	where, args, rareTag, err := db.ticketConditions(ctx, f)
	if err != nil {
		return nil, err
	}
	if where == nil {
		return &domain.TicketPage{Tickets: []*domain.Ticket{}}, nil
	}
	if f.Cursor != "" {
		where = append(where, keyset)
		args = append(args, keyArgs...)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []domain.Status{""}
		// Only the plain newest/updated lists have an index of their own;
		// every other list is read per status from a (filter, status, sort)
		// index and merged, so none sorts all matching rows.
		// A rare tag's few tickets are read and sorted at once instead.
		if !rareTag && (len(where) > 0 || f.Sort == domain.SortPriority) {
			statuses = domain.Statuses
		}
	}
	keys, all := ticketKeysQuery(f.Sort, order, statuses, where, args, limit)
	q := `SELECT ` + ticketCols + ` FROM tickets t JOIN (` + keys + `) k ON k.id = t.id ORDER BY ` + prefixed(order, "t.")
	rows, err := db.query(ctx, q, all...)
	if err != nil {
		return nil, err
	}
	page := &domain.TicketPage{}
	if page.Tickets, err = scanAll(rows, scanTicket); err != nil {
		return nil, err
	}
	if len(page.Tickets) > limit {
		page.Tickets = page.Tickets[:limit]
		last := page.Tickets[limit-1]
		page.NextCursor = encodeCursor(cursor{Sort: f.Sort, Priority: last.Priority.Rank(), Updated: ms(last.UpdatedAt), ID: last.ID})
	}
	if err := db.fillTickets(ctx, page.Tickets); err != nil {
		return nil, err
	}
	return page, nil
}

// ticketOrder is a sort's ORDER BY and the keyset condition after cur.
func ticketOrder(sort domain.TicketSort, cur cursor) (order, keyset string, keyArgs []any) {
	switch sort {
	case domain.SortUpdated:
		return "updated_at DESC, id DESC", "(t.updated_at, t.id) < (?, ?)", []any{cur.Updated, cur.ID}
	case domain.SortPriority:
		return "priority DESC, updated_at DESC, id DESC", "(t.priority, t.updated_at, t.id) < (?, ?, ?)", []any{cur.Priority, cur.Updated, cur.ID}
	case domain.SortNewest:
		return "id DESC", "t.id < ?", []any{cur.ID}
	}
	return "id ASC", "t.id > ?", []any{cur.ID} // SortOldest
}

// ticketConditions turns the filter into WHERE conditions and their
// arguments. where is nil when no ticket can match (an unknown tag); rareTag
// says the tag condition reads the tag's few tickets first.
func (db *DB) ticketConditions(ctx context.Context, f domain.TicketFilter) (where []string, args []any, rareTag bool, err error) {
	where = []string{} // nil means nothing can match
	if f.AssigneeID != nil {
		if *f.AssigneeID == 0 {
			where = append(where, "t.assignee_id IS NULL")
		} else {
			where = append(where, "t.assignee_id = ?")
			args = append(args, *f.AssigneeID)
		}
	}
	if f.TeamID != nil {
		if *f.TeamID == 0 {
			where = append(where, "t.team_id IS NULL")
		} else {
			where = append(where, "t.team_id = ?")
			args = append(args, *f.TeamID)
		}
	}
	if f.Channel != "" {
		where = append(where, "t.channel = ?")
		args = append(args, f.Channel)
	}
	if f.RequesterID != 0 {
		where = append(where, "t.requester_id = ?")
		args = append(args, f.RequesterID)
	}
	if f.Tag != "" {
		cond, tagID, err := db.tagCondition(ctx, f.Tag)
		if err != nil {
			return nil, nil, false, err
		}
		if tagID == 0 {
			return nil, nil, false, nil
		}
		where = append(where, cond)
		args = append(args, tagID)
		rareTag = cond == tagInList
	}
	return where, args, rareTag, nil
}

// ticketKeysQuery selects the ids (and sort keys) of one page: one index
// range per status, merged.
func ticketKeysQuery(sort domain.TicketSort, order string, statuses []domain.Status, where []string, args []any, limit int) (string, []any) {
	keyCols := "t.id"
	switch sort {
	case domain.SortUpdated:
		keyCols = "t.id, t.updated_at"
	case domain.SortPriority:
		keyCols = "t.id, t.priority, t.updated_at"
	}
	var parts []string
	var all []any
	for i, st := range statuses {
		w := append([]string{}, where...)
		a := append([]any{}, args...)
		if st != "" {
			w = append([]string{"t.status = ?"}, w...)
			a = append([]any{st}, a...)
		}
		cond := ""
		if len(w) > 0 {
			cond = " WHERE " + strings.Join(w, " AND ")
		}
		// Only the sort keys here: the (filter, status, sort) indexes cover
		// them, so both engines walk those instead of a global order plus a
		// filter (PostgreSQL misjudges that when recent tickets are open).
		parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT %s FROM tickets t%s ORDER BY %s LIMIT ?) s%d`,
			keyCols, cond, prefixed(order, "t."), i))
		all = append(all, a...)
		all = append(all, limit+1)
	}
	keys := parts[0]
	if len(parts) > 1 {
		keys = `SELECT * FROM (` + strings.Join(parts, " UNION ALL ") + `) u ORDER BY ` + order + ` LIMIT ?`
		all = append(all, limit+1)
	}
	return keys, all
}

// tagListThreshold is where a tag counts as common, see tagCondition.
const tagListThreshold = 2000

// tagCondition picks how a list filters by tag, so that neither a rare nor a
// common tag makes the list read every ticket: the tickets of a rare tag are
// read as an id list, while a common tag is checked row by row along the
// list's ordered index (a match is never far). It returns tag id 0 when no
// ticket has the tag.
func (db *DB) tagCondition(ctx context.Context, tag string) (string, int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM tags WHERE name = ?`, strings.ToLower(strings.TrimSpace(tag))).Scan(&id)
	if isNoRows(err) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM ticket_tags WHERE tag_id = ? LIMIT ?) x`, id, tagListThreshold).Scan(&n); err != nil {
		return "", 0, err
	}
	if n < tagListThreshold {
		return tagInList, id, nil
	}
	return tagExists, id, nil
}

const (
	tagInList = "t.id IN (SELECT tt.ticket_id FROM ticket_tags tt WHERE tt.tag_id = ?)"
	tagExists = "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag_id = ?)"
)

// prefixed qualifies each ORDER BY column with p.
func prefixed(order, p string) string {
	cols := strings.Split(order, ", ")
	for i, c := range cols {
		cols[i] = p + c
	}
	return strings.Join(cols, ", ")
}

// CountTickets counts tickets by status for the inbox badges, using the
// status index. It never scans all tickets when a status is given.
func (db *DB) CountTickets(ctx context.Context, status domain.Status, assigneeID *int64) (int, error) {
	q := `SELECT COUNT(*) FROM tickets WHERE status = ?`
	args := []any{status}
	if assigneeID != nil {
		q += ` AND assignee_id = ?`
		args = append(args, *assigneeID)
	}
	var n int
	err := db.queryRow(ctx, q, args...).Scan(&n)
	return n, err
}
