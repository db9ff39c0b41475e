package store

import (
	"context"
	"strings"

	"andon/internal/domain"
)

// UpdateTicket applies u, recording one event entry per changed field.
func (db *DB) UpdateTicket(ctx context.Context, id int64, u domain.TicketUpdate, by domain.Actor) (*domain.Ticket, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	changed := false
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		changed, err = tx.UpdateTicket(ctx, id, u, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: id, UserID: by.UserID})
	}
	return db.Ticket(ctx, id)
}

// UpdateTicket is the in-transaction form. It reports whether anything changed.
func (tx *Tx) UpdateTicket(ctx context.Context, id int64, u domain.TicketUpdate, by domain.Actor) (bool, error) {
	t, err := scanTicket(tx.queryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = ?`, id))
	if isNoRows(err) {
		return false, domain.NotFound("ticket")
	}
	if err != nil {
		return false, err
	}
	if err := tx.checkRefs(ctx, u.AssigneeID, u.TeamID); err != nil {
		return false, err
	}
	now := tx.db.Now()
	var sets []string
	var args []any
	var events []domain.Event
	if u.Subject != nil && *u.Subject != t.Subject {
		sets, args = append(sets, "subject = ?"), append(args, *u.Subject)
		events = append(events, domain.Event{Field: "subject", From: t.Subject, To: *u.Subject})
	}
	if u.Status != nil && *u.Status != t.Status {
		s, a := statusChange(t, *u.Status, now.UnixMilli())
		sets, args = append(sets, s...), append(args, a...)
		events = append(events, domain.Event{Field: "status", From: string(t.Status), To: string(*u.Status)})
	}
	if u.Priority != nil && *u.Priority != t.Priority {
		sets, args = append(sets, "priority = ?"), append(args, u.Priority.Rank())
		events = append(events, domain.Event{Field: "priority", From: string(t.Priority), To: string(*u.Priority)})
	}
	if newID, ok := domain.RefChange(u.ClearAssignee, u.AssigneeID, t.AssigneeID); ok {
		from, _ := tx.userName(ctx, t.AssigneeID)
		to, _ := tx.userName(ctx, newID)
		sets, args = append(sets, "assignee_id = ?"), append(args, nullID(newID))
		events = append(events, domain.Event{Field: "assignee", From: from, To: to})
		if err := tx.notifyAssigned(ctx, t, newID, by); err != nil { // email the new assignee (outbox.go)
			return false, err
		}
	}
	if newID, ok := domain.RefChange(u.ClearTeam, u.TeamID, t.TeamID); ok {
		from, _ := tx.teamName(ctx, t.TeamID)
		to, _ := tx.teamName(ctx, newID)
		sets, args = append(sets, "team_id = ?"), append(args, nullID(newID))
		events = append(events, domain.Event{Field: "team", From: from, To: to})
	}
	if u.Tags != nil {
		old, err := tx.ticketTags(ctx, id)
		if err != nil {
			return false, err
		}
		newTags := append([]string{}, *u.Tags...)
		sortStrings(newTags)
		if strings.Join(old, ",") != strings.Join(newTags, ",") {
			if err := tx.setTags(ctx, id, newTags); err != nil {
				return false, err
			}
			events = append(events, domain.Event{Field: "tags", From: strings.Join(old, ", "), To: strings.Join(newTags, ", ")})
		}
	}
	if len(events) == 0 {
		return false, nil
	}
	sets = append(sets, "updated_at = ?")
	args = append(args, ms(now), id)
	if _, err := tx.exec(ctx, `UPDATE tickets SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
		return false, err
	}
	for _, ev := range events {
		if err := tx.recordEvent(ctx, id, ev, by); err != nil {
			return false, err
		}
	}
	return true, nil
}

// statusChange returns the SET clauses for moving t to status s, with the
// effects domain.MoveStatus decides.
func statusChange(t *domain.Ticket, s domain.Status, now int64) ([]string, []any) {
	sets := []string{"status = ?"}
	args := []any{s}
	m := domain.MoveStatus(t.Status, s)
	if m.StampSolved {
		sets, args = append(sets, "solved_at = ?"), append(args, now)
	}
	if m.Reopen {
		sets = append(sets, "reopen_count = reopen_count + 1", "solved_at = NULL")
	}
	return sets, args
}

