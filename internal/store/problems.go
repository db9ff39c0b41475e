package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"andon/internal/domain"
)

// Problems: one underlying defect behind many tickets. Every change is
// recorded on the problem's timeline and, as an event entry, on the
// timelines of the linked tickets.

const problemCols = `p.id, p.title, p.description, p.stage_id, p.owner_user_id, p.owner_team_id, p.status, p.whys,
	p.root_cause, p.created_by, p.created_at, p.updated_at, p.closed_at`

// openProblemStatuses is the SQL list of statuses that still take tickets.
const openProblemStatuses = `('investigating','root_cause_found','countermeasure_in_place')`

// visibleProblemSQL restricts problems (alias p) to those a collaborator
// works: owned by them or their team, or holding a countermeasure they own.
// Arguments: the user id three times.
const visibleProblemSQL = `(p.owner_user_id = ? OR p.owner_team_id IN (SELECT team_id FROM team_members WHERE user_id = ?)
	OR EXISTS (SELECT 1 FROM countermeasures vc WHERE vc.problem_id = p.id AND vc.owner_user_id = ?))`

func scanProblem(sc interface{ Scan(...any) error }) (*domain.Problem, error) {
	p := &domain.Problem{}
	var stage, owner, team, by, closed sql.NullInt64
	var whys string
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Title, &p.Description, &stage, &owner, &team, &p.Status, &whys,
		&p.RootCause, &by, &created, &updated, &closed)
	if err != nil {
		return nil, err
	}
	p.StageID, p.OwnerUserID, p.OwnerTeamID, p.CreatedByID = idPtr(stage), idPtr(owner), idPtr(team), idPtr(by)
	p.CreatedAt, p.UpdatedAt, p.ClosedAt = fromMS(created), fromMS(updated), fromNullMS(closed)
	p.Whys = []string{}
	if whys != "" {
		_ = json.Unmarshal([]byte(whys), &p.Whys)
	}
	return p, nil
}

