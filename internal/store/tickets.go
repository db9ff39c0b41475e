package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"andon/internal/domain"
)

const ticketCols = `t.id, t.subject, t.status, t.priority, t.channel, t.requester_id, t.assignee_id, t.team_id,
	t.preview, t.created_at, t.updated_at, t.first_response_at, t.solved_at, t.reopen_count,
	t.demand_type, t.failure_reason_id, t.problem_id`

func scanTicket(sc interface{ Scan(...any) error }) (*domain.Ticket, error) {
	t := &domain.Ticket{Tags: []string{}}
	var prio int
	var assignee, team, first, solved, reason, problem sql.NullInt64
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Subject, &t.Status, &prio, &t.Channel, &t.RequesterID, &assignee, &team,
		&t.Preview, &created, &updated, &first, &solved, &t.ReopenCount,
		&t.DemandType, &reason, &problem)
	if err != nil {
		return nil, err
	}
	t.FailureReasonID, t.ProblemID = idPtr(reason), idPtr(problem)
	t.Number = t.ID
	t.Priority = domain.PriorityFromRank(prio)
	t.AssigneeID, t.TeamID = idPtr(assignee), idPtr(team)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	t.FirstResponseAt, t.SolvedAt = fromNullMS(first), fromNullMS(solved)
	return t, nil
}

// CreateTicket opens a ticket with its first timeline entry, finding or
// creating the requester. One transaction.
func (db *DB) CreateTicket(ctx context.Context, n domain.NewTicket) (*domain.Ticket, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.CreateTicket(ctx, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	db.publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: id, UserID: n.AuthorUserID})
	return db.Ticket(ctx, id)
}

// CreateTicket is the in-transaction form, for channels that do more in the
// same transaction (e.g. store the raw email). n must be validated.
func (tx *Tx) CreateTicket(ctx context.Context, n domain.NewTicket) (int64, error) {
	now := tx.db.Now()
	requester := n.RequesterID
	if requester == 0 {
		var ids []domain.Identity
		if n.Requester.Email != "" {
			ids = append(ids, domain.Identity{Kind: domain.IdentityEmail, Value: n.Requester.Email})
		}
		if n.Requester.Phone != "" {
			ids = append(ids, domain.Identity{Kind: domain.IdentityPhone, Value: n.Requester.Phone})
		}
		var err error
		requester, err = tx.findOrCreateContact(ctx, n.Requester.Name, ids)
		if err != nil {
			return 0, err
		}
	} else {
		var one int
		if err := tx.queryRow(ctx, `SELECT 1 FROM contacts WHERE id = ?`, requester).Scan(&one); err != nil {
			if isNoRows(err) {
				return 0, &domain.Error{Code: domain.EInvalid, Message: "requester not found", Fields: map[string]string{"requester_id": "no such contact"}}
			}
			return 0, err
		}
	}
	if err := tx.checkRefs(ctx, n.AssigneeID, n.TeamID); err != nil {
		return 0, err
	}
	preview := domain.Preview(n.Body)
	id, err := tx.insert(ctx, `INSERT INTO tickets (subject, status, priority, channel, requester_id, assignee_id, team_id, preview, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.Subject, n.Status, n.Priority.Rank(), n.Channel, requester, nullID(n.AssigneeID), nullID(n.TeamID), preview, ms(now), ms(now))
	if err != nil {
		return 0, err
	}
	if err := tx.setTags(ctx, id, n.Tags); err != nil {
		return 0, err
	}
	if n.Call != nil {
		call := *n.Call
		meta := map[string]any{"call": call}
		var author *int64
		if n.AuthorUserID != 0 {
			author = &n.AuthorUserID
		}
		if _, err := tx.insertEntry(ctx, id, domain.EntryCall, domain.ChannelPhone, call.Direction, author, nil, n.Body, meta, now); err != nil {
			return 0, err
		}
	} else {
		meta := n.Meta
		if n.AuthorUserID != 0 {
			if meta == nil {
				meta = map[string]any{}
			}
			meta["entered_by_user_id"] = n.AuthorUserID
		}
		if _, err := tx.insertEntry(ctx, id, domain.EntryMessage, n.Channel, domain.Inbound, nil, &requester, n.Body, meta, now); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (tx *Tx) checkRefs(ctx context.Context, assignee, team *int64) error {
	v := domain.Validation{}
	if assignee != nil && *assignee != 0 {
		var active bool
		err := tx.queryRow(ctx, `SELECT active FROM users WHERE id = ?`, *assignee).Scan(&active)
		if isNoRows(err) {
			v.Add("assignee_id", "no such agent")
		} else if err != nil {
			return err
		} else if !active {
			v.Add("assignee_id", "agent is deactivated")
		}
	}
	if team != nil && *team != 0 {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM teams WHERE id = ?`, *team).Scan(&one)
		if isNoRows(err) {
			v.Add("team_id", "no such team")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

func (tx *Tx) setTags(ctx context.Context, ticketID int64, tags []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = ?`, ticketID); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := tx.exec(ctx, `INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, tag); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag_id) SELECT ?, id FROM tags WHERE name = ? ON CONFLICT DO NOTHING`, ticketID, tag); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) insertEntry(ctx context.Context, ticketID int64, kind domain.EntryKind, ch domain.Channel, dir domain.Direction,
	userID, contactID *int64, body string, meta map[string]any, at interface{ UnixMilli() int64 }) (int64, error) {
	metaJSON := "{}"
	if len(meta) > 0 {
		b, err := json.Marshal(meta)
		if err != nil {
			return 0, err
		}
		metaJSON = string(b)
	}
	return tx.insert(ctx, `INSERT INTO entries (ticket_id, kind, channel, direction, author_user_id, author_contact_id, body, meta, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ticketID, kind, ch, dir, nullID(userID), nullID(contactID), body, metaJSON, at.UnixMilli())
}

