package workspace

import (
	"andon/internal/http/httpx"
	"math"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

type ticketData struct {
	Ticket  *domain.Ticket
	Others  []*domain.Ticket // the requester's other tickets, any channel
	Agents  []*domain.User
	Teams   []*domain.Team
	Tab     string // composer tab to open: reply, note or call
	TagText string
	Andon   *AndonPanel  // demand and problem panel (web_problems.go); nil for collaborators
	Route   domain.Route // where a reply sent now goes, shown by the composer
	// ChatClaim is the address a chat visitor typed but has not proven.
	ChatClaim string
}

// ticketPage shows one ticket: timeline, composer, properties, customer.
func (s *Handler) ticketPage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	tab := r.URL.Query().Get("tab")
	return s.renderTicket(w, r, http.StatusOK, id, &web.Page{}, tab)
}

func (s *Handler) renderTicket(w http.ResponseWriter, r *http.Request, status int, id int64, p *web.Page, tab string) error {
	ctx := r.Context()
	t, err := s.db.TicketWithTimeline(ctx, id)
	if err != nil {
		return err
	}
	d := &ticketData{Ticket: t, Tab: tab, TagText: strings.Join(t.Tags, ", ")}
	if d.Tab != "note" && d.Tab != "call" {
		d.Tab = "reply"
	}
	if d.ChatClaim, err = s.db.ChatClaim(ctx, id); err != nil {
		return err
	}
	others, err := s.db.Tickets(ctx, domain.TicketFilter{RequesterID: t.RequesterID, Limit: 20})
	if err != nil {
		return err
	}
	for _, o := range others.Tickets {
		if o.ID != t.ID {
			d.Others = append(d.Others, o)
		}
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return err
	}
	for _, a := range users {
		if a.Active || (t.AssigneeID != nil && *t.AssigneeID == a.ID) {
			d.Agents = append(d.Agents, a)
		}
	}
	if d.Teams, err = s.db.Teams(ctx); err != nil {
		return err
	}
	if d.Route, err = s.db.ReplyRoute(ctx, id); err != nil {
		return err
	}
	if err := s.attachMailViews(ctx, t, csrfFrom(ctx)); err != nil { // web_mail_ticket.go
		return err
	}
	addAttachedViews(t) // mail_attached.go
	if u := httpx.UserFrom(ctx); u != nil && !u.IsCollaborator() {
		if d.Andon, err = s.andonPanel(ctx, t); err != nil {
			return err
		}
	}
	p.Title = t.Ref() + " " + t.Subject
	p.Nav = "inbox"
	p.Data = d
	return s.render(w, r, status, "ticket", p)
}

// entryFailed re-renders the ticket with the composer's field errors.
func (s *Handler) entryFailed(w http.ResponseWriter, r *http.Request, id int64, tab string, err error) error {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid {
		return err
	}
	p := &web.Page{Errors: domain.ErrorFields(err), Form: r.PostForm}
	if len(p.Errors) == 0 {
		p.Errors = map[string]string{"_": domain.ErrorMessage(err)}
	}
	return s.renderTicket(w, r, http.StatusUnprocessableEntity, id, p, tab)
}

// replyTicket sends a public reply over the ticket's channel, optionally
// moving the ticket to another status in the same transaction.
func (s *Handler) replyTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	n := domain.NewEntry{TicketID: id, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body: r.PostFormValue("body"), Actor: httpx.Actor(u), Status: domain.Status(r.PostFormValue("status"))}
	files, err := replyExtras(r, &n) // CC, BCC and attachments (web_mail_ticket.go)
	if err != nil {
		return s.entryFailed(w, r, id, "reply", err)
	}
	e, err := s.db.AddEntryWithFiles(r.Context(), n, files)
	if err != nil {
		return s.entryFailed(w, r, id, "reply", err)
	}
	httpx.Redirect(w, r, ticketURL(id, e.ID), "Reply sent.")
	return nil
}

