package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

type newTicketData struct {
	Contact *domain.Contact // the customer found by the lookup, if any
}

// newTicketForm opens a ticket on behalf of a customer, e.g. during a call.
// ?customer= prefills the phone or email (links from contact pages).
func (s *Handler) newTicketForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q := r.URL.Query()
	form := url.Values{"channel": {string(domain.ChannelPhone)}, "priority": {string(domain.PriorityNormal)},
		"log_call": {"1"}, "assign_me": {"1"}, "customer": {q.Get("customer")}}
	d := &newTicketData{}
	if id, err := strconv.ParseInt(q.Get("contact"), 10, 64); err == nil && id > 0 {
		c, err := s.db.Contact(r.Context(), id)
		if err != nil {
			return err
		}
		d.Contact = c
		form.Set("contact_id", strconv.FormatInt(c.ID, 10))
		form.Set("customer", firstNonEmpty(c.Phone(), c.Email()))
	}
	return s.render(w, r, http.StatusOK, "ticket_new", &web.Page{Title: "New ticket", Nav: "inbox", Form: form, Data: d})
}

// createTicket finds the customer by phone or email (creating one when new)
// and opens the ticket, logging the call as its first entry when asked.
func (s *Handler) createTicket(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EBadRequest, "could not read the form")
	}
	f := r.PostForm
	n := domain.NewTicket{
		Subject: f.Get("subject"), Body: f.Get("body"), Channel: domain.Channel(f.Get("channel")),
		Priority: domain.Priority(f.Get("priority")), AuthorUserID: u.ID,
	}
	v := domain.Validation{}
	customer := strings.TrimSpace(f.Get("customer"))
	if id, err := strconv.ParseInt(f.Get("contact_id"), 10, 64); err == nil && id > 0 {
		n.RequesterID = id
	} else {
		switch {
		case customer == "":
			v.Add("customer", "Enter the customer's phone number or email address.")
		case strings.Contains(customer, "@"):
			n.Requester.Email = customer
		default:
			n.Requester.Phone = customer
		}
		n.Requester.Name = f.Get("name")
	}
	if f.Get("assign_me") != "" {
		n.AssigneeID = &u.ID
		n.Status = domain.StatusOpen
	}
	if f.Get("log_call") != "" {
		secs, ok := parseMinutes(f.Get("duration"))
		v.Check(ok, "duration", "Enter the call length in minutes, e.g. 5 or 2.5.")
		n.Call = &domain.CallInfo{Direction: domain.Inbound, DurationSeconds: secs}
		if n.Channel == "" {
			n.Channel = domain.ChannelPhone
		}
	}
	page := &web.Page{Title: "New ticket", Nav: "inbox", Data: &newTicketData{}}
	if err := v.Err(); err != nil {
		return s.formErrors(w, r, "ticket_new", page, err)
	}
	t, err := s.db.CreateTicket(r.Context(), n)
	if err != nil {
		if fields := domain.ErrorFields(err); fields != nil {
			for _, k := range []string{"requester", "requester.email", "requester.phone", "requester_id"} {
				if msg, ok := fields[k]; ok {
					fields["customer"] = "Customer: " + msg + "."
				}
			}
		}
		return s.formErrors(w, r, "ticket_new", page, err)
	}
	httpx.Redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10), "Ticket "+t.Ref()+" created.")
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
