package api

import (
	"andon/internal/http/httpx"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/domain"
)

// REST API v1: tickets, their timeline, and the helpers every API handler
// shares (path ids, query parameters, optional JSON fields, rate limit).

// queryValues returns the URL parameters, rejecting unknown ones so that a
// misspelt filter does not silently return everything.
func queryValues(r *http.Request, allowed ...string) (url.Values, error) {
	q := r.URL.Query()
	for k := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return nil, &domain.Error{Code: domain.EBadRequest, Message: "unknown parameter " + k, Fields: map[string]string{k: "unknown parameter"}}
		}
	}
	return q, nil
}

// queryLimit parses the page size: absent means the default, else 1 to 200.
func queryLimit(q url.Values, v domain.Validation) int {
	s := q.Get("limit")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		v.Add("limit", "must be a number from 1 to 200")
		return 0
	}
	return n
}

// optional is a JSON field that tells absent, null and a value apart, as a
// PATCH needs ("assignee_id": null unassigns; no assignee_id keeps it).
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// apiNoRoute answers unknown /api/ paths (and methods) with the envelope.
func (s *Handler) apiNoRoute(w http.ResponseWriter, r *http.Request) {
	httpx.WriteError(s.log, w, r, domain.Errorf(domain.ENotFound, "no such API endpoint: %s %s", r.Method, r.URL.Path))
}

type newTicketIn struct {
	Subject     string            `json:"subject"`
	Body        string            `json:"body"`
	Requester   *domain.Requester `json:"requester"`
	RequesterID int64             `json:"requester_id"`
	Channel     domain.Channel    `json:"channel"`
	Priority    domain.Priority   `json:"priority"`
	Status      domain.Status     `json:"status"`
	Tags        []string          `json:"tags"`
	AssigneeID  *int64            `json:"assignee_id"`
	TeamID      *int64            `json:"team_id"`
}

func (s *Handler) apiCreateTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in newTicketIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	n := domain.NewTicket{
		Subject: in.Subject, Body: in.Body, RequesterID: in.RequesterID, Channel: in.Channel,
		Priority: in.Priority, Status: in.Status, Tags: in.Tags, AssigneeID: in.AssigneeID, TeamID: in.TeamID,
		AuthorUserID: u.ID,
	}
	if in.Requester != nil {
		if in.RequesterID != 0 {
			return &domain.Error{Code: domain.EInvalid, Message: "give requester or requester_id, not both",
				Fields: map[string]string{"requester": "give requester or requester_id, not both"}}
		}
		n.Requester = *in.Requester
	}
	t, err := s.db.CreateTicket(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Handler) apiListTickets(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "status", "assignee", "team", "tag", "channel", "requester", "sort", "limit", "cursor")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	f := domain.TicketFilter{Sort: domain.TicketSort(q.Get("sort")), Cursor: q.Get("cursor"), Limit: queryLimit(q, v)}
	if st := q.Get("status"); st != "" {
		for _, p := range strings.Split(st, ",") {
			s := domain.Status(strings.TrimSpace(p))
			if !s.Valid() {
				v.Add("status", "unknown status "+strconv.Quote(string(s)))
				continue
			}
			f.Statuses = append(f.Statuses, s)
		}
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = &u.ID
	case "none":
		f.AssigneeID = new(int64)
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			v.Add("assignee", `must be an agent id, "me" or "none"`)
		}
		f.AssigneeID = &id
	}
	switch t := q.Get("team"); t {
	case "":
	case "none":
		f.TeamID = new(int64)
	default:
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			v.Add("team", `must be a team id or "none"`)
		}
		f.TeamID = &id
	}
	if tag := q.Get("tag"); tag != "" {
		// Normalized as tags are stored: "Two Words" finds "two-words".
		if tags := domain.NormalizeTags([]string{tag}, "tag", v); len(tags) == 1 {
			f.Tag = tags[0]
		}
	}
	if c := q.Get("channel"); c != "" {
		f.Channel = domain.Channel(c)
		v.Check(f.Channel.Valid(), "channel", "must be one of email, chat, portal, phone, api")
	}
	if rq := q.Get("requester"); rq != "" {
		id, err := strconv.ParseInt(rq, 10, 64)
		v.Check(err == nil && id > 0, "requester", "must be a contact id")
		f.RequesterID = id
	}
	if f.Sort != "" {
		v.Check(f.Sort.Valid(), "sort", "must be updated, priority, oldest or newest")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if u.IsCollaborator() {
		// Collaborators see only the tickets of their problems; the
		// filters apply to the inbox, so they are refused rather than ignored.
		if len(q) > 0 && !(len(q) == 1 && q.Has("limit")) {
			return domain.Errorf(domain.EBadRequest, "collaborators list the tickets of their problems; only limit applies")
		}
		page, err := s.db.CollaboratorTickets(r.Context(), u, f.Limit)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, page)
		return nil
	}
	page, err := s.db.Tickets(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Handler) apiGetTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, true)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

