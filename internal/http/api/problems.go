package api

import (
	"andon/internal/http/httpx"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
)

// REST API v1 for issue 7, pulling the andon cord: problems, root causes,
// countermeasures, proactive notices, similarity suggestions, failure
// reasons and value-chain stages.

func parseProblemStatuses(s string, v domain.Validation) []domain.ProblemStatus {
	var out []domain.ProblemStatus
	for _, p := range strings.Split(s, ",") {
		st := domain.ProblemStatus(strings.TrimSpace(p))
		if !st.Valid() {
			v.Add("status", "unknown status "+strconv.Quote(string(st)))
			continue
		}
		out = append(out, st)
	}
	return out
}

func (s *Handler) apiListProblems(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "status", "stage", "limit")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	f := domain.ProblemFilter{VisibleTo: u, Limit: queryLimit(q, v)}
	if st := q.Get("status"); st != "" {
		f.Statuses = parseProblemStatuses(st, v)
	}
	if st := q.Get("stage"); st != "" {
		id, err := strconv.ParseInt(st, 10, 64)
		v.Check(err == nil && id > 0, "stage", "must be a stage id")
		f.StageID = id
	}
	if err := v.Err(); err != nil {
		return err
	}
	ps, err := s.db.Problems(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"problems": ps})
	return nil
}

type newProblemIn struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	StageID     *int64  `json:"stage_id"`
	OwnerUserID *int64  `json:"owner_user_id"`
	OwnerTeamID *int64  `json:"owner_team_id"`
	TicketIDs   []int64 `json:"ticket_ids"`
}

func (s *Handler) apiCreateProblem(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in newProblemIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.db.CreateProblem(r.Context(), domain.NewProblem{Title: in.Title, Description: in.Description, StageID: in.StageID,
		OwnerUserID: in.OwnerUserID, OwnerTeamID: in.OwnerTeamID, TicketIDs: in.TicketIDs}, httpx.Actor(u))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/problems/"+strconv.FormatInt(p.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Handler) apiGetProblem(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	return s.writeProblem(w, r, http.StatusOK, id)
}

type problemPatchIn struct {
	Title       optional[string]               `json:"title"`
	Description optional[string]               `json:"description"`
	StageID     optional[int64]                `json:"stage_id"`
	OwnerUserID optional[int64]                `json:"owner_user_id"`
	OwnerTeamID optional[int64]                `json:"owner_team_id"`
	Status      optional[domain.ProblemStatus] `json:"status"`
	Whys        optional[[]string]             `json:"whys"`
	RootCause   optional[string]               `json:"root_cause"`
}

// clearableID maps an optional id to the store's convention: nil keeps,
// a pointer to 0 clears (JSON null), else the id.
func clearableID(o optional[int64], field string, v domain.Validation) *int64 {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		return new(int64)
	case o.Value <= 0:
		v.Add(field, "must be an id or null")
		return nil
	}
	return &o.Value
}

func textField(o optional[string]) *string {
	if !o.Set {
		return nil
	}
	return &o.Value // null clears, like ""
}

func (s *Handler) apiPatchProblem(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	var in problemPatchIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	v := domain.Validation{}
	up := domain.ProblemUpdate{
		Title: textField(in.Title), Description: textField(in.Description), RootCause: textField(in.RootCause),
		StageID:     clearableID(in.StageID, "stage_id", v),
		OwnerUserID: clearableID(in.OwnerUserID, "owner_user_id", v),
		OwnerTeamID: clearableID(in.OwnerTeamID, "owner_team_id", v),
	}
	if in.Status.Set {
		v.Check(!in.Status.Null, "status", "must not be null")
		up.Status = &in.Status.Value
	}
	if in.Whys.Set {
		whys := in.Whys.Value
		if whys == nil {
			whys = []string{}
		}
		up.Whys = &whys
	}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := s.db.UpdateProblem(r.Context(), id, up, httpx.Actor(u))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, p)
	return nil
}

// writeProblem answers with the problem as it is now, after a change.
func (s *Handler) writeProblem(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	p, err := s.db.Problem(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, p)
	return nil
}

type noteIn struct {
	Body string `json:"body"`
}

// apiAddProblemNote records a finding (collaborators' main way to report).
func (s *Handler) apiAddProblemNote(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	var in noteIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.db.AddProblemNote(r.Context(), id, in.Body, httpx.Actor(u)); err != nil {
		return err
	}
	return s.writeProblem(w, r, http.StatusCreated, id)
}

type linkIn struct {
	TicketID int64 `json:"ticket_id"`
}

func (s *Handler) apiLinkProblemTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	var in linkIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.TicketID <= 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "ticket_id required", Fields: map[string]string{"ticket_id": "required"}}
	}
	if err := s.db.LinkTicket(r.Context(), id, in.TicketID, httpx.Actor(u)); err != nil {
		return err
	}
	return s.writeProblem(w, r, http.StatusOK, id)
}

func (s *Handler) apiUnlinkProblemTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	tid, err := httpx.PathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	if err := s.db.UnlinkTicket(r.Context(), id, tid, httpx.Actor(u)); err != nil {
		return err
	}
	return s.writeProblem(w, r, http.StatusOK, id)
}