// Ticket loads a ticket with requester, assignee, team and tags (no timeline).
func (db *DB) Ticket(ctx context.Context, id int64) (*domain.Ticket, error) {
	t, err := scanTicket(db.queryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("ticket")
	}
	if err != nil {
		return nil, err
	}
	if err := db.fillTickets(ctx, []*domain.Ticket{t}); err != nil {
		return nil, err
	}
	return t, nil
}

// TicketWithTimeline loads a ticket and its whole timeline.
func (db *DB) TicketWithTimeline(ctx context.Context, id int64) (*domain.Ticket, error) {
	t, err := db.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	t.Timeline, err = db.Timeline(ctx, id)
	return t, err
}

// fillTickets loads requesters, assignees, teams and tags for a page of
// tickets with one query each.
func (db *DB) fillTickets(ctx context.Context, ts []*domain.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	var cids, uids, tids, ids []any
	cseen, useen, tseen := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	byID := make(map[int64]*domain.Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
		ids = append(ids, t.ID)
		if !cseen[t.RequesterID] {
			cseen[t.RequesterID] = true
			cids = append(cids, t.RequesterID)
		}
		if t.AssigneeID != nil && !useen[*t.AssigneeID] {
			useen[*t.AssigneeID] = true
			uids = append(uids, *t.AssigneeID)
		}
		if t.TeamID != nil && !tseen[*t.TeamID] {
			tseen[*t.TeamID] = true
			tids = append(tids, *t.TeamID)
		}
	}
	contactIDs := make([]int64, len(cids))
	for i, c := range cids {
		contactIDs[i] = c.(int64)
	}
	contacts, err := db.contactsByID(ctx, contactIDs)
	if err != nil {
		return err
	}
	users := map[int64]*domain.UserRef{}
	if len(uids) > 0 {
		rows, err := db.query(ctx, `SELECT id, name, email FROM users WHERE id IN (`+placeholders(len(uids))+`)`, uids...)
		if err != nil {
			return err
		}
		for rows.Next() {
			u := &domain.UserRef{}
			if err := rows.Scan(&u.ID, &u.Name, &u.Email); err != nil {
				rows.Close()
				return err
			}
			users[u.ID] = u
		}
		rows.Close()
	}
	teams := map[int64]*domain.TeamRef{}
	if len(tids) > 0 {
		rows, err := db.query(ctx, `SELECT id, name FROM teams WHERE id IN (`+placeholders(len(tids))+`)`, tids...)
		if err != nil {
			return err
		}
		for rows.Next() {
			t := &domain.TeamRef{}
			if err := rows.Scan(&t.ID, &t.Name); err != nil {
				rows.Close()
				return err
			}
			teams[t.ID] = t
		}
		rows.Close()
	}
	rows, err := db.query(ctx, `SELECT tt.ticket_id, g.name FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id
		WHERE tt.ticket_id IN (`+placeholders(len(ids))+`) ORDER BY g.name`, ids...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var tid int64
		var name string
		if err := rows.Scan(&tid, &name); err != nil {
			rows.Close()
			return err
		}
		if t := byID[tid]; t != nil {
			t.Tags = append(t.Tags, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range ts {
		t.Requester = contacts[t.RequesterID]
		if t.AssigneeID != nil {
			t.Assignee = users[*t.AssigneeID]
		}
		if t.TeamID != nil {
			t.Team = teams[*t.TeamID]
		}
	}
	return nil
}

// Timeline returns every entry of a ticket, oldest first.
func (db *DB) Timeline(ctx context.Context, ticketID int64) ([]domain.Entry, error) {
	rows, err := db.query(ctx, `SELECT e.id, e.ticket_id, e.kind, e.channel, e.direction, e.author_user_id, e.author_contact_id,
		COALESCE(u.name, c.name, ''), e.body, e.meta, e.created_at
		FROM entries e LEFT JOIN users u ON u.id = e.author_user_id LEFT JOIN contacts c ON c.id = e.author_contact_id
		WHERE e.ticket_id = ? ORDER BY e.id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// Entry loads one timeline entry.
func (db *DB) Entry(ctx context.Context, id int64) (*domain.Entry, error) {
	e, err := scanEntry(db.queryRow(ctx, `SELECT e.id, e.ticket_id, e.kind, e.channel, e.direction, e.author_user_id, e.author_contact_id,
		COALESCE(u.name, c.name, ''), e.body, e.meta, e.created_at
		FROM entries e LEFT JOIN users u ON u.id = e.author_user_id LEFT JOIN contacts c ON c.id = e.author_contact_id
		WHERE e.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("entry")
	}
	return e, err
}

func scanEntry(sc interface{ Scan(...any) error }) (*domain.Entry, error) {
	e := &domain.Entry{}
	var uid, cid sql.NullInt64
	var meta string
	var created int64
	if err := sc.Scan(&e.ID, &e.TicketID, &e.Kind, &e.Channel, &e.Direction, &uid, &cid, &e.AuthorName, &e.Body, &meta, &created); err != nil {
		return nil, err
	}
	e.AuthorUserID, e.AuthorContactID = idPtr(uid), idPtr(cid)
	e.CreatedAt = fromMS(created)
	if meta != "" && meta != "{}" {
		if err := json.Unmarshal([]byte(meta), &e.Meta); err != nil {
			return nil, fmt.Errorf("entry %d meta: %w", e.ID, err)
		}
		switch e.Kind {
		case domain.EntryCall:
			if c, ok := e.Meta["call"]; ok {
				b, _ := json.Marshal(c)
				e.Call = &domain.CallInfo{}
				_ = json.Unmarshal(b, e.Call)
				delete(e.Meta, "call")
			}
		case domain.EntryEvent:
			e.Event = &domain.Event{}
			e.Event.Field, _ = e.Meta["field"].(string)
			e.Event.From, _ = e.Meta["from"].(string)
			e.Event.To, _ = e.Meta["to"].(string)
			e.Meta = nil
		}
		if len(e.Meta) == 0 {
			e.Meta = nil
		}
	}
	return e, nil
}

// idList formats ids for logs.
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// TicketChannel returns the channel a ticket came in through (a primary-key
// read, for labelling metrics).
func (db *DB) TicketChannel(ctx context.Context, id int64) (domain.Channel, error) {
	var c domain.Channel
	err := db.queryRow(ctx, `SELECT channel FROM tickets WHERE id = ?`, id).Scan(&c)
	if err == sql.ErrNoRows {
		return "", domain.NotFound("ticket")
	}
	return c, err
}