type ticketPatchIn struct {
	// demand_type, failure_reason_id and problem_id (api_problems.go).
	ticketClassIn
	Subject    optional[string]          `json:"subject"`
	Status     optional[domain.Status]   `json:"status"`
	Priority   optional[domain.Priority] `json:"priority"`
	AssigneeID optional[int64]           `json:"assignee_id"`
	TeamID     optional[int64]           `json:"team_id"`
	Tags       optional[[]string]        `json:"tags"`
}

// update turns the patch into a domain update; null clears a field that may
// be empty and is an error for one that may not.
func (in *ticketPatchIn) update() (domain.TicketUpdate, error) {
	var up domain.TicketUpdate
	v := domain.Validation{}
	if in.Subject.Set {
		v.Check(!in.Subject.Null, "subject", "must not be null")
		up.Subject = &in.Subject.Value
	}
	if in.Status.Set {
		v.Check(!in.Status.Null, "status", "must not be null")
		up.Status = &in.Status.Value
	}
	if in.Priority.Set {
		v.Check(!in.Priority.Null, "priority", "must not be null")
		up.Priority = &in.Priority.Value
	}
	if in.AssigneeID.Set {
		switch {
		case in.AssigneeID.Null:
			up.ClearAssignee = true
		case in.AssigneeID.Value > 0:
			up.AssigneeID = &in.AssigneeID.Value
		default:
			v.Add("assignee_id", "must be an agent id or null")
		}
	}
	if in.TeamID.Set {
		switch {
		case in.TeamID.Null:
			up.ClearTeam = true
		case in.TeamID.Value > 0:
			up.TeamID = &in.TeamID.Value
		default:
			v.Add("team_id", "must be a team id or null")
		}
	}
	if in.Tags.Set {
		tags := in.Tags.Value // null clears the tags, like []
		if tags == nil {
			tags = []string{}
		}
		up.Tags = &tags
	}
	return up, v.Err()
}

func (s *Handler) apiPatchTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	var in ticketPatchIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	up, err := in.update()
	if err != nil {
		return err
	}
	cls, err := in.classification()
	if err != nil {
		return err
	}
	if cls.ProblemID != nil && *cls.ProblemID != 0 && s.db.CanSeeProblem(r.Context(), u, *cls.ProblemID) != nil {
		// Same answer as a problem that does not exist.
		return &domain.Error{Code: domain.EInvalid, Message: "no such problem", Fields: map[string]string{"problem_id": "no such problem"}}
	}
	t, err = s.db.UpdateTicketClassified(r.Context(), t.ID, up, cls, httpx.Actor(u))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, t)
	return nil
}

type messageIn struct {
	Body     string        `json:"body"`
	Internal bool          `json:"internal"`
	Status   domain.Status `json:"status"`
}

func (s *Handler) apiAddMessage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	id := t.ID
	var in messageIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	n := domain.NewEntry{TicketID: id, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: in.Body, Actor: httpx.Actor(u), Status: in.Status}
	if in.Internal {
		n.Kind, n.Direction = domain.EntryNote, ""
	}
	e, err := s.db.AddEntry(r.Context(), n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}

type callIn struct {
	Direction       domain.Direction `json:"direction"`
	DurationSeconds int              `json:"duration_seconds"`
	Notes           string           `json:"notes"`
	From            string           `json:"from"`
	To              string           `json:"to"`
	Status          domain.Status    `json:"status"`
}

func (s *Handler) apiAddCall(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	id := t.ID
	var in callIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	v := domain.Validation{}
	v.Check(len(in.From) <= 100, "from", "at most 100 characters")
	v.Check(len(in.To) <= 100, "to", "at most 100 characters")
	if err := v.Err(); err != nil {
		return err
	}
	call := &domain.CallInfo{Direction: in.Direction, DurationSeconds: in.DurationSeconds,
		From: strings.TrimSpace(in.From), To: strings.TrimSpace(in.To)}
	e, err := s.db.AddEntry(r.Context(), domain.NewEntry{TicketID: id, Kind: domain.EntryCall, Body: in.Notes,
		Call: call, Actor: httpx.Actor(u), Status: in.Status})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, e)
	return nil
}
