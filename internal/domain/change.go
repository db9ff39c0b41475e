package domain

// Change tells live views that something changed. Published after commit,
// across nodes when running on PostgreSQL.
type Change struct {
	Kind     string `json:"kind"` // e.g. "ticket.created", "ticket.updated", "entry.created"
	TicketID int64  `json:"ticket_id,omitempty"`
	EntryID  int64  `json:"entry_id,omitempty"`
	UserID   int64  `json:"user_id,omitempty"` // who made the change, if an agent
	Data     any    `json:"data,omitempty"`
}

// Change kinds.
const (
	ChangeTicketCreated = "ticket.created"
	ChangeTicketUpdated = "ticket.updated"
	ChangeEntryCreated  = "entry.created"
)
