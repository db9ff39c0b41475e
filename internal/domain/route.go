package domain

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Reply routing: one rule decides how anything we say to a customer reaches
// them, so no channel silently swallows a reply.

// MessageKind is what we are sending to a customer.
type MessageKind string

const (
	SendReply  MessageKind = "reply"  // an agent's public reply (a timeline entry)
	SendNotice MessageKind = "notice" // a problem notice (a timeline entry)
	SendAck    MessageKind = "ack"    // acknowledgement of a new ticket (email only)
	SendSurvey MessageKind = "survey" // satisfaction survey (email only)
)

// RouteFacts is what the rule needs to know about a ticket and its customer.
type RouteFacts struct {
	Channel  Channel // the ticket's channel
	ChatLive bool    // chat: the session is open (not ended, not taken offline)
	Email    string  // the customer's address, "" when they have none
	Name     string  // the customer's name, for the sentence
}

// Route is the decision: where a message goes. It is stored on the
// timeline entry (meta "delivery") so pages and the API can show it.
type Route struct {
	// Via lists the ways the message reaches the customer now: "chat"
	// (a live chat) and/or "email". Empty when unreachable.
	Via []Channel `json:"via"`
	// Email is the address mailed, "" when no mail is sent.
	Email string `json:"email,omitempty"`
	// Portal: the message also shows on the ticket's portal page.
	Portal bool `json:"portal,omitempty"`
	// Unreachable: nothing will tell the customer; an agent should warn
	// before sending (and call, for a phone ticket).
	Unreachable bool `json:"unreachable,omitempty"`
	// Note says it in one sentence for the composer.
	Note string `json:"note"`
}

// ByEmail reports whether the message is mailed.
func (r Route) ByEmail() bool { return r.Email != "" }

// ByChat reports whether the message reaches a live chat.
func (r Route) ByChat() bool {
	for _, c := range r.Via {
		if c == ChannelChat {
			return true
		}
	}
	return false
}

// RouteMessage is the rule. A message goes over the ticket's own channel
// when that channel reaches the customer now (email always; a chat only
// while it is live; the portal only shows it to a customer who signs in),
// and by email to the customer's address whenever they have one and the
// channel cannot guarantee they will see it. Acknowledgements and surveys
// exist only as email. No live channel and no address: unreachable.
func RouteMessage(kind MessageKind, f RouteFacts) Route {
	r := Route{}
	name := strings.TrimSpace(f.Name)
	if name == "" {
		name = "The customer"
	}
	entry := kind == SendReply || kind == SendNotice
	live := entry && f.Channel == ChannelChat && f.ChatLive
	r.Portal = entry && f.Channel == ChannelPortal
	what := "this " + string(kind)
	if kind == SendAck {
		what = "this acknowledgement"
	}
	switch {
	case live:
		r.Via = []Channel{ChannelChat}
		r.Note = name + " is in the chat: " + what + " appears there."
	case kind == SendAck && f.Channel == ChannelChat && f.ChatLive:
		// The widget itself tells a live visitor their message arrived.
		r.Note = name + " is in the chat: no acknowledgement is needed."
	case f.Email != "":
		r.Via, r.Email = []Channel{ChannelEmail}, f.Email
		r.Note = emailNote(f, what, r.Portal)
	default:
		r.Unreachable = true
		r.Note = unreachableNote(name, f.Channel, what, entry)
	}
	return r
}

func emailNote(f RouteFacts, what string, portal bool) string {
	switch {
	case f.Channel == ChannelChat && !f.ChatLive:
		return fmt.Sprintf("The chat has ended: %s will be emailed to %s.", what, f.Email)
	case portal:
		return fmt.Sprintf("%s will show in the portal and be emailed to %s.", capitalize(what), f.Email)
	}
	return fmt.Sprintf("%s will be emailed to %s.", capitalize(what), f.Email)
}

func unreachableNote(name string, ch Channel, what string, entry bool) string {
	switch {
	case !entry:
		return fmt.Sprintf("%s has no email address: %s cannot be sent.", name, what)
	case ch == ChannelPortal:
		return fmt.Sprintf("%s has no email address: %s will only be visible in the portal.", name, what)
	case ch == ChannelChat:
		return fmt.Sprintf("%s has left the chat and has no email address: %s will not reach them.", name, what)
	case ch == ChannelPhone:
		return fmt.Sprintf("%s has no email address: %s stays on the ticket; call them.", name, what)
	}
	return fmt.Sprintf("%s has no email address: %s will not reach them.", name, what)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// MetaDelivery is the entry meta key holding the Route of an outbound message.
const MetaDelivery = "delivery"

// Delivery returns where an outbound message went, when recorded.
func (e *Entry) Delivery() (Route, bool) {
	v, ok := e.Meta[MetaDelivery]
	if !ok {
		return Route{}, false
	}
	if r, ok := v.(Route); ok {
		return r, true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Route{}, false
	}
	var r Route
	if json.Unmarshal(b, &r) != nil {
		return Route{}, false
	}
	return r, true
}

// ReplySubject is "Re: subject [#1042]", without doubling either part.
func ReplySubject(subject string, ticketID int64) string {
	s := strings.TrimSpace(subject)
	ref := fmt.Sprintf("[#%d]", ticketID)
	if !strings.Contains(s, ref) {
		s += " " + ref
	}
	if l := strings.ToLower(s); !strings.HasPrefix(l, "re:") {
		s = "Re: " + s
	}
	return s
}

// PortalTicketPath is where a customer reads a ticket in the portal.
func PortalTicketPath(ticketID int64) string { return fmt.Sprintf("/help/tickets/%d", ticketID) }

// Acknowledgement texts, editable in the email settings; the same template
// answers a new ticket from email and from the portal form.
const (
	SettingAckSubject = "mail.ack_subject"
	SettingAckBody    = "mail.ack_body"
	DefaultAckBody    = "Hello {{name}},\n\nthank you for your message. We have opened ticket **{{ticket}}** and will get back to you soon.\n\nPlease keep {{ticket}} in the subject if you write again."
	// AckLimitPerHour is how many acknowledgements one address gets per hour.
	AckLimitPerHour = 3
)

// RenderAck fills the acknowledgement templates ({{name}}, {{ticket}},
// {{subject}}); an empty subject template gives "Re: subject [#id]".
func RenderAck(subjectTpl, bodyTpl, name string, ticketID int64, subject string) (string, string) {
	ref := fmt.Sprintf("#%d", ticketID)
	body := strings.NewReplacer("{{name}}", name, "{{ticket}}", ref, "{{subject}}", subject).Replace(bodyTpl)
	if subjectTpl == "" {
		return ReplySubject(subject, ticketID), body
	}
	return strings.NewReplacer("{{ticket}}", ref, "{{subject}}", subject).Replace(subjectTpl), body
}
