package api

import (
	"andon/internal/http/httpx"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/store"
)

// REST API v1: contacts (customers), and the read-only lists of agents and
// teams that clients need to fill assignee_id and team_id.

// contactTicketsLimit bounds the tickets embedded in a contact; the rest are
// one GET /api/v1/tickets?requester=ID&sort=newest&cursor=... away.
const contactTicketsLimit = 50

// ContactOut is a contact with their tickets on every channel.
type ContactOut struct {
	*domain.Contact
	Tickets           []*domain.Ticket `json:"tickets"`
	TicketsNextCursor string           `json:"tickets_next_cursor,omitempty"`
}

func (s *Handler) contactWithTickets(r *http.Request, c *domain.Contact) (*ContactOut, error) {
	page, err := s.db.Tickets(r.Context(), domain.TicketFilter{RequesterID: c.ID, Sort: domain.SortNewest, Limit: contactTicketsLimit})
	if err != nil {
		return nil, err
	}
	return &ContactOut{Contact: c, Tickets: page.Tickets, TicketsNextCursor: page.NextCursor}, nil
}

func (s *Handler) apiListContacts(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q, err := queryValues(r, "q", "limit", "cursor")
	if err != nil {
		return err
	}
	v := domain.Validation{}
	f := domain.ContactFilter{Query: q.Get("q"), Cursor: q.Get("cursor"), Limit: queryLimit(q, v)}
	v.Check(len(f.Query) <= 200, "q", "at most 200 characters")
	if err := v.Err(); err != nil {
		return err
	}
	page, err := s.db.Contacts(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, page)
	return nil
}

type identityIn struct {
	Kind  domain.IdentityKind `json:"kind"`
	Value string              `json:"value"`
}

type newContactIn struct {
	Name         string       `json:"name"`
	Organization string       `json:"organization"`
	Emails       []string     `json:"emails"`
	Phones       []string     `json:"phones"`
	Identities   []identityIn `json:"identities"`
}

func (s *Handler) apiCreateContact(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in newContactIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	// The store numbers identities in one list; name errors after the
	// request's own fields (emails[1], phones[0], identities[2].value).
	n := store.NewContact{Name: in.Name, Organization: in.Organization}
	var names []string
	for i, e := range in.Emails {
		n.Identities = append(n.Identities, domain.Identity{Kind: domain.IdentityEmail, Value: e})
		names = append(names, fmt.Sprintf("emails[%d]", i))
	}
	for i, p := range in.Phones {
		n.Identities = append(n.Identities, domain.Identity{Kind: domain.IdentityPhone, Value: p})
		names = append(names, fmt.Sprintf("phones[%d]", i))
	}
	for i, id := range in.Identities {
		n.Identities = append(n.Identities, domain.Identity{Kind: id.Kind, Value: id.Value})
		names = append(names, fmt.Sprintf("identities[%d]", i))
	}
	c, err := s.db.CreateContact(r.Context(), n)
	if err != nil {
		return renameIdentityFields(err, names, len(in.Identities) > 0)
	}
	out, err := s.contactWithTickets(r, c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// renameIdentityFields rewrites the store's "identities[i].value" field names
// into the names the client used.
func renameIdentityFields(err error, names []string, withIdentities bool) error {
	var e *domain.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := make(map[string]string, len(e.Fields))
	for k, msg := range e.Fields {
		if k == "identities" && !withIdentities {
			k = "emails"
		}
		if rest, ok := strings.CutPrefix(k, "identities["); ok {
			idx, tail, _ := strings.Cut(rest, "]")
			if i, err := strconv.Atoi(idx); err == nil && i < len(names) {
				if strings.HasPrefix(names[i], "identities[") {
					k = names[i] + tail
				} else {
					k = names[i]
				}
			}
		}
		fields[k] = msg
	}
	return &domain.Error{Code: e.Code, Message: e.Message, Fields: fields, Err: e.Err}
}

func (s *Handler) apiGetContact(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	c, err := s.db.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	out, err := s.contactWithTickets(r, c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

type mergeIn struct {
	SourceID int64 `json:"source_id"`
}

func (s *Handler) apiMergeContact(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "contact")
	if err != nil {
		return err
	}
	var in mergeIn
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.SourceID <= 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "source_id required", Fields: map[string]string{"source_id": "required"}}
	}
	c, err := s.db.MergeContacts(r.Context(), id, in.SourceID)
	if err != nil {
		return err
	}
	out, err := s.contactWithTickets(r, c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Handler) apiMe(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	me, err := s.db.User(r.Context(), u.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, me)
	return nil
}

func (s *Handler) apiListUsers(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	users, err := s.db.Users(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

func (s *Handler) apiListTeams(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	teams, err := s.db.Teams(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"teams": teams})
	return nil
}