func (tx *Tx) problem(ctx context.Context, id int64) (*domain.Problem, error) {
	p, err := scanProblem(tx.queryRow(ctx, `SELECT `+problemCols+` FROM problems p WHERE p.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("problem")
	}
	return p, err
}

// checkOwners validates the stage, owner agent and owner team of a problem.
func (tx *Tx) checkProblemRefs(ctx context.Context, stage, owner, team *int64) error {
	if stage != nil && *stage != 0 {
		if err := tx.checkStage(ctx, *stage, "stage_id"); err != nil {
			return err
		}
	}
	if err := tx.checkRefs(ctx, owner, team); err != nil {
		// checkRefs names assignee_id / team_id; rename for problems.
		if e, ok := err.(*domain.Error); ok && e.Fields != nil {
			f := map[string]string{}
			for k, v := range e.Fields {
				switch k {
				case "assignee_id":
					k = "owner_user_id"
				case "team_id":
					k = "owner_team_id"
				}
				f[k] = v
			}
			e.Fields = f
		}
		return err
	}
	return nil
}

// CreateProblem pulls the andon: opens a problem, linking the given tickets.
func (db *DB) CreateProblem(ctx context.Context, n domain.NewProblem, by domain.Actor) (*domain.Problem, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	var touched []int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.checkProblemRefs(ctx, n.StageID, n.OwnerUserID, n.OwnerTeamID); err != nil {
			return err
		}
		now := ms(db.Now())
		var err error
		id, err = tx.insert(ctx, `INSERT INTO problems (title, description, stage_id, owner_user_id, owner_team_id, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.Title, n.Description, nullID(n.StageID), nullID(n.OwnerUserID), nullID(n.OwnerTeamID),
			domain.ProblemInvestigating, nullID(&by.UserID), now, now)
		if err != nil {
			return err
		}
		if err := tx.problemEvent(ctx, id, domain.Event{Field: "problem", To: n.Title}, "", by, false); err != nil {
			return err
		}
		for _, tid := range n.TicketIDs {
			if _, err := tx.LinkTicket(ctx, id, tid, by); err != nil {
				return err
			}
			touched = append(touched, tid)
		}
		return tx.refreshProblemDoc(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	db.publishProblem(id, touched, by)
	return db.Problem(ctx, id)
}

func (db *DB) publishProblem(id int64, tickets []int64, by domain.Actor) {
	db.publish(domain.Change{Kind: domain.ChangeProblemUpdated, UserID: by.UserID, Data: map[string]int64{"problem_id": id}})
	for _, t := range tickets {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: t, UserID: by.UserID})
	}
}

// problemEvent records a change on the problem's timeline and, when
// onTickets, as an event on every linked ticket's timeline.
func (tx *Tx) problemEvent(ctx context.Context, problemID int64, ev domain.Event, body string, by domain.Actor, onTickets bool) error {
	now := ms(tx.db.Now())
	if _, err := tx.insert(ctx, `INSERT INTO problem_entries (problem_id, kind, field, from_value, to_value, body, author_user_id, created_at)
		VALUES (?, 'event', ?, ?, ?, ?, ?, ?)`, problemID, ev.Field, ev.From, ev.To, body, nullID(&by.UserID), now); err != nil {
		return err
	}
	if !onTickets {
		return nil
	}
	ids, err := tx.linkedTicketIDs(ctx, problemID)
	if err != nil {
		return err
	}
	tev := domain.Event{Field: "problem." + ev.Field, From: ev.From, To: ev.To}
	if ev.Field == "note" {
		tev.To = domain.Preview(body)
	}
	for _, tid := range ids {
		if err := tx.ticketProblemEvent(ctx, tid, problemID, tev, by); err != nil {
			return err
		}
	}
	return nil
}

// ticketProblemEvent records an event entry on a ticket, tagged with the problem.
func (tx *Tx) ticketProblemEvent(ctx context.Context, ticketID, problemID int64, ev domain.Event, by domain.Actor) error {
	meta := map[string]any{"field": ev.Field, "from": ev.From, "to": ev.To, "problem_id": problemID}
	if by.UserID == 0 && by.Name != "" {
		meta["by"] = by.Name
	}
	var uid *int64
	if by.UserID != 0 {
		uid = &by.UserID
	}
	_, err := tx.insertEntry(ctx, ticketID, domain.EntryEvent, "", "", uid, nil, "", meta, tx.db.Now())
	return err
}

func (tx *Tx) linkedTicketIDs(ctx context.Context, problemID int64) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT id FROM tickets WHERE problem_id = ? ORDER BY id`, problemID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanInt64)
}

// refreshProblemDoc rebuilds the text that similarity matches against.
func (tx *Tx) refreshProblemDoc(ctx context.Context, id int64) error {
	p, err := tx.problem(ctx, id)
	if err != nil {
		return err
	}
	parts := []string{p.Description, p.RootCause, strings.Join(p.Whys, "\n")}
	rows, err := tx.query(ctx, `SELECT subject FROM tickets WHERE problem_id = ? ORDER BY id LIMIT 200`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		parts = append(parts, s)
	}
	rows.Close()
	_, err = tx.exec(ctx, `UPDATE problems SET search_doc = ? WHERE id = ?`, strings.Join(parts, "\n"), id)
	return err
}

func problemLabel(p *domain.Problem) string { return p.Ref() + " " + p.Title }

// LinkTicket attaches a ticket to a problem (moving it from another one),
// classifying it as failure demand when it was unclassified. It reports
// whether anything changed. A ticket that arrives after a countermeasure went
// in place is recorded as a recurrence.
func (tx *Tx) LinkTicket(ctx context.Context, problemID, ticketID int64, by domain.Actor) (bool, error) {
	p, err := tx.problem(ctx, problemID)
	if err != nil {
		return false, err
	}
	t, err := scanTicket(tx.queryRow(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.id = ?`, ticketID))
	if isNoRows(err) {
		return false, &domain.Error{Code: domain.EInvalid, Message: "no such ticket", Fields: map[string]string{"ticket_id": "no such ticket"}}
	}
	if err != nil {
		return false, err
	}
	if t.ProblemID != nil && *t.ProblemID == problemID {
		return false, nil
	}
	from := ""
	if t.ProblemID != nil {
		old, err := tx.problem(ctx, *t.ProblemID)
		if err != nil {
			return false, err
		}
		from = problemLabel(old)
		if err := tx.problemEvent(ctx, old.ID, domain.Event{Field: "ticket", From: t.Ref() + " " + t.Subject}, "", by, false); err != nil {
			return false, err
		}
	}
	sets := "problem_id = ?, updated_at = ?"
	if t.DemandType == domain.DemandUnclassified {
		sets += ", demand_type = 'failure'"
	}
	now := tx.db.Now()
	if _, err := tx.exec(ctx, `UPDATE tickets SET `+sets+` WHERE id = ?`, problemID, ms(now), ticketID); err != nil {
		return false, err
	}
	if err := tx.ticketProblemEvent(ctx, ticketID, problemID, domain.Event{Field: "problem", From: from, To: problemLabel(p)}, by); err != nil {
		return false, err
	}
	if t.DemandType == domain.DemandUnclassified {
		if err := tx.ticketProblemEvent(ctx, ticketID, problemID, domain.Event{Field: "demand_type", To: string(domain.DemandFailure)}, by); err != nil {
			return false, err
		}
	}
	if err := tx.problemEvent(ctx, problemID, domain.Event{Field: "ticket", To: t.Ref() + " " + t.Subject}, "", by, false); err != nil {
		return false, err
	}
	// Recurrence: the ticket was opened after a countermeasure went in place.
	var recurring int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM countermeasures WHERE problem_id = ? AND status = 'in_place' AND in_place_at < ?`,
		problemID, ms(t.CreatedAt)).Scan(&recurring); err != nil {
		return false, err
	}
	if recurring > 0 {
		if err := tx.problemEvent(ctx, problemID, domain.Event{Field: "recurrence", To: t.Ref()}, "ticket opened after the countermeasure went in place", by, false); err != nil {
			return false, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE problems SET updated_at = ? WHERE id = ?`, ms(now), problemID); err != nil {
		return false, err
	}
	if t.ProblemID != nil {
		if err := tx.refreshProblemDoc(ctx, *t.ProblemID); err != nil {
			return false, err
		}
	}
	return true, tx.refreshProblemDoc(ctx, problemID)
}

