package domain

import (
	"strings"
	"unicode/utf8"
)

// Validate normalizes and checks an update: the subject is trimmed and tags
// are normalized in place.
func (u *TicketUpdate) Validate() error {
	v := Validation{}
	if u.Subject != nil {
		s := strings.TrimSpace(*u.Subject)
		u.Subject = &s
		v.Check(s != "", "subject", "required")
		v.Check(utf8.RuneCountInString(s) <= MaxSubjectLen, "subject", "at most 250 characters")
	}
	if u.Status != nil {
		v.Check(u.Status.Valid(), "status", "must be one of new, open, pending, on_hold, solved, closed")
	}
	if u.Priority != nil {
		v.Check(u.Priority.Valid(), "priority", "must be one of low, normal, high, urgent")
	}
	if u.Tags != nil {
		tags := NormalizeTags(*u.Tags, "tags", v)
		u.Tags = &tags
	}
	return v.Err()
}

// StatusMove is what moving a ticket from one status to another implies
// besides the status itself.
type StatusMove struct {
	StampSolved bool // record now as solved_at
	Reopen      bool // count a reopen and forget solved_at
}

// MoveStatus returns the effects of moving a ticket from one status to
// another: solving stamps the solve time (not when a closed ticket is merely
// marked solved again); leaving solved or closed for an active status is a
// reopen.
func MoveStatus(from, to Status) StatusMove {
	switch {
	case from == to:
		return StatusMove{}
	case to == StatusSolved && from != StatusClosed:
		return StatusMove{StampSolved: true}
	case from.Resolved() && !to.Resolved():
		return StatusMove{Reopen: true}
	}
	return StatusMove{}
}

// FromCustomer reports whether the entry comes from the customer.
func (n *NewEntry) FromCustomer() bool {
	return n.Actor.ContactID != 0 || (n.Kind == EntryMessage && n.Direction == Inbound)
}

// AgentPublicReply reports whether the entry is an agent's message or call
// to the customer: the kind that counts as a (first) response.
func (n *NewEntry) AgentPublicReply() bool {
	return n.Actor.UserID != 0 && (n.Kind == EntryMessage || n.Kind == EntryCall) && n.Direction == Outbound
}

// StatusAfter returns the ticket's status once the entry is added to a
// ticket in status current: a customer's message reopens a solved ticket and
// ends "pending"; an agent's first public reply opens a new ticket; an
// explicit Status wins over both.
func (n *NewEntry) StatusAfter(current Status) Status {
	if n.Status != "" {
		return n.Status
	}
	switch {
	case n.FromCustomer() && (current.Resolved() || current == StatusPending):
		return StatusOpen
	case n.AgentPublicReply() && current == StatusNew:
		return StatusOpen
	}
	return current
}

// ChannelOn returns the channel the entry is recorded on when added to a
// ticket of channel tc: its own when set, else the ticket's; calls are on
// the phone and notes on no channel.
func (n *NewEntry) ChannelOn(tc Channel) Channel {
	switch {
	case n.Channel != "":
		return n.Channel
	case n.Kind == EntryCall:
		return ChannelPhone
	case n.Kind == EntryNote:
		return ""
	}
	return tc
}

// UpdatesPreview reports whether the entry becomes the ticket's preview
// line: any non-empty message or call, never an internal note.
func (n *NewEntry) UpdatesPreview() bool { return n.Kind != EntryNote && n.Body != "" }

// RefChange resolves an update of an optional reference (assignee, team):
// clear, or a requested id of 0, unsets it. It returns the new value and
// whether it differs from current; a field the update leaves alone (not
// cleared, nothing requested) never changes.
func RefChange(clear bool, requested, current *int64) (*int64, bool) {
	if !clear && requested == nil {
		return nil, false
	}
	var next *int64
	if !clear && *requested != 0 {
		next = requested
	}
	return next, !SameID(current, next)
}

// SameID reports whether two optional ids are equal (both unset counts).
func SameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
