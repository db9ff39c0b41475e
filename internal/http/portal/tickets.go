package portal

import (
	"andon/internal/http/httpx"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

// The portal's ticket form and the signed-in customer's tickets.

type portalNewData struct {
	Categories []*domain.Category
	Created    *domain.Ticket
	Route      domain.Route // where our answer to Created will go
}

func (s *Handler) portalNewForm(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	cats, err := s.db.Categories(r.Context())
	if err != nil {
		return err
	}
	p := &web.PortalPage{Title: "Contact support", Customer: c, Data: portalNewData{Categories: cats}}
	if q := r.URL.Query().Get("subject"); q != "" {
		p.Form = map[string][]string{"subject": {q}}
	}
	return s.portalRender(w, r, http.StatusOK, "portal_new", p)
}

// portalCreateTicket opens a portal ticket. Signed-in customers are the
// requester; others give a name and email address.
func (s *Handler) portalCreateTicket(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	ctx := r.Context()
	cats, err := s.db.Categories(ctx)
	if err != nil {
		return err
	}
	p := &web.PortalPage{Title: "Contact support", Customer: c, Data: portalNewData{Categories: cats}}
	n := domain.NewTicket{
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("description"),
		Meta: map[string]any{"source": "portal"},
	}
	if c != nil {
		n.RequesterID = c.ID
	} else {
		n.Requester = domain.Requester{Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
		if strings.TrimSpace(n.Requester.Email) == "" {
			return s.portalFormErrors(w, r, "portal_new", p, &domain.Error{Code: domain.EInvalid, Message: "email required",
				Fields: map[string]string{"email": "Enter your email address so we can answer you."}})
		}
	}
	if slug := r.PostFormValue("category"); slug != "" {
		for _, cat := range cats {
			if cat.Slug == slug {
				n.Tags = []string{cat.Slug}
			}
		}
	}
	files, err := httpx.FormFiles(r, "attachments")
	if err != nil {
		return s.portalFormErrors(w, r, "portal_new", p, err)
	}
	t, err := s.db.CreatePortalTicket(ctx, n, files, visitorID(r))
	if err != nil {
		return s.portalFormErrors(w, r, "portal_new", p, renameFields(err, map[string]string{
			"body": "description", "requester.email": "email", "requester.name": "name", "requester": "email"}))
	}
	s.log.Info("portal ticket created", "ticket", t.ID)
	// Say where the answer will go by the rule replies are sent by.
	route, err := s.db.ReplyRoute(ctx, t.ID)
	if err != nil {
		return err
	}
	if c != nil {
		httpx.Redirect(w, r, "/help/tickets/"+strconv.FormatInt(t.ID, 10), "Thanks, we received your request "+t.Ref()+". "+answerWhere(route))
		return nil
	}
	p.Data = portalNewData{Created: t, Route: route}
	p.Form = nil
	return s.portalRender(w, r, http.StatusOK, "portal_new", p)
}

// answerWhere tells the customer where our answer will reach them.
func answerWhere(r domain.Route) string {
	if r.ByEmail() {
		return "We will answer you by email and on this page."
	}
	return "Our answer will appear on this page: we have no email address for you."
}

// renameFields maps store field names to the names of form inputs.
func renameFields(err error, names map[string]string) error {
	fields := domain.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	out := map[string]string{}
	for k, v := range fields {
		if n, ok := names[k]; ok {
			k = n
		}
		out[k] = v
	}
	return &domain.Error{Code: domain.ErrorCode(err), Message: domain.ErrorMessage(err), Fields: out}
}

type portalTicketsData struct {
	Page *domain.TicketPage
}

// portalTickets lists all the customer's tickets, from every channel.
func (s *Handler) portalTickets(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	page, err := s.db.CustomerTickets(r.Context(), c.ID, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return s.portalRender(w, r, http.StatusOK, "portal_tickets", &web.PortalPage{Title: "Your requests", Customer: c, Data: portalTicketsData{Page: page}})
}

type portalTicketData struct {
	Ticket *domain.Ticket
	Files  map[int64][]domain.Attachment // by entry id
	Survey *surveyPage                   // a solved ticket's unanswered survey (chat_survey.go)
}

// portalTicketID reads {id}; anything else is "not found".
func portalTicketID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.NotFound("ticket")
	}
	return id, nil
}

// portalTicket shows one of the customer's tickets with its public timeline.
func (s *Handler) portalTicket(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	id, err := portalTicketID(r)
	if err != nil {
		return err
	}
	t, files, err := s.db.CustomerTicket(r.Context(), c.ID, id)
	if err != nil {
		return err
	}
	d := portalTicketData{Ticket: t, Files: map[int64][]domain.Attachment{}}
	for _, f := range files {
		d.Files[*f.EntryID] = append(d.Files[*f.EntryID], f)
	}
	if d.Survey, err = s.portalSurvey(r, t); err != nil {
		return err
	}
	return s.portalRender(w, r, http.StatusOK, "portal_ticket", &web.PortalPage{Title: t.Subject, Customer: c, Data: d})
}

// portalReply adds the customer's message to their ticket.
func (s *Handler) portalReply(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	id, err := portalTicketID(r)
	if err != nil {
		return err
	}
	files, err := httpx.FormFiles(r, "attachments")
	if err == nil {
		_, err = s.db.CustomerReply(r.Context(), c, id, r.PostFormValue("body"), files)
	}
	if code := domain.ErrorCode(err); code == domain.EInvalid {
		t, tfiles, terr := s.db.CustomerTicket(r.Context(), c.ID, id)
		if terr != nil {
			return terr
		}
		d := portalTicketData{Ticket: t, Files: map[int64][]domain.Attachment{}}
		for _, f := range tfiles {
			d.Files[*f.EntryID] = append(d.Files[*f.EntryID], f)
		}
		return s.portalFormErrors(w, r, "portal_ticket", &web.PortalPage{Title: t.Subject, Customer: c, Data: d}, err)
	} else if err != nil {
		return err
	}
	httpx.Redirect(w, r, "/help/tickets/"+strconv.FormatInt(id, 10)+"#end", "Your message was added.")
	return nil
}

// portalSolve lets the customer mark their ticket solved.
func (s *Handler) portalSolve(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	id, err := portalTicketID(r)
	if err != nil {
		return err
	}
	if err := s.db.CustomerSolve(r.Context(), c, id); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/help/tickets/"+strconv.FormatInt(id, 10), "Marked as solved. Write again any time to reopen it.")
	return nil
}

// portalAttachment serves a file of the customer's own ticket, always as a
// download with a type that browsers will not run or render as a page.
func (s *Handler) portalAttachment(w http.ResponseWriter, r *http.Request, c *domain.Contact) error {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || id <= 0 {
		return domain.NotFound("attachment")
	}
	tid, err := portalTicketID(r)
	if err != nil {
		return err
	}
	_, files, err := s.db.CustomerTicket(r.Context(), c.ID, tid)
	if err != nil {
		return err
	}
	visible := false
	for _, f := range files {
		visible = visible || f.ID == id
	}
	if !visible {
		return domain.NotFound("attachment")
	}
	a, data, err := s.db.AttachmentData(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.ServeAttachment(w, a, data)
	return nil
}
