package httpx

import (
	"net/http"

	"andon/internal/domain"
	"andon/internal/store"
)

// VisibleTicket loads the ticket of the path's {id} (with its timeline when
// full) and checks u may see it: a collaborator only sees tickets linked to
// their problems, and anything else is "not found".
func VisibleTicket(db *store.DB, r *http.Request, u *domain.User, full bool) (*domain.Ticket, error) {
	id, err := PathID(r, "id", "ticket")
	if err != nil {
		return nil, err
	}
	var t *domain.Ticket
	if full {
		t, err = db.TicketWithTimeline(r.Context(), id)
	} else {
		t, err = db.Ticket(r.Context(), id)
	}
	if err != nil {
		return nil, err
	}
	return t, db.CanSeeTicket(r.Context(), u, t)
}

// VisibleCountermeasure loads the countermeasure {id} of the path; one on a
// problem u may not work is "not found".
func VisibleCountermeasure(db *store.DB, r *http.Request, u *domain.User) (*domain.Countermeasure, error) {
	id, err := PathID(r, "id", "countermeasure")
	if err != nil {
		return nil, err
	}
	c, err := db.Countermeasure(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := db.CanSeeProblem(r.Context(), u, c.ProblemID); err != nil {
		return nil, domain.NotFound("countermeasure")
	}
	return c, nil
}

// VisibleProblem reads the {id} of the path and checks u may work it.
func VisibleProblem(db *store.DB, r *http.Request, u *domain.User) (int64, error) {
	id, err := PathID(r, "id", "problem")
	if err != nil {
		return 0, err
	}
	return id, db.CanSeeProblem(r.Context(), u, id)
}

// PathMailbox loads the mailbox the path's {id} names (API and admin pages).
func PathMailbox(db *store.DB, r *http.Request) (*domain.Mailbox, error) {
	id, err := PathID(r, "id", "mailbox")
	if err != nil {
		return nil, err
	}
	return db.Mailbox(r.Context(), id)
}
