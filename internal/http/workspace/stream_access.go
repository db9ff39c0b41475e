package workspace

import (
	"context"
	"encoding/json"
	"time"

	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
)

// streamViewer decides which events one user's stream may deliver, by the
// rule their pages and the API use (store.CanSeeTicket, store.CanSeeProblem):
// staff receive everything; a collaborator receives only events about
// tickets and problems they can open, so a stream never tells them what
// happens (a new message, who is replying) on a ticket that is "not found"
// to them. Every stream calls allow for every event it sends.
type streamViewer struct {
	db   *store.DB
	user *domain.User
	// Decisions per ticket, kept briefly: a chat burst must not cost a
	// query per message. A change to the ticket or to any problem drops
	// them (linking a ticket changes both); the age bound covers the rest
	// (team membership).
	tickets map[int64]streamDecision
	now     func() time.Time
}

type streamDecision struct {
	visible bool
	at      time.Time
}

// streamDecisionTTL bounds how long a decision is reused.
const streamDecisionTTL = 10 * time.Second

func newStreamViewer(db *store.DB, u *domain.User) *streamViewer {
	return &streamViewer{db: db, user: u, tickets: map[int64]streamDecision{}, now: time.Now}
}

// allow reports whether the viewer may receive e.
func (v *streamViewer) allow(ctx context.Context, e events.Event) bool {
	switch {
	case e.Resync:
		return true // carries nothing; the page reloads what it may see
	case e.Change != nil:
		return v.change(ctx, e.Change)
	case e.Presence != nil:
		return v.ticket(ctx, e.Presence.TicketID)
	}
	return false
}

func (v *streamViewer) change(ctx context.Context, c *domain.Change) bool {
	if c.Kind == domain.ChangeProblemUpdated {
		clear(v.tickets) // a problem's tickets or people may have changed
	} else if c.Kind == domain.ChangeTicketUpdated { // its problem may have changed
		delete(v.tickets, c.TicketID)
	}
	if !v.user.IsCollaborator() {
		return true
	}
	if c.TicketID != 0 {
		return v.ticket(ctx, c.TicketID)
	}
	if pid := problemIDOf(c.Data); pid != 0 {
		return v.db.CanSeeProblem(ctx, v.user, pid) == nil
	}
	return false // about nothing a collaborator can open
}

// ticket reports whether the viewer may open ticket id.
func (v *streamViewer) ticket(ctx context.Context, id int64) bool {
	if !v.user.IsCollaborator() {
		return true
	}
	if id <= 0 {
		return false
	}
	now := v.now()
	if d, ok := v.tickets[id]; ok && now.Sub(d.at) < streamDecisionTTL {
		return d.visible
	}
	t, err := v.db.Ticket(ctx, id)
	visible := err == nil && v.db.CanSeeTicket(ctx, v.user, t) == nil
	if err == nil || domain.ErrorCode(err) == domain.ENotFound {
		v.tickets[id] = streamDecision{visible: visible, at: now}
	}
	return visible
}

// problemIDOf reads "problem_id" from a problem change's data: a
// map[string]int64 on this node, decoded JSON when it crossed nodes.
func problemIDOf(data any) int64 {
	switch m := data.(type) {
	case map[string]int64:
		return m["problem_id"]
	case map[string]any:
		switch n := m["problem_id"].(type) {
		case float64:
			return int64(n)
		case int64:
			return n
		case json.Number:
			i, _ := n.Int64()
			return i
		}
	}
	return 0
}