// noteTicket adds an internal note, never shown to the customer.
func (s *Handler) noteTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	e, err := s.db.AddEntry(r.Context(), domain.NewEntry{TicketID: id, Kind: domain.EntryNote, Body: r.PostFormValue("body"), Actor: httpx.Actor(u)})
	if err != nil {
		return s.entryFailed(w, r, id, "note", err)
	}
	httpx.Redirect(w, r, ticketURL(id, e.ID), "Note added.")
	return nil
}

// callTicket logs a phone call with its direction, duration and notes.
func (s *Handler) callTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	secs, ok := parseMinutes(r.PostFormValue("duration"))
	if !ok {
		return s.entryFailed(w, r, id, "call", &domain.Error{Code: domain.EInvalid, Message: "invalid duration",
			Fields: map[string]string{"duration": "Enter the call length in minutes, e.g. 5 or 2.5."}})
	}
	call := &domain.CallInfo{Direction: domain.Direction(r.PostFormValue("direction")), DurationSeconds: secs}
	e, err := s.db.AddEntry(r.Context(), domain.NewEntry{TicketID: id, Kind: domain.EntryCall, Body: r.PostFormValue("body"),
		Call: call, Actor: httpx.Actor(u), Status: domain.Status(r.PostFormValue("status"))})
	if err != nil {
		if f := domain.ErrorFields(err); f != nil && f["duration_seconds"] != "" {
			f["duration"] = "Between 0 and 1440 minutes."
		}
		return s.entryFailed(w, r, id, "call", err)
	}
	httpx.Redirect(w, r, ticketURL(id, e.ID), "Call logged.")
	return nil
}

// parseMinutes reads a call length in minutes ("5", "2.5", "" for 0).
func parseMinutes(v string) (int, bool) {
	v = strings.TrimSpace(strings.ReplaceAll(v, ",", "."))
	if v == "" {
		return 0, true
	}
	m, err := strconv.ParseFloat(v, 64)
	if err != nil || m < 0 || m > 24*60 || math.IsNaN(m) {
		return 0, false
	}
	return int(math.Round(m * 60)), true
}

// ticketProperties changes status, priority, assignee, team and tags; the
// store records one timeline event per changed field.
func (s *Handler) ticketProperties(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EBadRequest, "could not read the form")
	}
	f := r.PostForm
	var up domain.TicketUpdate
	if v := f.Get("status"); v != "" {
		st := domain.Status(v)
		up.Status = &st
	}
	if v := f.Get("priority"); v != "" {
		pr := domain.Priority(v)
		up.Priority = &pr
	}
	if _, ok := f["assignee"]; ok {
		if up.AssigneeID, up.ClearAssignee, err = optionalID(f.Get("assignee"), "assignee_id"); err != nil {
			return s.entryFailed(w, r, id, "", err)
		}
	}
	if _, ok := f["team"]; ok {
		if up.TeamID, up.ClearTeam, err = optionalID(f.Get("team"), "team_id"); err != nil {
			return s.entryFailed(w, r, id, "", err)
		}
	}
	if _, ok := f["tags"]; ok {
		tags := splitTags(f.Get("tags"))
		up.Tags = &tags
	}
	if _, err := s.db.UpdateTicket(r.Context(), id, up, httpx.Actor(u)); err != nil {
		return s.entryFailed(w, r, id, "", err)
	}
	httpx.Redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10), "Ticket updated.")
	return nil
}

// optionalID reads a select whose empty value means "nobody".
func optionalID(v, field string) (*int64, bool, error) {
	if v == "" || v == "none" {
		return nil, true, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, false, &domain.Error{Code: domain.EInvalid, Message: "invalid " + field, Fields: map[string]string{field: "unknown choice"}}
	}
	return &id, false, nil
}

// splitTags reads "billing, vip refund" style input.
func splitTags(v string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' })
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func ticketURL(id, entryID int64) string {
	u := "/tickets/" + strconv.FormatInt(id, 10)
	if entryID != 0 {
		u += "#entry-" + strconv.FormatInt(entryID, 10)
	}
	return u
}
