package domain

import "time"

// EntryKind is the kind of a timeline entry.
type EntryKind string

const (
	EntryMessage EntryKind = "message" // to or from the customer, on any channel
	EntryNote    EntryKind = "note"    // internal, never shown to the customer
	EntryCall    EntryKind = "call"    // a phone call log
	EntryEvent   EntryKind = "event"   // a system event: a field changed
)

// Direction of a message or call.
type Direction string

const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Inbound || d == Outbound }

// Entry is one item in a ticket's timeline.
type Entry struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	Kind      EntryKind `json:"kind"`
	Channel   Channel   `json:"channel,omitempty"`
	Direction Direction `json:"direction,omitempty"`
	// Exactly one author, or neither for system entries.
	AuthorUserID    *int64    `json:"author_user_id,omitempty"`
	AuthorContactID *int64    `json:"author_contact_id,omitempty"`
	AuthorName      string    `json:"author_name,omitempty"`
	Body            string    `json:"body"`
	Call            *CallInfo `json:"call,omitempty"`
	Event           *Event    `json:"event,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	// Meta carries channel-specific data (email headers, delivery state...).
	Meta map[string]any `json:"meta,omitempty"`
}

// Public reports whether the customer may see the entry.
func (e *Entry) Public() bool { return e.Kind == EntryMessage || (e.Kind == EntryCall) }

// CallInfo is the data of a phone-call entry.
type CallInfo struct {
	Direction       Direction `json:"direction"`
	DurationSeconds int       `json:"duration_seconds"`
	From            string    `json:"from,omitempty"`
	To              string    `json:"to,omitempty"`
	RecordingURL    string    `json:"recording_url,omitempty"`
}

// Event is a recorded change to a ticket.
type Event struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Limits for calls.
const MaxCallSeconds = 24 * 3600
