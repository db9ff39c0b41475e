package store

import (
	"context"

	"andon/internal/domain"
)

// BulkUpdate is one change applied to many tickets from the inbox.
type BulkUpdate struct {
	Update domain.TicketUpdate // Tags must be nil; use AddTag
	AddTag string
}

// BulkUpdateTickets applies b to every ticket in ids in one transaction:
// either all change or none. Each ticket records its own events.
func (db *DB) BulkUpdateTickets(ctx context.Context, ids []int64, b BulkUpdate, by domain.Actor) (int, error) {
	v := domain.Validation{}
	v.Check(len(ids) > 0, "ids", "select at least one ticket")
	v.Check(len(ids) <= 200, "ids", "at most 200 tickets at once")
	v.Check(b.Update.Tags == nil, "tags", "use AddTag")
	var tag []string
	if b.AddTag != "" {
		tag = domain.NormalizeTags([]string{b.AddTag}, "tag", v)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if err := b.Update.Validate(); err != nil {
		return 0, err
	}
	var changed []int64
	err := db.Update(ctx, func(tx *Tx) error {
		for _, id := range ids {
			u := b.Update
			if len(tag) == 1 {
				tags, err := tx.ticketTags(ctx, id)
				if err != nil {
					return err
				}
				if !containsString(tags, tag[0]) {
					tags = append(tags, tag[0])
					u.Tags = &tags
				}
			}
			ok, err := tx.UpdateTicket(ctx, id, u, by)
			if err != nil {
				return err
			}
			if ok {
				changed = append(changed, id)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range changed {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: id, UserID: by.UserID})
	}
	return len(changed), nil
}

func (tx *Tx) ticketTags(ctx context.Context, id int64) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT g.name FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.ticket_id = ? ORDER BY g.name`, id)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanString)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CountUnassigned counts unassigned tickets in the given statuses, one
// index range per status.
func (db *DB) CountUnassigned(ctx context.Context, statuses ...domain.Status) (int, error) {
	total := 0
	for _, st := range statuses {
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE status = ? AND assignee_id IS NULL`, st).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// PopularTags lists the most used tags, for the inbox's tag views.
func (db *DB) PopularTags(ctx context.Context, limit int) ([]string, error) {
	rows, err := db.query(ctx, `SELECT g.name FROM tags g JOIN ticket_tags tt ON tt.tag_id = g.id
		GROUP BY g.id, g.name ORDER BY COUNT(*) DESC, g.name LIMIT ?`, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanString)
}