// UnlinkTicket detaches a ticket from its problem.
func (tx *Tx) UnlinkTicket(ctx context.Context, problemID, ticketID int64, by domain.Actor) error {
	p, err := tx.problem(ctx, problemID)
	if err != nil {
		return err
	}
	var subject string
	var linked sql.NullInt64
	err = tx.queryRow(ctx, `SELECT subject, problem_id FROM tickets WHERE id = ?`, ticketID).Scan(&subject, &linked)
	if isNoRows(err) || (err == nil && (!linked.Valid || linked.Int64 != problemID)) {
		return domain.Errorf(domain.ENotFound, "ticket is not linked to this problem")
	}
	if err != nil {
		return err
	}
	now := ms(tx.db.Now())
	if _, err := tx.exec(ctx, `UPDATE tickets SET problem_id = NULL, updated_at = ? WHERE id = ?`, now, ticketID); err != nil {
		return err
	}
	ref := "#" + strconv.FormatInt(ticketID, 10)
	if err := tx.ticketProblemEvent(ctx, ticketID, problemID, domain.Event{Field: "problem", From: problemLabel(p)}, by); err != nil {
		return err
	}
	if err := tx.problemEvent(ctx, problemID, domain.Event{Field: "ticket", From: ref + " " + subject}, "", by, false); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE problems SET updated_at = ? WHERE id = ?`, now, problemID); err != nil {
		return err
	}
	return tx.refreshProblemDoc(ctx, problemID)
}

// LinkTicket is the one-transaction form of Tx.LinkTicket.
func (db *DB) LinkTicket(ctx context.Context, problemID, ticketID int64, by domain.Actor) error {
	changed := false
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		changed, err = tx.LinkTicket(ctx, problemID, ticketID, by)
		return err
	})
	if err == nil && changed {
		db.publishProblem(problemID, []int64{ticketID}, by)
	}
	return err
}

// UnlinkTicket is the one-transaction form of Tx.UnlinkTicket.
func (db *DB) UnlinkTicket(ctx context.Context, problemID, ticketID int64, by domain.Actor) error {
	err := db.Update(ctx, func(tx *Tx) error { return tx.UnlinkTicket(ctx, problemID, ticketID, by) })
	if err == nil {
		db.publishProblem(problemID, []int64{ticketID}, by)
	}
	return err
}

// AddProblemNote records a finding on the problem and its tickets' timelines.
func (db *DB) AddProblemNote(ctx context.Context, problemID int64, body string, by domain.Actor) error {
	body = strings.TrimSpace(body)
	v := domain.Validation{}
	v.Check(body != "", "body", "required")
	v.Check(len(body) <= domain.MaxProblemTxt, "body", "at most 20000 bytes")
	if err := v.Err(); err != nil {
		return err
	}
	var tickets []int64
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.problem(ctx, problemID); err != nil {
			return err
		}
		now := ms(db.Now())
		if _, err := tx.insert(ctx, `INSERT INTO problem_entries (problem_id, kind, body, author_user_id, created_at) VALUES (?, 'note', ?, ?, ?)`,
			problemID, body, nullID(&by.UserID), now); err != nil {
			return err
		}
		var err error
		if tickets, err = tx.linkedTicketIDs(ctx, problemID); err != nil {
			return err
		}
		for _, tid := range tickets {
			if err := tx.ticketProblemEvent(ctx, tid, problemID, domain.Event{Field: "problem.finding", To: domain.Preview(body)}, by); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE problems SET updated_at = ? WHERE id = ?`, now, problemID)
		return err
	})
	if err == nil {
		db.publishProblem(problemID, tickets, by)
	}
	return err
}

// ProblemTimeline returns a problem's timeline, oldest first.
func (db *DB) ProblemTimeline(ctx context.Context, problemID int64) ([]domain.ProblemEntry, error) {
	rows, err := db.query(ctx, `SELECT e.id, e.problem_id, e.kind, e.field, e.from_value, e.to_value, e.body, e.author_user_id,
		COALESCE(u.name, ''), e.created_at FROM problem_entries e LEFT JOIN users u ON u.id = e.author_user_id
		WHERE e.problem_id = ? ORDER BY e.id`, problemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ProblemEntry{}
	for rows.Next() {
		var e domain.ProblemEntry
		var uid sql.NullInt64
		var created int64
		if err := rows.Scan(&e.ID, &e.ProblemID, &e.Kind, &e.Field, &e.From, &e.To, &e.Body, &uid, &e.AuthorName, &created); err != nil {
			return nil, err
		}
		e.AuthorUserID, e.CreatedAt = idPtr(uid), fromMS(created)
		if e.AuthorName == "" && !uid.Valid {
			e.AuthorName = domain.System.Name
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// dayMS is one day in milliseconds.
const dayMS = int64(24 * time.Hour / time.Millisecond)
