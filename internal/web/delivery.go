package web

import (
	"andon/internal/domain"
)

// Delivery wording: what the composer promises before a reply is sent and
// what the timeline says afterwards. Both come from domain.Route, the same
// decision the store acts on, so the page cannot promise what is not done.

// RouteLine says where a reply sent now goes, for the line under the
// composer. An unreachable customer gets the route's own warning sentence.
func RouteLine(r domain.Route, ch domain.Channel) string {
	switch {
	case r.Unreachable:
		return r.Note
	case r.ByChat():
		return "Shown in the live chat."
	case r.ByEmail() && r.Portal:
		return "Sent by email to " + r.Email + " (and shown in the portal)."
	case r.ByEmail() && ch == domain.ChannelChat:
		return "The chat has ended: sent by email to " + r.Email + "."
	case r.ByEmail():
		return "Sent by email to " + r.Email + "."
	}
	return r.Note
}

// DeliveryLine says where an agent's outbound message went, from the route
// recorded on it; "" for entries without one (customer messages, notes,
// messages older than the record).
func DeliveryLine(e *domain.Entry) string {
	if e == nil {
		return ""
	}
	r, ok := e.Delivery()
	if !ok {
		return ""
	}
	switch {
	case r.ByChat():
		return "Shown in the chat"
	case r.ByEmail() && r.Portal:
		return "Emailed to " + r.Email + " and shown in the portal"
	case r.ByEmail():
		return "Emailed to " + r.Email
	case r.Portal:
		return "Only in the portal: " + r.Note
	}
	return "Not delivered: " + r.Note
}

// DeliveryFailed reports whether the recorded route reached nobody, so the
// timeline can mark it as a warning.
func DeliveryFailed(e *domain.Entry) bool {
	if e == nil {
		return false
	}
	r, ok := e.Delivery()
	return ok && r.Unreachable
}
