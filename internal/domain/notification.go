package domain

import "time"

// Notification is an in-app notice for one agent: a mention, an assignment,
// a service-level warning, an automation's notice. Features that notify
// write one in the same transaction as the change that caused it.
type Notification struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	TicketID  *int64     `json:"ticket_id,omitempty"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Notification kinds.
const (
	NotifyMention     = "mention"
	NotifyAssigned    = "assigned"
	NotifyFollowing   = "following"
	NotifySLAAtRisk   = "sla_at_risk"
	NotifySLABreached = "sla_breached"
	NotifyRule        = "rule"
)

// Validate checks a notification before it is stored.
func (n Notification) Validate() error {
	v := Validation{}
	v.Check(n.UserID > 0, "user_id", "required")
	v.Check(n.Kind != "", "kind", "required")
	v.Check(n.Text != "", "text", "required")
	return v.Err()
}