// apiGetProblemTicket shows a linked ticket with its timeline: how a
// collaborator reads the customers' own words.
func (s *Handler) apiGetProblemTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	tid, err := httpx.PathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	t, err := s.db.TicketWithTimeline(r.Context(), tid)
	if err != nil {
		return err
	}
	if t.ProblemID == nil || *t.ProblemID != id {
		return domain.NotFound("ticket")
	}
	if err := s.db.CanSeeTicket(r.Context(), u, t); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

type countermeasureIn struct {
	What                 string                      `json:"what"`
	OwnerUserID          *int64                      `json:"owner_user_id"`
	DueDate              string                      `json:"due_date"`
	Status               domain.CountermeasureStatus `json:"status"`
	Verification         string                      `json:"verification"`
	RecurrenceWindowDays int                         `json:"recurrence_window_days"`
}

func (s *Handler) apiAddCountermeasure(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	var in countermeasureIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.db.AddCountermeasure(r.Context(), id, domain.NewCountermeasure{What: in.What, OwnerUserID: in.OwnerUserID,
		DueDate: in.DueDate, Status: in.Status, Verification: in.Verification, RecurrenceWindowDays: in.RecurrenceWindowDays}, httpx.Actor(u))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
	return nil
}

type countermeasurePatchIn struct {
	What                 optional[string]                      `json:"what"`
	OwnerUserID          optional[int64]                       `json:"owner_user_id"`
	DueDate              optional[string]                      `json:"due_date"`
	Status               optional[domain.CountermeasureStatus] `json:"status"`
	Verification         optional[string]                      `json:"verification"`
	RecurrenceWindowDays optional[int]                         `json:"recurrence_window_days"`
}

func (s *Handler) apiPatchCountermeasure(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	c, err := httpx.VisibleCountermeasure(s.db, r, u)
	if err != nil {
		return err
	}
	id := c.ID
	var in countermeasurePatchIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	v := domain.Validation{}
	up := domain.CountermeasureUpdate{What: textField(in.What), DueDate: textField(in.DueDate), Verification: textField(in.Verification),
		OwnerUserID: clearableID(in.OwnerUserID, "owner_user_id", v)}
	if in.Status.Set {
		v.Check(!in.Status.Null, "status", "must not be null")
		up.Status = &in.Status.Value
	}
	if in.RecurrenceWindowDays.Set {
		v.Check(!in.RecurrenceWindowDays.Null, "recurrence_window_days", "must not be null")
		up.RecurrenceWindowDays = &in.RecurrenceWindowDays.Value
	}
	if err := v.Err(); err != nil {
		return err
	}
	c, err = s.db.UpdateCountermeasure(r.Context(), id, up, httpx.Actor(u))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

type notifyIn struct {
	Template         string `json:"template"`
	CountermeasureID int64  `json:"countermeasure_id"`
	Force            bool   `json:"force"`
}

func (s *Handler) apiNotifyProblem(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	var in notifyIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := s.db.NotifyProblem(r.Context(), id, store.NotifyRequest{Template: in.Template, CountermeasureID: in.CountermeasureID, Force: in.Force}, httpx.Actor(u))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func suggestLimit(r *http.Request) (int, error) {
	q, err := queryValues(r, "limit")
	if err != nil {
		return 0, err
	}
	v := domain.Validation{}
	n := queryLimit(q, v)
	return n, v.Err()
}

// apiProblemSuggestions lists unlinked recent tickets that look like the problem.
func (s *Handler) apiProblemSuggestions(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	limit, err := suggestLimit(r)
	if err != nil {
		return err
	}
	sug, err := s.db.SuggestTickets(r.Context(), id, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tickets": sug})
	return nil
}

// apiTicketAndon is what the "pull the andon" panel of a ticket needs: the
// automatic demand hint and the open problems the ticket looks like.
func (s *Handler) apiTicketAndon(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	limit, err := suggestLimit(r)
	if err != nil {
		return err
	}
	hint, err := s.db.DemandHint(r.Context(), id)
	if err != nil {
		return err
	}
	sug, err := s.db.SuggestProblems(r.Context(), id, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"demand_hint": hint, "problems": sug})
	return nil
}

// ticketClassIn is the issue-7 part of PATCH /api/v1/tickets/{id}. Embed it
// in ticketPatchIn (its fields are then top-level JSON fields) and pass
// classification() to store.UpdateTicketClassified.
type ticketClassIn struct {
	DemandType      optional[domain.DemandType] `json:"demand_type"`
	FailureReasonID optional[int64]             `json:"failure_reason_id"`
	ProblemID       optional[int64]             `json:"problem_id"`
}

// classification maps the fields: null clears, absent keeps.
func (in *ticketClassIn) classification() (domain.TicketClassification, error) {
	var c domain.TicketClassification
	v := domain.Validation{}
	if in.DemandType.Set {
		d := in.DemandType.Value // null clears, like ""
		c.DemandType = &d
	}
	c.FailureReasonID = clearableID(in.FailureReasonID, "failure_reason_id", v)
	c.ProblemID = clearableID(in.ProblemID, "problem_id", v)
	return c, v.Err()
}
