package store

import (
	"context"
	"database/sql"

	"andon/internal/domain"
)

// ClassifyTicket sets a ticket's demand type, failure reason and problem;
// nil leaves a field unchanged, a pointer to ""/0 clears it. A failure
// reason on an unclassified ticket makes it failure demand. Changes are
// recorded as events on the ticket (and on the problem for links).
func (db *DB) ClassifyTicket(ctx context.Context, id int64, demand *domain.DemandType, reasonID, problemID *int64, by domain.Actor) (*domain.Ticket, error) {
	var changed bool
	var problems []int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		changed, problems, err = tx.ClassifyTicket(ctx, id, demand, reasonID, problemID, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: id, UserID: by.UserID})
		for _, p := range problems {
			db.publish(domain.Change{Kind: domain.ChangeProblemUpdated, UserID: by.UserID, Data: map[string]int64{"problem_id": p}})
		}
	}
	return db.Ticket(ctx, id)
}

// UpdateTicketClassified applies a ticket update and a classification in
// one transaction, for PATCH /api/v1/tickets/{id}: a failed request writes
// nothing.
func (db *DB) UpdateTicketClassified(ctx context.Context, id int64, u domain.TicketUpdate, c domain.TicketClassification, by domain.Actor) (*domain.Ticket, error) {
	if c.Empty() {
		return db.UpdateTicket(ctx, id, u, by)
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var changed, classified bool
	var problems []int64
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if changed, err = tx.UpdateTicket(ctx, id, u, by); err != nil {
			return err
		}
		classified, problems, err = tx.ClassifyTicket(ctx, id, c.DemandType, c.FailureReasonID, c.ProblemID, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed || classified {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: id, UserID: by.UserID})
	}
	for _, p := range problems {
		db.publish(domain.Change{Kind: domain.ChangeProblemUpdated, UserID: by.UserID, Data: map[string]int64{"problem_id": p}})
	}
	return db.Ticket(ctx, id)
}