func (tx *Tx) recordEvent(ctx context.Context, ticketID int64, ev domain.Event, by domain.Actor) error {
	var uid *int64
	if by.UserID != 0 {
		uid = &by.UserID
	}
	meta := map[string]any{"field": ev.Field, "from": ev.From, "to": ev.To}
	if by.UserID == 0 && by.Name != "" {
		meta["by"] = by.Name
	}
	_, err := tx.insertEntry(ctx, ticketID, domain.EntryEvent, "", "", uid, nil, "", meta, tx.db.Now())
	return err
}

func (tx *Tx) userName(ctx context.Context, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var n string
	err := tx.queryRow(ctx, `SELECT name FROM users WHERE id = ?`, *id).Scan(&n)
	return n, err
}

func (tx *Tx) teamName(ctx context.Context, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var n string
	err := tx.queryRow(ctx, `SELECT name FROM teams WHERE id = ?`, *id).Scan(&n)
	return n, err
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// AddEntry adds a message, note or call to a ticket and moves the ticket on:
// a customer's message reopens a solved ticket and ends "pending"; the first
// public reply by an agent stamps first_response_at and opens a new ticket.
func (db *DB) AddEntry(ctx context.Context, n domain.NewEntry) (*domain.Entry, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	var statusChanged bool
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		id, statusChanged, err = tx.AddEntry(ctx, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: n.TicketID, EntryID: id, UserID: n.Actor.UserID})
	if statusChanged {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: n.TicketID, UserID: n.Actor.UserID})
	}
	return db.Entry(ctx, id)
}

// AddEntry is the in-transaction form; n must be validated.
func (tx *Tx) AddEntry(ctx context.Context, n domain.NewEntry) (int64, bool, error) {
	t, err := scanTicket(tx.queryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = ?`, n.TicketID))
	if isNoRows(err) {
		return 0, false, domain.NotFound("ticket")
	}
	if err != nil {
		return 0, false, err
	}
	now := tx.db.Now()
	ch := n.ChannelOn(t.Channel)
	meta := n.Meta
	if n.Call != nil {
		if meta == nil {
			meta = map[string]any{}
		}
		meta["call"] = *n.Call
	}
	var uid, cid *int64
	if n.Actor.UserID != 0 {
		uid = &n.Actor.UserID
	}
	if n.Actor.ContactID != 0 {
		cid = &n.Actor.ContactID
	}
	route, err := tx.entryRoute(ctx, t, n)
	if err != nil {
		return 0, false, err
	}
	meta = withDelivery(meta, route)
	id, err := tx.insertEntry(ctx, n.TicketID, n.Kind, ch, n.Direction, uid, cid, n.Body, meta, now)
	if err != nil {
		if isFKViolation(err) {
			return 0, false, domain.Errorf(domain.EInvalid, "unknown author")
		}
		return 0, false, err
	}
	// An agent's message is mailed in this transaction when its route says so.
	if err := tx.enqueueRouted(ctx, t, id, n, route); err != nil {
		return 0, false, err
	}
	sets := []string{"updated_at = ?"}
	args := []any{ms(now)}
	if n.UpdatesPreview() {
		sets, args = append(sets, "preview = ?"), append(args, domain.Preview(n.Body))
	}
	newStatus := n.StatusAfter(t.Status)
	if n.AgentPublicReply() && t.FirstResponseAt == nil {
		sets, args = append(sets, "first_response_at = ?"), append(args, ms(now))
	}
	if newStatus != t.Status {
		s, a := statusChange(t, newStatus, ms(now))
		sets, args = append(sets, s...), append(args, a...)
	}
	args = append(args, n.TicketID)
	if _, err := tx.exec(ctx, `UPDATE tickets SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
		return 0, false, err
	}
	if newStatus != t.Status {
		if err := tx.recordEvent(ctx, n.TicketID, domain.Event{Field: "status", From: string(t.Status), To: string(newStatus)}, n.Actor); err != nil {
			return 0, false, err
		}
	}
	return id, newStatus != t.Status, nil
}

// publish hands a change to the live-update layer, if one is attached.
func (db *DB) publish(c domain.Change) {
	if db.onChange != nil {
		db.onChange(c)
	}
}

// OnChange sets the function that receives every committed change.
func (db *DB) OnChange(fn func(domain.Change)) { db.onChange = fn }
