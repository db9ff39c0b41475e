package workspace

import (
	"andon/internal/http/httpx"
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// Workspace pages for issue 7: the problem board, a problem, and the
// "pull the andon" panel of a ticket (templates problems.html, problem.html
// and _andon.html).

// withForm parses the posted form before h runs (the CSRF check may have
// come from a header and left it unread).
func withForm(h pageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, u *domain.User) error {
		if err := r.ParseForm(); err != nil {
			return domain.Errorf(domain.EBadRequest, "could not read the form")
		}
		return h(w, r, u)
	}
}

// boardColumn is one status column of the problem board.
type boardColumn struct {
	Status   domain.ProblemStatus
	Problems []*domain.Problem
}

type boardData struct {
	Columns []boardColumn
	Stages  []*domain.Stage
	StageID int64
	Total   int
}

func (s *Handler) problemBoard(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	f := domain.ProblemFilter{VisibleTo: u}
	var stageID int64
	if v := r.URL.Query().Get("stage"); v != "" {
		stageID, _ = strconv.ParseInt(v, 10, 64)
		f.StageID = stageID
	}
	ps, err := s.db.Problems(r.Context(), f)
	if err != nil {
		return err
	}
	stages, err := s.db.Stages(r.Context())
	if err != nil {
		return err
	}
	// Within a column the costliest defect comes first: most customers.
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].CustomerCount > ps[j].CustomerCount })
	d := boardData{Stages: stages, StageID: stageID, Total: len(ps)}
	for _, st := range domain.ProblemStatuses {
		col := boardColumn{Status: st}
		for _, p := range ps {
			if p.Status == st {
				col.Problems = append(col.Problems, p)
			}
		}
		d.Columns = append(d.Columns, col)
	}
	return s.render(w, r, http.StatusOK, "problems", &web.Page{Title: "Problems", Nav: "problems", Data: d})
}

type problemData struct {
	Problem     *domain.Problem
	Stages      []*domain.Stage
	Users       []*domain.User
	Teams       []*domain.Team
	Suggestions []store.TicketSuggestion
	Statuses    []domain.ProblemStatus
	Template    string
	Staff       bool
	CMStatuses  []domain.CountermeasureStatus
	// Current choices of the owner and stage selects (0: none).
	OwnerID, TeamID, StageID int64
	// InPlace: a countermeasure is in place, so the solution can become a
	// knowledge-base article.
	InPlace bool
	// Notified: what "Notify customers" just did (problem_notify.go).
	Notified *notifyOutcome
}

func idOr0(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (s *Handler) problemPage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	return s.renderProblem(w, r, u, id, nil)
}

// renderProblem shows the problem page; notified is the outcome of "Notify
// customers" just done (problem_notify.go), nil otherwise.
func (s *Handler) renderProblem(w http.ResponseWriter, r *http.Request, u *domain.User, id int64, notified *store.NotifyResult) error {
	p, err := s.db.Problem(r.Context(), id)
	if err != nil {
		return err
	}
	d := problemData{Problem: p, Statuses: domain.ProblemStatuses, Template: store.DefaultNoticeTemplate, Staff: !u.IsCollaborator(),
		CMStatuses: []domain.CountermeasureStatus{domain.CMPlanned, domain.CMInProgress, domain.CMInPlace, domain.CMFailed},
		OwnerID:    idOr0(p.OwnerUserID), TeamID: idOr0(p.OwnerTeamID), StageID: idOr0(p.StageID), Notified: outcomeOf(notified, p)}
	for _, c := range p.Countermeasures {
		d.InPlace = d.InPlace || c.Status == domain.CMInPlace
	}
	if d.Stages, err = s.db.Stages(r.Context()); err != nil {
		return err
	}
	if d.Users, err = s.db.Users(r.Context()); err != nil {
		return err
	}
	if d.Teams, err = s.db.Teams(r.Context()); err != nil {
		return err
	}
	if d.Staff && p.Status.Open() {
		// Collaborators never see tickets outside their problem.
		if d.Suggestions, err = s.db.SuggestTickets(r.Context(), id, 5); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "problem", &web.Page{Title: p.Ref() + " " + p.Title, Nav: "problems", Data: d})
}

