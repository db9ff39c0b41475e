package workspace

import (
	"html/template"
	"net/http"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

type searchHit struct {
	Ticket  *domain.Ticket
	EntryID int64
	Field   string
	Snippet template.HTML // escaped by the store; only <mark> is markup
}

type searchData struct {
	Query    string
	Hits     []searchHit
	Contacts []*domain.Contact
	Problem  string
}

// searchPage finds tickets by subject and message text, and customers by
// name, email, phone or organization.
func (s *Handler) searchPage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	d := &searchData{Query: q}
	if q != "" {
		hits, err := s.db.Search(r.Context(), q, 30)
		switch {
		case domain.ErrorCode(err) == domain.EInvalid:
			d.Problem = "Search for words or numbers, e.g. a name, an order number or part of a message."
		case err != nil:
			return err
		}
		for _, h := range hits {
			// The store escapes the text and adds only <mark> tags.
			d.Hits = append(d.Hits, searchHit{Ticket: h.Ticket, EntryID: h.EntryID, Field: h.Field, Snippet: template.HTML(h.Snippet)})
		}
		cs, err := s.db.Contacts(r.Context(), domain.ContactFilter{Query: q, Limit: 8})
		if err != nil {
			return err
		}
		d.Contacts = cs.Contacts
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return s.render(w, r, http.StatusOK, "search", &web.Page{Title: title, Nav: "search", Query: q, Data: d})
}
