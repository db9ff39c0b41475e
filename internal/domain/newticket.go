package domain

import (
	"strings"
	"unicode/utf8"
)

// Requester identifies the customer a ticket is for: by email or phone.
type Requester struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Name  string `json:"name,omitempty"`
}

// NewTicket is what it takes to open a ticket.
type NewTicket struct {
	Subject     string
	Body        string
	Requester   Requester
	RequesterID int64 // an existing contact, instead of Requester
	Channel     Channel
	Priority    Priority
	Status      Status
	Tags        []string
	AssigneeID  *int64
	TeamID      *int64
	// Author of the first entry: the customer, unless an agent opened it on
	// their behalf (then the first entry is still the customer's words, but
	// AuthorUserID records who typed it).
	AuthorUserID int64
	Call         *CallInfo // for phone tickets: log the call as the first entry
	Meta         map[string]any
}

// Validate normalizes the fields in place and reports every problem at once.
func (n *NewTicket) Validate() error {
	v := Validation{}
	n.Subject = strings.TrimSpace(n.Subject)
	v.Check(n.Subject != "", "subject", "required")
	v.Check(utf8.RuneCountInString(n.Subject) <= MaxSubjectLen, "subject", "at most 250 characters")
	n.Body = strings.TrimSpace(n.Body)
	v.Check(n.Body != "" || n.Call != nil, "body", "required")
	v.Check(len(n.Body) <= MaxBodyLen, "body", "at most 100000 bytes")
	if n.RequesterID == 0 {
		r := &n.Requester
		r.Name = strings.TrimSpace(r.Name)
		v.Check(utf8.RuneCountInString(r.Name) <= 200, "requester.name", "at most 200 characters")
		if r.Email == "" && r.Phone == "" {
			v.Add("requester", "email or phone required")
		}
		if r.Email != "" {
			if e, ok := NormalizeEmail(r.Email); ok {
				r.Email = e
			} else {
				v.Add("requester.email", "not a valid email address")
			}
		}
		if r.Phone != "" {
			if p, ok := NormalizePhone(r.Phone); ok {
				r.Phone = p
			} else {
				v.Add("requester.phone", "not a valid phone number")
			}
		}
	}
	if n.Channel == "" {
		n.Channel = ChannelAPI
	}
	v.Check(n.Channel.Valid(), "channel", "must be one of email, chat, portal, phone, api")
	if n.Priority == "" {
		n.Priority = PriorityNormal
	}
	v.Check(n.Priority.Valid(), "priority", "must be one of low, normal, high, urgent")
	if n.Status == "" {
		n.Status = StatusNew
	}
	v.Check(n.Status.Valid(), "status", "unknown status")
	n.Tags = NormalizeTags(n.Tags, "tags", v)
	if n.Call != nil {
		v.Check(n.Call.Direction.Valid(), "call.direction", "must be inbound or outbound")
		v.Check(n.Call.DurationSeconds >= 0 && n.Call.DurationSeconds <= MaxCallSeconds, "call.duration_seconds", "must be between 0 and 86400")
	}
	return v.Err()
}

// NewEntry adds a message, note or call to a ticket.
type NewEntry struct {
	TicketID  int64
	Kind      EntryKind // message, note or call
	Channel   Channel   // defaults to the ticket's channel for messages
	Direction Direction // inbound (from the customer) or outbound (to them)
	Body      string
	Actor     Actor
	Call      *CallInfo
	Meta      map[string]any
	// Status, when set, changes the ticket's status in the same transaction
	// (e.g. "reply and set pending").
	Status Status
}

// Validate normalizes and checks a new entry.
func (n *NewEntry) Validate() error {
	v := Validation{}
	n.Body = strings.TrimSpace(n.Body)
	switch n.Kind {
	case EntryMessage, EntryNote:
		v.Check(n.Body != "", "body", "required")
	case EntryCall:
		if n.Call == nil {
			v.Add("call", "required")
		} else {
			v.Check(n.Call.Direction.Valid(), "direction", "must be inbound or outbound")
			v.Check(n.Call.DurationSeconds >= 0 && n.Call.DurationSeconds <= MaxCallSeconds, "duration_seconds", "must be between 0 and 86400")
			n.Direction = n.Call.Direction
		}
	default:
		v.Add("kind", "must be message, note or call")
	}
	v.Check(len(n.Body) <= MaxBodyLen, "body", "at most 100000 bytes")
	if n.Kind == EntryMessage && n.Direction == "" {
		if n.Actor.ContactID != 0 {
			n.Direction = Inbound
		} else {
			n.Direction = Outbound
		}
	}
	if n.Direction != "" {
		v.Check(n.Direction.Valid(), "direction", "must be inbound or outbound")
	}
	if n.Channel != "" {
		v.Check(n.Channel.Valid(), "channel", "unknown channel")
	}
	if n.Status != "" {
		v.Check(n.Status.Valid(), "status", "unknown status")
	}
	return v.Err()
}
