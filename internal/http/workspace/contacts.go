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

// Contact pages: search, one person across every channel, and merging two
// records of the same person.

const contactsPerPage = 30

type contactsData struct {
	Contacts   []*domain.Contact
	Query      string
	NextURL    string
	FirstPage  bool
	ResultNote string
}

func (s *Handler) contactsList(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	cursor := r.URL.Query().Get("cursor")
	page, err := s.db.Contacts(r.Context(), domain.ContactFilter{Query: q, Limit: contactsPerPage, Cursor: cursor})
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			// A stale or edited cursor: start over rather than fail.
			http.Redirect(w, r, "/contacts?q="+url.QueryEscape(q), http.StatusSeeOther)
			return nil
		}
		return err
	}
	d := contactsData{Contacts: page.Contacts, Query: q, FirstPage: cursor == ""}
	if page.NextCursor != "" {
		d.NextURL = "/contacts?" + url.Values{"q": {q}, "cursor": {page.NextCursor}}.Encode()
	}
	p := &web.Page{Title: "Contacts", Nav: "contacts", Data: d}
	return s.render(w, r, http.StatusOK, "contacts", p)
}

type contactData struct {
	Contact   *domain.Contact
	Tickets   []*domain.Ticket
	MoreURL   string
	Open      int
	FirstPage bool
}

const contactTicketsPerPage = 50

func (s *Handler) contactPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.db.Contact(ctx, id)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	tp, err := s.db.Tickets(ctx, domain.TicketFilter{RequesterID: id, Sort: domain.SortNewest, Limit: contactTicketsPerPage, Cursor: cursor})
	if err != nil {
		return err
	}
	d := contactData{Contact: c, Tickets: tp.Tickets, FirstPage: cursor == ""}
	for _, t := range tp.Tickets {
		if !t.Status.Resolved() {
			d.Open++
		}
	}
	if tp.NextCursor != "" {
		d.MoreURL = "/contacts/" + strconv.FormatInt(id, 10) + "?cursor=" + url.QueryEscape(tp.NextCursor) + "#tickets"
	}
	if p.Form == nil {
		p.Form = url.Values{"name": {c.Name}, "organization": {c.Organization}, "kind": {"email"}}
	}
	p.Title, p.Nav, p.Data = c.DisplayName(), "contacts", d
	return s.render(w, r, status, "contacts_show", p)
}

func (s *Handler) contactShow(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.contactPage(w, r, http.StatusOK, &web.Page{})
}

func (s *Handler) contactUpdate(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	if err := s.db.UpdateContact(r.Context(), id, r.PostFormValue("name"), r.PostFormValue("organization")); err != nil {
		return s.contactFormError(w, r, err)
	}
	httpx.Redirect(w, r, "/contacts/"+strconv.FormatInt(id, 10), "Contact saved.")
	return nil
}

func (s *Handler) contactAddIdentity(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	kind := domain.IdentityKind(r.PostFormValue("kind"))
	if kind != domain.IdentityEmail && kind != domain.IdentityPhone {
		return s.contactFormError(w, r, &domain.Error{Code: domain.EInvalid, Message: "choose email or phone", Fields: map[string]string{"kind": "Choose email or phone."}})
	}
	value := strings.TrimSpace(r.PostFormValue("value"))
	if value == "" {
		return s.contactFormError(w, r, &domain.Error{Code: domain.EInvalid, Message: "value required", Fields: map[string]string{"value": "Enter an " + string(kind) + "."}})
	}
	if err := s.db.AddIdentity(r.Context(), id, kind, value); err != nil {
		if domain.ErrorCode(err) == domain.EConflict {
			err = s.identityConflict(r, kind, value, err)
		}
		return s.contactFormError(w, r, err)
	}
	httpx.Redirect(w, r, "/contacts/"+strconv.FormatInt(id, 10), "Added "+value+".")
	return nil
}