// formDone ends a problem form post: back to the page with a confirmation,
// or with the reason it could not be saved.
func formDone(w http.ResponseWriter, r *http.Request, to string, err error, ok string) error {
	switch domain.ErrorCode(err) {
	case "":
		httpx.Redirect(w, r, to, ok)
		return nil
	case domain.EInvalid, domain.EUnprocessabl, domain.EConflict:
		msg := domain.ErrorMessage(err)
		var fields []string
		for k, v := range domain.ErrorFields(err) {
			fields = append(fields, strings.ReplaceAll(k, "_", " ")+": "+v)
		}
		sort.Strings(fields)
		if len(fields) > 0 {
			msg = strings.Join(fields, "; ")
		}
		httpx.Redirect(w, r, to, "Not saved — "+msg)
		return nil
	}
	return err
}

func formID(v string) *int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	return &id
}

func problemURL(id int64) string { return "/problems/" + strconv.FormatInt(id, 10) }

// pullAndon opens a problem from a ticket, or attaches the ticket to an
// existing one (problem_id).
func (s *Handler) pullAndon(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	f := r.PostForm
	tid := formID(f.Get("ticket_id"))
	if pid := formID(f.Get("problem_id")); pid != nil && tid != nil {
		err := s.db.LinkTicket(r.Context(), *pid, *tid, httpx.Actor(u))
		return formDone(w, r, "/tickets/"+strconv.FormatInt(*tid, 10), err, "Ticket linked to the problem.")
	}
	n := domain.NewProblem{Title: f.Get("title"), Description: f.Get("description"), StageID: formID(f.Get("stage_id"))}
	if tid != nil {
		n.TicketIDs = []int64{*tid}
	}
	p, err := s.db.CreateProblem(r.Context(), n, httpx.Actor(u))
	if err != nil {
		back := "/problems"
		if tid != nil {
			back = "/tickets/" + strconv.FormatInt(*tid, 10)
		}
		return formDone(w, r, back, err, "")
	}
	httpx.Redirect(w, r, problemURL(p.ID), "Andon pulled: problem "+p.Ref()+" opened.")
	return nil
}

func (s *Handler) updateProblemForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	f := r.PostForm
	var up domain.ProblemUpdate
	text := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		v := f.Get(name)
		return &v
	}
	up.Title, up.Description, up.RootCause = text("title"), text("description"), text("root_cause")
	if v := f.Get("status"); v != "" {
		st := domain.ProblemStatus(v)
		up.Status = &st
	}
	if _, ok := f["whys"]; ok {
		whys := strings.Split(strings.ReplaceAll(f.Get("whys"), "\r\n", "\n"), "\n")
		up.Whys = &whys
	}
	for name, dst := range map[string]**int64{"stage_id": &up.StageID, "owner_user_id": &up.OwnerUserID, "owner_team_id": &up.OwnerTeamID} {
		if _, ok := f[name]; ok {
			if *dst = formID(f.Get(name)); *dst == nil {
				*dst = new(int64) // "none"
			}
		}
	}
	_, err = s.db.UpdateProblem(r.Context(), id, up, httpx.Actor(u))
	return formDone(w, r, problemURL(id), err, "Problem updated.")
}

func (s *Handler) problemNoteForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	err = s.db.AddProblemNote(r.Context(), id, r.PostForm.Get("body"), httpx.Actor(u))
	return formDone(w, r, problemURL(id), err, "Finding recorded.")
}

func (s *Handler) linkTicketForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	tid := formID(strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("ticket_id")), "#"))
	if tid == nil {
		return formDone(w, r, problemURL(id), &domain.Error{Code: domain.EInvalid, Fields: map[string]string{"ticket_id": "give a ticket number"}}, "")
	}
	err = s.db.LinkTicket(r.Context(), id, *tid, httpx.Actor(u))
	return formDone(w, r, problemURL(id), err, "Ticket linked.")
}

func (s *Handler) unlinkTicketForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "problem")
	if err != nil {
		return err
	}
	tid, err := httpx.PathID(r, "ticket_id", "ticket")
	if err != nil {
		return err
	}
	err = s.db.UnlinkTicket(r.Context(), id, tid, httpx.Actor(u))
	return formDone(w, r, problemURL(id), err, "Ticket unlinked.")
}

func (s *Handler) addCountermeasureForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	f := r.PostForm
	days, _ := strconv.Atoi(f.Get("recurrence_window_days"))
	_, err = s.db.AddCountermeasure(r.Context(), id, domain.NewCountermeasure{What: f.Get("what"), OwnerUserID: formID(f.Get("owner_user_id")),
		DueDate: f.Get("due_date"), Verification: f.Get("verification"), RecurrenceWindowDays: days}, httpx.Actor(u))
	return formDone(w, r, problemURL(id), err, "Countermeasure added.")
}

