package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Status is a ticket's place in its life cycle.
type Status string

const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending" // waiting on the customer
	StatusOnHold  Status = "on_hold" // waiting on someone upstream
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusSolved, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Resolved reports whether the status counts as solved for the customer.
func (s Status) Resolved() bool { return s == StatusSolved || s == StatusClosed }

// Label is the human name of the status.
func (s Status) Label() string {
	if s == StatusOnHold {
		return "On hold"
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Priority is how urgent a ticket is. Stored as its rank so it sorts.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists priorities from lowest to highest.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Rank returns 0 (low) to 3 (urgent), or -1 for an unknown priority.
func (p Priority) Rank() int {
	for i, x := range Priorities {
		if p == x {
			return i
		}
	}
	return -1
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p.Rank() >= 0 }

// PriorityFromRank is the inverse of Rank.
func PriorityFromRank(r int) Priority {
	if r < 0 || r >= len(Priorities) {
		return PriorityNormal
	}
	return Priorities[r]
}

// Channel is where a ticket or message came from.
type Channel string

const (
	ChannelEmail  Channel = "email"
	ChannelChat   Channel = "chat"
	ChannelPortal Channel = "portal"
	ChannelPhone  Channel = "phone"
	ChannelAPI    Channel = "api"
)

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelChat, ChannelPortal, ChannelPhone, ChannelAPI}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	for _, x := range Channels {
		if c == x {
			return true
		}
	}
	return false
}

// Ticket is one customer problem as the team handles it.
type Ticket struct {
	ID              int64      `json:"id"`
	Number          int64      `json:"number"`
	Subject         string     `json:"subject"`
	Status          Status     `json:"status"`
	Priority        Priority   `json:"priority"`
	Channel         Channel    `json:"channel"`
	RequesterID     int64      `json:"requester_id"`
	Requester       *Contact   `json:"requester,omitempty"`
	AssigneeID      *int64     `json:"assignee_id"`
	Assignee        *UserRef   `json:"assignee,omitempty"`
	TeamID          *int64     `json:"team_id"`
	Team            *TeamRef   `json:"team,omitempty"`
	Tags            []string   `json:"tags"`
	Preview         string     `json:"preview"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	SolvedAt        *time.Time `json:"solved_at"`
	ReopenCount     int        `json:"reopen_count"`
	// Demand classification and the problem behind the ticket (issue 7).
	DemandType      DemandType `json:"demand_type"`
	FailureReasonID *int64     `json:"failure_reason_id"`
	ProblemID       *int64     `json:"problem_id"`
	Timeline        []Entry    `json:"timeline,omitempty"`
}

// Ref is the "#1042" form of the ticket number.
func (t *Ticket) Ref() string { return "#" + itoa(t.Number) }

// UserRef is the short form of an agent shown on tickets.
type UserRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// TeamRef is the short form of a team shown on tickets.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Limits on user-supplied text.
const (
	MaxSubjectLen = 250
	MaxBodyLen    = 100_000
	MaxTagLen     = 50
	MaxTags       = 30
	PreviewLen    = 160
)

// NormalizeTags lowercases, trims and de-duplicates tags, validating each.
func NormalizeTags(tags []string, field string, v Validation) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		t = strings.Join(strings.Fields(t), "-")
		if t == "" {
			v.Add(field, "must not contain empty tags")
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			v.Add(field, "tags are at most 50 characters")
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		v.Add(field, "at most 30 tags")
	}
	return out
}

// Preview returns the first PreviewLen characters of body on one line.
func Preview(body string) string {
	s := strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(s) <= PreviewLen {
		return s
	}
	r := []rune(s)
	return string(r[:PreviewLen-1]) + "…"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// TicketFilter selects tickets for a list. Zero values mean "any".
type TicketFilter struct {
	Statuses    []Status
	AssigneeID  *int64 // 0 means unassigned
	TeamID      *int64
	Channel     Channel
	Tag         string
	RequesterID int64
	Sort        TicketSort
	Limit       int
	Cursor      string
}

// TicketSort orders a ticket list.
type TicketSort string

const (
	SortUpdated  TicketSort = "updated"  // last activity, newest first
	SortPriority TicketSort = "priority" // most urgent first, then last activity
	SortOldest   TicketSort = "oldest"   // age: oldest first
	SortNewest   TicketSort = "newest"   // created, newest first
)

// Valid reports whether s is a known sort.
func (s TicketSort) Valid() bool {
	switch s {
	case SortUpdated, SortPriority, SortOldest, SortNewest:
		return true
	}
	return false
}

// TicketPage is one keyset page of tickets.
type TicketPage struct {
	Tickets    []*Ticket `json:"tickets"`
	NextCursor string    `json:"next_cursor"`
}

// TicketUpdate changes some fields of a ticket; nil means unchanged.
// ClearAssignee / ClearTeam unassign.
type TicketUpdate struct {
	Subject       *string
	Status        *Status
	Priority      *Priority
	AssigneeID    *int64
	ClearAssignee bool
	TeamID        *int64
	ClearTeam     bool
	Tags          *[]string
}
