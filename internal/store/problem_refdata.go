package store

import (
	"context"

	"andon/internal/domain"
)

// Value-chain stages and failure reasons: the admin-managed lists that
// demand classification and problems refer to.

// StageInput creates or changes a stage; nil means unchanged on update.
type StageInput struct {
	Name     *string
	Position *int
	Active   *bool
}

// FailureReasonInput creates or changes a failure reason.
type FailureReasonInput struct {
	Name    *string
	StageID *int64
	Active  *bool
}

// Stages lists the value chain in order.
func (db *DB) Stages(ctx context.Context) ([]*domain.Stage, error) {
	rows, err := db.query(ctx, `SELECT id, name, position, active, created_at FROM value_chain_stages ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.Stage{}
	for rows.Next() {
		s := &domain.Stage{}
		var created int64
		if err := rows.Scan(&s.ID, &s.Name, &s.Position, &s.Active, &created); err != nil {
			return nil, err
		}
		s.CreatedAt = fromMS(created)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Stage loads one stage.
func (db *DB) Stage(ctx context.Context, id int64) (*domain.Stage, error) {
	s := &domain.Stage{}
	var created int64
	err := db.queryRow(ctx, `SELECT id, name, position, active, created_at FROM value_chain_stages WHERE id = ?`, id).
		Scan(&s.ID, &s.Name, &s.Position, &s.Active, &created)
	if isNoRows(err) {
		return nil, domain.NotFound("stage")
	}
	s.CreatedAt = fromMS(created)
	return s, err
}

func nameTaken(err error) error {
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.EConflict, Message: "name already in use", Fields: map[string]string{"name": "already in use"}}
	}
	return err
}

// validateRename checks a new name when an update carries one; nil keeps
// the stored name.
func validateRename(name *string) error {
	if name == nil {
		return nil
	}
	v := domain.Validation{}
	domain.ValidateName(v, name)
	return v.Err()
}

// CreateStage adds a value-chain stage.
func (db *DB) CreateStage(ctx context.Context, in StageInput) (*domain.Stage, error) {
	v := domain.Validation{}
	name := ""
	if in.Name != nil {
		name = *in.Name
	}
	domain.ValidateName(v, &name)
	if err := v.Err(); err != nil {
		return nil, err
	}
	pos, active := 0, true
	if in.Position != nil {
		pos = *in.Position
	}
	if in.Active != nil {
		active = *in.Active
	}
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		if in.Position == nil {
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM value_chain_stages`).Scan(&pos); err != nil {
				return err
			}
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO value_chain_stages (name, position, active, created_at) VALUES (?, ?, ?, ?)`, name, pos, active, ms(db.Now()))
		return nameTaken(err)
	})
	if err != nil {
		return nil, err
	}
	return db.Stage(ctx, id)
}

// UpdateStage renames, reorders or (de)activates a stage.
func (db *DB) UpdateStage(ctx context.Context, id int64, in StageInput) (*domain.Stage, error) {
	if err := validateRename(in.Name); err != nil {
		return nil, err
	}
	err := db.Update(ctx, func(tx *Tx) error {
		return nameTaken(tx.execOne(ctx, "stage", `UPDATE value_chain_stages SET name = COALESCE(?, name), position = COALESCE(?, position), active = COALESCE(?, active) WHERE id = ?`,
			in.Name, in.Position, in.Active, id))
	})
	if err != nil {
		return nil, err
	}
	return db.Stage(ctx, id)
}

const reasonCols = `r.id, r.stage_id, s.name, r.name, r.active, r.created_at`

func scanReason(sc interface{ Scan(...any) error }) (*domain.FailureReason, error) {
	r := &domain.FailureReason{}
	var created int64
	if err := sc.Scan(&r.ID, &r.StageID, &r.Stage, &r.Name, &r.Active, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

// FailureReasons lists failure reasons by stage.
func (db *DB) FailureReasons(ctx context.Context) ([]*domain.FailureReason, error) {
	rows, err := db.query(ctx, `SELECT `+reasonCols+` FROM failure_reasons r JOIN value_chain_stages s ON s.id = r.stage_id ORDER BY s.position, s.id, r.name`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanReason)
}

// FailureReason loads one failure reason.
func (db *DB) FailureReason(ctx context.Context, id int64) (*domain.FailureReason, error) {
	r, err := scanReason(db.queryRow(ctx, `SELECT `+reasonCols+` FROM failure_reasons r JOIN value_chain_stages s ON s.id = r.stage_id WHERE r.id = ?`, id))
	if isNoRows(err) {
		return nil, domain.NotFound("failure reason")
	}
	return r, err
}

func (tx *Tx) checkStage(ctx context.Context, id int64, field string) error {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM value_chain_stages WHERE id = ?`, id).Scan(&one)
	if isNoRows(err) {
		return &domain.Error{Code: domain.EInvalid, Message: "no such stage", Fields: map[string]string{field: "no such stage"}}
	}
	return err
}

// CreateFailureReason adds a failure reason to a stage.
func (db *DB) CreateFailureReason(ctx context.Context, in FailureReasonInput) (*domain.FailureReason, error) {
	v := domain.Validation{}
	name := ""
	if in.Name != nil {
		name = *in.Name
	}
	domain.ValidateName(v, &name)
	v.Check(in.StageID != nil && *in.StageID > 0, "stage_id", "required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	var id int64
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.checkStage(ctx, *in.StageID, "stage_id"); err != nil {
			return err
		}
		var err error
		id, err = tx.insert(ctx, `INSERT INTO failure_reasons (stage_id, name, active, created_at) VALUES (?, ?, ?, ?)`, *in.StageID, name, active, ms(db.Now()))
		return nameTaken(err)
	})
	if err != nil {
		return nil, err
	}
	return db.FailureReason(ctx, id)
}

// UpdateFailureReason renames, moves or (de)activates a failure reason.
func (db *DB) UpdateFailureReason(ctx context.Context, id int64, in FailureReasonInput) (*domain.FailureReason, error) {
	if err := validateRename(in.Name); err != nil {
		return nil, err
	}
	err := db.Update(ctx, func(tx *Tx) error {
		if in.StageID != nil {
			if err := tx.checkStage(ctx, *in.StageID, "stage_id"); err != nil {
				return err
			}
		}
		return nameTaken(tx.execOne(ctx, "failure reason", `UPDATE failure_reasons SET name = COALESCE(?, name), stage_id = COALESCE(?, stage_id), active = COALESCE(?, active) WHERE id = ?`,
			in.Name, in.StageID, in.Active, id))
	})
	if err != nil {
		return nil, err
	}
	return db.FailureReason(ctx, id)
}
