package events

import (
	"sort"
	"sync"
	"time"
	"unicode/utf8"
)

// Presence states.
const (
	PresenceViewing  = "viewing"
	PresenceReplying = "replying"
	PresenceLeft     = "left"
)

// PresenceTTL is how long a presence signal lasts unless refreshed. Pages
// refresh theirs about every 10 seconds.
const PresenceTTL = 30 * time.Second

// ValidPresenceState reports whether s is a state a page may post.
func ValidPresenceState(s string) bool {
	return s == PresenceViewing || s == PresenceReplying || s == PresenceLeft
}

// Presence says an agent is viewing or replying on a ticket. It is never
// stored in the database: it expires after PresenceTTL.
type Presence struct {
	TicketID int64  `json:"ticket_id"`
	UserID   int64  `json:"user_id"` // 0: the chat visitor (their typing), not an agent
	Name     string `json:"name"`
	State    string `json:"state"`
}

// clean bounds the name so a presence signal always fits in a notification.
func (p Presence) clean() Presence {
	const maxName = 120
	if len(p.Name) > maxName {
		n := maxName
		for n > 0 && !utf8.RuneStart(p.Name[n]) {
			n--
		}
		p.Name = p.Name[:n]
	}
	return p
}

type presenceEntry struct {
	p       Presence
	expires time.Time
}

// presenceTable keeps who is on which ticket, in memory, on every node. Each
// node fills it from the signals it sees, so expiry uses the local clock.
type presenceTable struct {
	mu      sync.Mutex
	now     func() time.Time
	tickets map[int64]map[int64]presenceEntry // ticket → user → entry
}

func newPresenceTable() *presenceTable {
	return &presenceTable{now: time.Now, tickets: map[int64]map[int64]presenceEntry{}}
}

func (t *presenceTable) set(p Presence) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	users := t.tickets[p.TicketID]
	if p.State == PresenceLeft {
		delete(users, p.UserID)
	} else {
		if users == nil {
			users = map[int64]presenceEntry{}
			t.tickets[p.TicketID] = users
		}
		users[p.UserID] = presenceEntry{p: p, expires: now.Add(PresenceTTL)}
	}
	t.pruneLocked(now)
}

// pruneLocked drops expired entries so the table stays as small as the
// number of agents currently on tickets.
func (t *presenceTable) pruneLocked(now time.Time) {
	for id, users := range t.tickets {
		for uid, e := range users {
			if !now.Before(e.expires) {
				delete(users, uid)
			}
		}
		if len(users) == 0 {
			delete(t.tickets, id)
		}
	}
}

func (t *presenceTable) list(ticketID int64) []Presence {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []Presence
	for _, e := range t.tickets[ticketID] {
		if now.Before(e.expires) {
			out = append(out, e.p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
