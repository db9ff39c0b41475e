package store

import (
	"context"
	"database/sql"
	"strings"

	"andon/internal/domain"
)

const cmCols = `c.id, c.problem_id, c.what, c.owner_user_id, c.due_date, c.status, c.verification, c.recurrence_window_days,
	c.in_place_at, c.created_at, c.updated_at, (SELECT MAX(n.created_at) FROM problem_notices n WHERE n.countermeasure_id = c.id)`

func scanCountermeasure(sc interface{ Scan(...any) error }) (*domain.Countermeasure, error) {
	c := &domain.Countermeasure{}
	var owner, inPlace, notified sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.ProblemID, &c.What, &owner, &c.DueDate, &c.Status, &c.Verification, &c.RecurrenceWindowDays,
		&inPlace, &created, &updated, &notified); err != nil {
		return nil, err
	}
	c.OwnerUserID, c.InPlaceAt, c.NotifiedAt = idPtr(owner), fromNullMS(inPlace), fromNullMS(notified)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

type queryFn func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

// countermeasuresOf loads the countermeasures of some problems, by problem.
func countermeasuresOf(ctx context.Context, query queryFn, ids []int64) (map[int64][]*domain.Countermeasure, error) {
	out := map[int64][]*domain.Countermeasure{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := query(ctx, `SELECT `+cmCols+` FROM countermeasures c WHERE c.problem_id IN (`+placeholders(len(ids))+`) ORDER BY c.id`, anyIDs(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCountermeasure(rows)
		if err != nil {
			return nil, err
		}
		out[c.ProblemID] = append(out[c.ProblemID], c)
	}
	return out, rows.Err()
}

// linkedOf loads id and created_at of the tickets linked to some problems.
func linkedOf(ctx context.Context, query queryFn, ids []int64) (map[int64][]domain.LinkedTicket, map[int64]int, error) {
	out := map[int64][]domain.LinkedTicket{}
	customers := map[int64]int{}
	if len(ids) == 0 {
		return out, customers, nil
	}
	rows, err := query(ctx, `SELECT problem_id, id, created_at, requester_id FROM tickets WHERE problem_id IN (`+placeholders(len(ids))+`) ORDER BY id`, anyIDs(ids)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	seen := map[[2]int64]bool{}
	for rows.Next() {
		var pid, id, created, requester int64
		if err := rows.Scan(&pid, &id, &created, &requester); err != nil {
			return nil, nil, err
		}
		out[pid] = append(out[pid], domain.LinkedTicket{ID: id, CreatedAt: fromMS(created)})
		if k := [2]int64{pid, requester}; !seen[k] {
			seen[k] = true
			customers[pid]++
		}
	}
	return out, customers, rows.Err()
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// fillProblems computes board figures, countermeasures with recurrence, and
// names for a page of problems.
func (db *DB) fillProblems(ctx context.Context, ps []*domain.Problem) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	cms, err := countermeasuresOf(ctx, db.query, ids)
	if err != nil {
		return err
	}
	linked, customers, err := linkedOf(ctx, db.query, ids)
	if err != nil {
		return err
	}
	users, err := db.userRefs(ctx)
	if err != nil {
		return err
	}
	stages, err := db.Stages(ctx)
	if err != nil {
		return err
	}
	teams, err := db.Teams(ctx)
	if err != nil {
		return err
	}
	now := db.Now()
	for _, p := range ps {
		p.Countermeasures = cms[p.ID]
		if p.Countermeasures == nil {
			p.Countermeasures = []*domain.Countermeasure{}
		}
		p.TicketCount, p.CustomerCount = len(linked[p.ID]), customers[p.ID]
		recurring := map[int64]bool{}
		for _, c := range p.Countermeasures {
			c.Recurrence = domain.ComputeRecurrence(c, linked[p.ID], now)
			if c.Recurrence != nil {
				for _, id := range c.Recurrence.TicketIDs {
					recurring[id] = true
				}
			}
			if c.OwnerUserID != nil {
				c.Owner = users[*c.OwnerUserID]
			}
			if c.DueDate != "" && (c.Status == domain.CMPlanned || c.Status == domain.CMInProgress) && (p.NextDue == "" || c.DueDate < p.NextDue) {
				p.NextDue = c.DueDate
			}
		}
		p.Recurrences = len(recurring)
		if p.OwnerUserID != nil {
			p.Owner = users[*p.OwnerUserID]
		}
		for _, s := range stages {
			if p.StageID != nil && s.ID == *p.StageID {
				p.Stage = s.Name
			}
		}
		for _, t := range teams {
			if p.OwnerTeamID != nil && t.ID == *p.OwnerTeamID {
				p.OwnerTeam = &domain.TeamRef{ID: t.ID, Name: t.Name}
			}
		}
	}
	return nil
}

// userRefs maps every user to its short form (there are few users).
func (db *DB) userRefs(ctx context.Context) (map[int64]*domain.UserRef, error) {
	rows, err := db.query(ctx, `SELECT id, name, email FROM users`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*domain.UserRef{}
	for rows.Next() {
		u := &domain.UserRef{}
		if err := rows.Scan(&u.ID, &u.Name, &u.Email); err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// Problem loads a problem with its tickets, countermeasures (recurrence
// computed now) and timeline.
func (db *DB) Problem(ctx context.Context, id int64) (*domain.Problem, error) {
	p, err := scanProblem(db.queryRow(ctx, `SELECT `+problemCols+` FROM problems p WHERE p.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("problem")
	}
	if err != nil {
		return nil, err
	}
	if err := db.fillProblems(ctx, []*domain.Problem{p}); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.problem_id = ? ORDER BY t.created_at, t.id`, id)
	if err != nil {
		return nil, err
	}
	if p.Tickets, err = scanAll(rows, scanTicket); err != nil {
		return nil, err
	}
	if err := db.fillTickets(ctx, p.Tickets); err != nil {
		return nil, err
	}
	p.Timeline, err = db.ProblemTimeline(ctx, id)
	return p, err
}

// Problems lists problems for the board, most recently changed first.
func (db *DB) Problems(ctx context.Context, f domain.ProblemFilter) ([]*domain.Problem, error) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		v := domain.Validation{}
		for _, s := range f.Statuses {
			v.Check(s.Valid(), "status", "unknown status")
			args = append(args, s)
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		where = append(where, "p.status IN ("+placeholders(len(f.Statuses))+")")
	}
	if f.StageID != 0 {
		where = append(where, "p.stage_id = ?")
		args = append(args, f.StageID)
	}
	if f.VisibleTo.IsCollaborator() {
		where = append(where, visibleProblemSQL)
		args = append(args, f.VisibleTo.ID, f.VisibleTo.ID, f.VisibleTo.ID)
	}
	q := `SELECT ` + problemCols + ` FROM problems p`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q += ` ORDER BY p.updated_at DESC, p.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, scanProblem)
	if err != nil {
		return nil, err
	}
	return out, db.fillProblems(ctx, out)
}

// Countermeasure loads one countermeasure (recurrence not computed).
func (db *DB) Countermeasure(ctx context.Context, id int64) (*domain.Countermeasure, error) {
	c, err := scanCountermeasure(db.queryRow(ctx, `SELECT `+cmCols+` FROM countermeasures c WHERE c.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("countermeasure")
	}
	return c, err
}

// CanSeeProblem returns nil when u may see and work the problem, else a
// not-found error (a collaborator must not learn what exists elsewhere).
func (db *DB) CanSeeProblem(ctx context.Context, u *domain.User, problemID int64) error {
	if u == nil {
		return domain.NotFound("problem")
	}
	q := `SELECT 1 FROM problems p WHERE p.id = ?`
	args := []any{problemID}
	if u.IsCollaborator() {
		q += ` AND ` + visibleProblemSQL
		args = append(args, u.ID, u.ID, u.ID)
	}
	var one int
	err := db.queryRow(ctx, q, args...).Scan(&one)
	if isNoRows(err) {
		return domain.NotFound("problem")
	}
	return err
}

// CanSeeTicket returns nil when u may open the ticket, else a not-found
// error. Staff see every ticket; a collaborator sees only tickets linked to
// a problem they work. Every ticket API path must call it.
func (db *DB) CanSeeTicket(ctx context.Context, u *domain.User, t *domain.Ticket) error {
	visible := domain.TicketVisible(u, t, func(pid int64) bool { return db.CanSeeProblem(ctx, u, pid) == nil })
	if !visible {
		return domain.NotFound("ticket")
	}
	return nil
}

// CollaboratorTickets lists the tickets a collaborator may see: those linked
// to their problems, newest first. The ticket list API uses it in place of
// Tickets for collaborators.
func (db *DB) CollaboratorTickets(ctx context.Context, u *domain.User, limit int) (*domain.TicketPage, error) {
	rows, err := db.query(ctx, `SELECT `+ticketCols+` FROM tickets t JOIN problems p ON p.id = t.problem_id
		WHERE `+visibleProblemSQL+` ORDER BY t.updated_at DESC, t.id DESC LIMIT ?`, u.ID, u.ID, u.ID, clampLimit(limit))
	if err != nil {
		return nil, err
	}
	page := &domain.TicketPage{}
	if page.Tickets, err = scanAll(rows, scanTicket); err != nil {
		return nil, err
	}
	return page, db.fillTickets(ctx, page.Tickets)
}

// SweepProblems marks verified every problem whose in-place countermeasures
// have all outlived their recurrence window with no recurrence. It returns
// how many it verified. Safe to run often and from several nodes.
func (db *DB) SweepProblems(ctx context.Context) (int, error) {
	rows, err := db.query(ctx, `SELECT id FROM problems WHERE status = 'countermeasure_in_place'`)
	if err != nil {
		return 0, err
	}
	ids, err := scanAll(rows, scanInt64)
	if err != nil {
		return 0, err
	}
	// Decide on a read first: board views call this, and most problems are
	// not due, so they must not cost a write transaction each.
	cms, err := countermeasuresOf(ctx, db.query, ids)
	if err != nil {
		return 0, err
	}
	linked, _, err := linkedOf(ctx, db.query, ids)
	if err != nil {
		return 0, err
	}
	due := ids[:0]
	for _, id := range ids {
		for _, c := range cms[id] {
			c.Recurrence = domain.ComputeRecurrence(c, linked[id], db.Now())
		}
		if domain.ProblemVerifiedNow(domain.ProblemInPlace, cms[id]) {
			due = append(due, id)
		}
	}
	n := 0
	for _, id := range due {
		var verified bool
		var tickets []int64
		err := db.Update(ctx, func(tx *Tx) error {
			p, err := tx.problem(ctx, id)
			if err != nil {
				return err
			}
			cms, err := countermeasuresOf(ctx, tx.query, []int64{id})
			if err != nil {
				return err
			}
			linked, _, err := linkedOf(ctx, tx.query, []int64{id})
			if err != nil {
				return err
			}
			now := db.Now()
			for _, c := range cms[id] {
				c.Recurrence = domain.ComputeRecurrence(c, linked[id], now)
			}
			if !domain.ProblemVerifiedNow(p.Status, cms[id]) {
				return nil // changed since the read
			}
			if _, err := tx.exec(ctx, `UPDATE problems SET status = 'verified', closed_at = ?, updated_at = ? WHERE id = ? AND status = 'countermeasure_in_place'`,
				ms(now), ms(now), id); err != nil {
				return err
			}
			verified = true
			for _, t := range linked[id] {
				tickets = append(tickets, t.ID)
			}
			return tx.problemEvent(ctx, id, domain.Event{Field: "status", From: string(p.Status), To: string(domain.ProblemVerified)},
				"no recurrence within the countermeasure window", domain.System, true)
		})
		if err != nil {
			return n, err
		}
		if verified {
			n++
			db.publishProblem(id, tickets, domain.System)
		}
	}
	return n, nil
}