// identityConflict names the contact that already has the address, so the
// agent knows whom to merge with.
func (s *Handler) identityConflict(r *http.Request, kind domain.IdentityKind, value string, err error) error {
	other, oerr := s.db.ContactByIdentity(r.Context(), kind, value)
	if oerr != nil {
		return err
	}
	return &domain.Error{Code: domain.EConflict, Message: "identity taken",
		Fields: map[string]string{"value": "Already belongs to " + other.DisplayName() + " (contact " + strconv.FormatInt(other.ID, 10) + "). Merge the two contacts instead."}}
}

func (s *Handler) contactFormError(w http.ResponseWriter, r *http.Request, err error) error {
	return s.formError(w, r, err, func(p *web.Page, status int) error { return s.contactPage(w, r, status, p) })
}

// mergeData is what contacts_merge.html shows: a picker, then a confirmation
// naming exactly what moves.
type mergeData struct {
	Target        *domain.Contact
	Query         string
	Candidates    []*domain.Contact
	Source        *domain.Contact
	SourceTickets int
	TargetTickets int
	NameMoves     bool
	OrgMoves      bool
}

func (s *Handler) contactMergeForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.mergePage(w, r, http.StatusOK, &web.Page{})
}

func (s *Handler) mergePage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	ctx := r.Context()
	target, err := s.db.Contact(ctx, id)
	if err != nil {
		return err
	}
	d := mergeData{Target: target, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	src := r.URL.Query().Get("source")
	if src == "" {
		src = r.PostFormValue("source_id")
	}
	if sid, _ := strconv.ParseInt(src, 10, 64); sid > 0 && sid != id {
		source, err := s.db.Contact(ctx, sid)
		if err != nil && !domain.IsNotFound(err) {
			return err
		}
		if source != nil {
			d.Source = source
			if d.SourceTickets, err = s.db.CountContactTickets(ctx, sid); err != nil {
				return err
			}
			if d.TargetTickets, err = s.db.CountContactTickets(ctx, id); err != nil {
				return err
			}
			d.NameMoves = target.Name == "" && source.Name != ""
			d.OrgMoves = target.OrganizationID == nil && source.OrganizationID != nil
		}
	}
	if d.Source == nil && d.Query != "" {
		page, err := s.db.Contacts(ctx, domain.ContactFilter{Query: d.Query, Limit: 20})
		if err != nil {
			return err
		}
		for _, c := range page.Contacts {
			if c.ID != id {
				d.Candidates = append(d.Candidates, c)
			}
		}
	}
	p.Title, p.Nav, p.Data = "Merge into "+target.DisplayName(), "contacts", d
	return s.render(w, r, status, "contacts_merge", p)
}

// contactMerge folds the chosen contact into this one (store.MergeContacts,
// one transaction) and shows the result.
func (s *Handler) contactMerge(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(r.PostFormValue("source_id"), 10, 64)
	if err != nil || sid <= 0 {
		return s.formError(w, r, &domain.Error{Code: domain.EInvalid, Message: "choose a contact",
			Fields: map[string]string{"source_id": "Choose the contact to merge into this one."}},
			func(p *web.Page, status int) error { return s.mergePage(w, r, status, p) })
	}
	source, err := s.db.Contact(r.Context(), sid)
	if err != nil {
		if domain.IsNotFound(err) {
			err = &domain.Error{Code: domain.EInvalid, Message: "contact gone", Fields: map[string]string{"source_id": "That contact no longer exists; it may have been merged already."}}
		}
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.mergePage(w, r, status, p) })
	}
	if _, err := s.db.MergeContacts(r.Context(), id, sid); err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.mergePage(w, r, status, p) })
	}
	s.log.Info("contacts merged", "by", u.ID, "target", id, "source", sid)
	httpx.Redirect(w, r, "/contacts/"+strconv.FormatInt(id, 10), "Merged "+source.DisplayName()+" into this contact.")
	return nil
}
