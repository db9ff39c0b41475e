package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"andon/internal/domain"
)

// loadCountermeasures loads a problem's countermeasures with recurrence
// computed now, inside the transaction.
func (tx *Tx) loadCountermeasures(ctx context.Context, problemID int64) ([]*domain.Countermeasure, error) {
	cms, err := countermeasuresOf(ctx, tx.query, []int64{problemID})
	if err != nil {
		return nil, err
	}
	linked, _, err := linkedOf(ctx, tx.query, []int64{problemID})
	if err != nil {
		return nil, err
	}
	now := tx.db.Now()
	for _, c := range cms[problemID] {
		c.Recurrence = domain.ComputeRecurrence(c, linked[problemID], now)
	}
	return cms[problemID], nil
}

// UpdateProblem applies u, enforcing the status rules, and records every
// change on the problem's and the linked tickets' timelines.
func (db *DB) UpdateProblem(ctx context.Context, id int64, u domain.ProblemUpdate, by domain.Actor) (*domain.Problem, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var tickets []int64
	err := db.Update(ctx, func(tx *Tx) error {
		p, err := tx.problem(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.checkProblemRefs(ctx, u.StageID, u.OwnerUserID, u.OwnerTeamID); err != nil {
			return err
		}
		now := ms(db.Now())
		var sets []string
		var args []any
		var events []domain.Event
		if u.Title != nil && *u.Title != p.Title {
			sets, args = append(sets, "title = ?"), append(args, *u.Title)
			events = append(events, domain.Event{Field: "title", From: p.Title, To: *u.Title})
		}
		if u.Description != nil && *u.Description != p.Description {
			sets, args = append(sets, "description = ?"), append(args, *u.Description)
			events = append(events, domain.Event{Field: "description", From: domain.Preview(p.Description), To: domain.Preview(*u.Description)})
		}
		if u.StageID != nil && !domain.SameID(p.StageID, zeroNil(u.StageID)) {
			from, to := tx.stageName(ctx, p.StageID), tx.stageName(ctx, zeroNil(u.StageID))
			sets, args = append(sets, "stage_id = ?"), append(args, nullID(u.StageID))
			events = append(events, domain.Event{Field: "stage", From: from, To: to})
		}
		if u.OwnerUserID != nil && !domain.SameID(p.OwnerUserID, zeroNil(u.OwnerUserID)) {
			from, _ := tx.userName(ctx, p.OwnerUserID)
			to, _ := tx.userName(ctx, zeroNil(u.OwnerUserID))
			sets, args = append(sets, "owner_user_id = ?"), append(args, nullID(u.OwnerUserID))
			events = append(events, domain.Event{Field: "owner", From: from, To: to})
		}
		if u.OwnerTeamID != nil && !domain.SameID(p.OwnerTeamID, zeroNil(u.OwnerTeamID)) {
			from, _ := tx.teamName(ctx, p.OwnerTeamID)
			to, _ := tx.teamName(ctx, zeroNil(u.OwnerTeamID))
			sets, args = append(sets, "owner_team_id = ?"), append(args, nullID(u.OwnerTeamID))
			events = append(events, domain.Event{Field: "owner_team", From: from, To: to})
		}
		if u.Whys != nil && strings.Join(*u.Whys, "\x00") != strings.Join(p.Whys, "\x00") {
			b, _ := json.Marshal(*u.Whys)
			sets, args = append(sets, "whys = ?"), append(args, string(b))
			events = append(events, domain.Event{Field: "whys", From: strings.Join(p.Whys, " → "), To: strings.Join(*u.Whys, " → ")})
		}
		if u.RootCause != nil && *u.RootCause != p.RootCause {
			sets, args = append(sets, "root_cause = ?"), append(args, *u.RootCause)
			events = append(events, domain.Event{Field: "root_cause", From: domain.Preview(p.RootCause), To: domain.Preview(*u.RootCause)})
		}
		if u.Status != nil && *u.Status != p.Status {
			cms, err := tx.loadCountermeasures(ctx, id)
			if err != nil {
				return err
			}
			if err := domain.CheckProblemStatus(*u.Status, cms); err != nil {
				return err
			}
			sets, args = append(sets, "status = ?"), append(args, *u.Status)
			if !u.Status.Open() {
				sets, args = append(sets, "closed_at = ?"), append(args, now)
			} else {
				sets = append(sets, "closed_at = NULL")
			}
			events = append(events, domain.Event{Field: "status", From: string(p.Status), To: string(*u.Status)})
		}
		if len(events) == 0 {
			return nil
		}
		sets, args = append(sets, "updated_at = ?"), append(args, now, id)
		if _, err := tx.exec(ctx, `UPDATE problems SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			return err
		}
		for _, ev := range events {
			if err := tx.problemEvent(ctx, id, ev, "", by, true); err != nil {
				return err
			}
		}
		if tickets, err = tx.linkedTicketIDs(ctx, id); err != nil {
			return err
		}
		return tx.refreshProblemDoc(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	db.publishProblem(id, tickets, by)
	return db.Problem(ctx, id)
}

func zeroNil(p *int64) *int64 {
	if p == nil || *p == 0 {
		return nil
	}
	return p
}

func (tx *Tx) stageName(ctx context.Context, id *int64) string {
	if id == nil {
		return ""
	}
	var n string
	_ = tx.queryRow(ctx, `SELECT name FROM value_chain_stages WHERE id = ?`, *id).Scan(&n)
	return n
}

// followCountermeasures moves the problem status as its countermeasures
// imply (see domain.StatusAfterCountermeasure), recording the change.
func (tx *Tx) followCountermeasures(ctx context.Context, problemID int64, by domain.Actor) error {
	p, err := tx.problem(ctx, problemID)
	if err != nil {
		return err
	}
	cms, err := tx.loadCountermeasures(ctx, problemID)
	if err != nil {
		return err
	}
	next := domain.StatusAfterCountermeasure(p.Status, cms)
	now := ms(tx.db.Now())
	if next == p.Status {
		_, err := tx.exec(ctx, `UPDATE problems SET updated_at = ? WHERE id = ?`, now, problemID)
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE problems SET status = ?, updated_at = ? WHERE id = ?`, next, now, problemID); err != nil {
		return err
	}
	return tx.problemEvent(ctx, problemID, domain.Event{Field: "status", From: string(p.Status), To: string(next)}, "", by, true)
}

func cmLabel(what string, st domain.CountermeasureStatus) string {
	return domain.Preview(what) + " (" + strings.ReplaceAll(string(st), "_", " ") + ")"
}

// AddCountermeasure plans a countermeasure on a problem.
func (db *DB) AddCountermeasure(ctx context.Context, problemID int64, n domain.NewCountermeasure, by domain.Actor) (*domain.Countermeasure, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	var tickets []int64
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.problem(ctx, problemID); err != nil {
			return err
		}
		if err := tx.checkProblemRefs(ctx, nil, n.OwnerUserID, nil); err != nil {
			return err
		}
		now := ms(db.Now())
		var inPlace any
		if n.Status == domain.CMInPlace {
			inPlace = now
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO countermeasures (problem_id, what, owner_user_id, due_date, status, verification, recurrence_window_days, in_place_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, problemID, n.What, nullID(n.OwnerUserID), n.DueDate, n.Status, n.Verification,
			n.RecurrenceWindowDays, inPlace, now, now)
		if err != nil {
			return err
		}
		if err := tx.problemEvent(ctx, problemID, domain.Event{Field: "countermeasure", To: cmLabel(n.What, n.Status)}, "", by, true); err != nil {
			return err
		}
		if tickets, err = tx.linkedTicketIDs(ctx, problemID); err != nil {
			return err
		}
		return tx.followCountermeasures(ctx, problemID, by)
	})
	if err != nil {
		return nil, err
	}
	db.publishProblem(problemID, tickets, by)
	return db.Countermeasure(ctx, id)
}

// UpdateCountermeasure changes a countermeasure. Putting it in place stamps
// in_place_at (recurrence counts from then) and moves the problem on.
func (db *DB) UpdateCountermeasure(ctx context.Context, id int64, u domain.CountermeasureUpdate, by domain.Actor) (*domain.Countermeasure, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var problemID int64
	var tickets []int64
	err := db.Update(ctx, func(tx *Tx) error {
		c, err := scanCountermeasure(tx.queryRow(ctx, `SELECT `+cmCols+` FROM countermeasures c WHERE c.id = ?`, id))
		if isNoRows(err) {
			return domain.NotFound("countermeasure")
		}
		if err != nil {
			return err
		}
		problemID = c.ProblemID
		if err := tx.checkProblemRefs(ctx, nil, u.OwnerUserID, nil); err != nil {
			return err
		}
		now := ms(db.Now())
		var sets []string
		var args []any
		var events []domain.Event
		label := domain.Preview(c.What)
		if u.What != nil && *u.What != c.What {
			sets, args = append(sets, "what = ?"), append(args, *u.What)
			events = append(events, domain.Event{Field: "countermeasure", From: label, To: domain.Preview(*u.What)})
			label = domain.Preview(*u.What)
		}
		if u.OwnerUserID != nil && !domain.SameID(c.OwnerUserID, zeroNil(u.OwnerUserID)) {
			from, _ := tx.userName(ctx, c.OwnerUserID)
			to, _ := tx.userName(ctx, zeroNil(u.OwnerUserID))
			sets, args = append(sets, "owner_user_id = ?"), append(args, nullID(u.OwnerUserID))
			events = append(events, domain.Event{Field: "countermeasure_owner", From: from, To: to})
		}
		if u.DueDate != nil && *u.DueDate != c.DueDate {
			sets, args = append(sets, "due_date = ?"), append(args, *u.DueDate)
			events = append(events, domain.Event{Field: "countermeasure_due", From: c.DueDate, To: *u.DueDate})
		}
		if u.Verification != nil && *u.Verification != c.Verification {
			sets, args = append(sets, "verification = ?"), append(args, *u.Verification)
			events = append(events, domain.Event{Field: "countermeasure_verification", From: domain.Preview(c.Verification), To: domain.Preview(*u.Verification)})
		}
		if u.RecurrenceWindowDays != nil && *u.RecurrenceWindowDays != c.RecurrenceWindowDays {
			sets, args = append(sets, "recurrence_window_days = ?"), append(args, *u.RecurrenceWindowDays)
			events = append(events, domain.Event{Field: "recurrence_window_days", From: strconv.Itoa(c.RecurrenceWindowDays), To: strconv.Itoa(*u.RecurrenceWindowDays)})
		}
		if u.Status != nil && *u.Status != c.Status {
			sets, args = append(sets, "status = ?"), append(args, *u.Status)
			if *u.Status == domain.CMInPlace {
				sets, args = append(sets, "in_place_at = ?"), append(args, now)
			}
			events = append(events, domain.Event{Field: "countermeasure_status", From: cmLabel(label, c.Status), To: cmLabel(label, *u.Status)})
		}
		if len(events) == 0 {
			return nil
		}
		sets, args = append(sets, "updated_at = ?"), append(args, now, id)
		if _, err := tx.exec(ctx, `UPDATE countermeasures SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			return err
		}
		for _, ev := range events {
			if err := tx.problemEvent(ctx, c.ProblemID, ev, "", by, true); err != nil {
				return err
			}
		}
		if tickets, err = tx.linkedTicketIDs(ctx, c.ProblemID); err != nil {
			return err
		}
		return tx.followCountermeasures(ctx, c.ProblemID, by)
	})
	if err != nil {
		return nil, err
	}
	db.publishProblem(problemID, tickets, by)
	return db.Countermeasure(ctx, id)
}