// ClassifyTicket is the in-transaction form, for PATCH /api/v1/tickets/{id}
// to run in the same transaction as UpdateTicket. It reports whether
// anything changed and which problems were touched.
func (tx *Tx) ClassifyTicket(ctx context.Context, id int64, demand *domain.DemandType, reasonID, problemID *int64, by domain.Actor) (bool, []int64, error) {
	v := domain.Validation{}
	if demand != nil {
		v.Check(*demand == domain.DemandUnclassified || demand.Valid(), "demand_type", "must be value, failure or empty")
	}
	if err := v.Err(); err != nil {
		return false, nil, err
	}
	t, err := scanTicket(tx.queryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = ?`, id))
	if isNoRows(err) {
		return false, nil, domain.NotFound("ticket")
	}
	if err != nil {
		return false, nil, err
	}
	changed := false
	var problems []int64
	now := ms(tx.db.Now())
	newDemand := t.DemandType
	if demand != nil {
		newDemand = *demand
	}
	if reasonID != nil && *reasonID != 0 && !domain.SameID(t.FailureReasonID, reasonID) {
		if newDemand == domain.DemandValue && demand != nil {
			return false, nil, &domain.Error{Code: domain.EInvalid, Message: "a failure reason needs failure demand",
				Fields: map[string]string{"failure_reason_id": "only failure demand has a failure reason"}}
		}
		newDemand = domain.DemandFailure
	}
	if newDemand != t.DemandType {
		if _, err := tx.exec(ctx, `UPDATE tickets SET demand_type = ?, updated_at = ? WHERE id = ?`, newDemand, now, id); err != nil {
			return false, nil, err
		}
		if err := tx.recordEvent(ctx, id, domain.Event{Field: "demand_type", From: string(t.DemandType), To: string(newDemand)}, by); err != nil {
			return false, nil, err
		}
		changed = true
		if newDemand == domain.DemandValue && t.FailureReasonID != nil && reasonID == nil {
			zero := int64(0)
			reasonID = &zero // value demand has no failure reason
		}
	}
	if reasonID != nil && !domain.SameID(t.FailureReasonID, zeroNil(reasonID)) {
		from, err := tx.reasonLabel(ctx, t.FailureReasonID)
		if err != nil {
			return false, nil, err
		}
		to, err := tx.reasonLabel(ctx, zeroNil(reasonID))
		if err != nil {
			return false, nil, err
		}
		if _, err := tx.exec(ctx, `UPDATE tickets SET failure_reason_id = ?, updated_at = ? WHERE id = ?`, nullID(reasonID), now, id); err != nil {
			return false, nil, err
		}
		if err := tx.recordEvent(ctx, id, domain.Event{Field: "failure_reason", From: from, To: to}, by); err != nil {
			return false, nil, err
		}
		changed = true
	}
	if problemID != nil && !domain.SameID(t.ProblemID, zeroNil(problemID)) {
		if *problemID == 0 {
			if err := tx.UnlinkTicket(ctx, *t.ProblemID, id, by); err != nil {
				return false, nil, err
			}
			problems = append(problems, *t.ProblemID)
		} else {
			if _, err := tx.problem(ctx, *problemID); err != nil {
				if domain.IsNotFound(err) {
					return false, nil, &domain.Error{Code: domain.EInvalid, Message: "no such problem", Fields: map[string]string{"problem_id": "no such problem"}}
				}
				return false, nil, err
			}
			if _, err := tx.LinkTicket(ctx, *problemID, id, by); err != nil {
				return false, nil, err
			}
			problems = append(problems, *problemID)
			if t.ProblemID != nil {
				problems = append(problems, *t.ProblemID)
			}
		}
		changed = true
	}
	return changed, problems, nil
}

// reasonLabel is "Stage: reason" for events, or an invalid-field error for
// an unknown id.
func (tx *Tx) reasonLabel(ctx context.Context, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var stage, name string
	err := tx.queryRow(ctx, `SELECT s.name, r.name FROM failure_reasons r JOIN value_chain_stages s ON s.id = r.stage_id WHERE r.id = ?`, *id).Scan(&stage, &name)
	if isNoRows(err) {
		return "", &domain.Error{Code: domain.EInvalid, Message: "no such failure reason", Fields: map[string]string{"failure_reason_id": "no such failure reason"}}
	}
	return stage + ": " + name, err
}

// DemandHint gathers the facts about a ticket and returns the automatic
// failure-demand hint, or nil when there is none.
func (db *DB) DemandHint(ctx context.Context, ticketID int64) (*domain.DemandHint, error) {
	t, err := db.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	f := domain.DemandFacts{ReopenCount: t.ReopenCount}
	// The requester's other tickets that were open when this one arrived.
	// Earlier means created before it, or in the same millisecond with a lower id.
	rows, err := db.query(ctx, `SELECT id FROM tickets WHERE requester_id = ? AND id <> ?
		AND (created_at < ? OR (created_at = ? AND id < ?))
		AND (status NOT IN ('solved','closed') OR solved_at > ?) ORDER BY id LIMIT 5`,
		t.RequesterID, t.ID, ms(t.CreatedAt), ms(t.CreatedAt), t.ID, ms(t.CreatedAt))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		f.OpenEarlier = append(f.OpenEarlier, (&domain.Ticket{Number: id}).Ref())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Customer messages on this ticket with no reply in between.
	mrows, err := db.query(ctx, `SELECT direction FROM entries WHERE ticket_id = ? AND kind IN ('message','call') ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	run := 0
	for mrows.Next() {
		var dir sql.NullString
		if err := mrows.Scan(&dir); err != nil {
			mrows.Close()
			return nil, err
		}
		if domain.Direction(dir.String) == domain.Inbound {
			run++
			if run > f.InboundRuns {
				f.InboundRuns = run
			}
		} else {
			run = 0
		}
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return nil, err
	}
	return domain.SuggestDemand(f), nil
}