func (s *Handler) updateCountermeasureForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	c, err := httpx.VisibleCountermeasure(s.db, r, u)
	if err != nil {
		return err
	}
	id := c.ID
	var up domain.CountermeasureUpdate
	if v := r.PostForm.Get("status"); v != "" {
		st := domain.CountermeasureStatus(v)
		up.Status = &st
	}
	_, err = s.db.UpdateCountermeasure(r.Context(), id, up, httpx.Actor(u))
	return formDone(w, r, problemURL(c.ProblemID), err, "Countermeasure updated.")
}

// problemToArticle turns the solution into a knowledge-base draft in one
// click and opens it in the article editor.
func (s *Handler) problemToArticle(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.VisibleProblem(s.db, r, u)
	if err != nil {
		return err
	}
	a, err := s.db.DraftFromProblem(r.Context(), id, u.ID)
	if err != nil {
		return formDone(w, r, problemURL(id), err, "")
	}
	httpx.Redirect(w, r, "/kb/articles/"+strconv.FormatInt(a.ID, 10)+"/edit", "Draft article created from the problem. Check it reads well for customers, then publish.")
	return nil
}

// classifyForm sets demand type and failure reason from the ticket's panel.
func (s *Handler) classifyForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	f := r.PostForm
	var c domain.TicketClassification
	if _, ok := f["demand_type"]; ok {
		d := domain.DemandType(f.Get("demand_type"))
		c.DemandType = &d
	}
	// The value-demand button sends the reason select too; value demand
	// has no failure reason, so it is ignored (the store clears it).
	if _, ok := f["failure_reason_id"]; ok && (c.DemandType == nil || *c.DemandType != domain.DemandValue) {
		if c.FailureReasonID = formID(f.Get("failure_reason_id")); c.FailureReasonID == nil {
			c.FailureReasonID = new(int64)
		}
	}
	_, err = s.db.ClassifyTicket(r.Context(), id, c.DemandType, c.FailureReasonID, nil, httpx.Actor(u))
	return formDone(w, r, "/tickets/"+strconv.FormatInt(id, 10), err, "Ticket classified.")
}

// AndonPanel is what the "pull the andon" panel of a ticket page shows
// (template "andon-panel" in _andon.html).
type AndonPanel struct {
	Ticket      *domain.Ticket
	Problem     *domain.Problem // the linked problem, if any
	Hint        *domain.DemandHint
	Suggestions []store.ProblemSuggestion
	Open        []*domain.Problem // open problems to attach the ticket to
	Reasons     []*domain.FailureReason
	Stages      []*domain.Stage
	CSRF        string
	ReasonID    int64 // the ticket's failure reason, 0 for none
}

// andonPanel gathers the panel for a ticket page. The ticket page handler
// (web_ticket.go) calls it and the page shows it with
// {{template "andon-panel" .Data.Andon}}.
func (s *Handler) andonPanel(ctx context.Context, t *domain.Ticket) (*AndonPanel, error) {
	a := &AndonPanel{Ticket: t, ReasonID: idOr0(t.FailureReasonID)}
	if sess := httpx.SessionFrom(ctx); sess != nil {
		a.CSRF = sess.CSRF
	}
	var err error
	if t.ProblemID != nil {
		if a.Problem, err = s.db.Problem(ctx, *t.ProblemID); err != nil {
			return nil, err
		}
	}
	if a.Hint, err = s.db.DemandHint(ctx, t.ID); err != nil {
		return nil, err
	}
	if a.Suggestions, err = s.db.SuggestProblems(ctx, t.ID, 3); err != nil {
		return nil, err
	}
	if a.Reasons, err = s.db.FailureReasons(ctx); err != nil {
		return nil, err
	}
	if t.ProblemID == nil {
		open := []domain.ProblemStatus{domain.ProblemInvestigating, domain.ProblemRootCauseFound, domain.ProblemInPlace}
		if a.Open, err = s.db.Problems(ctx, domain.ProblemFilter{Statuses: open, Limit: 50}); err != nil {
			return nil, err
		}
	}
	a.Stages, err = s.db.Stages(ctx)
	return a, err
}
