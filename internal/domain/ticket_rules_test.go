package domain

import (
	"strings"
	"testing"
)

func TestMoveStatus(t *testing.T) {
	for _, c := range []struct {
		from, to Status
		want     StatusMove
	}{
		{StatusOpen, StatusSolved, StatusMove{StampSolved: true}},
		{StatusNew, StatusSolved, StatusMove{StampSolved: true}},
		{StatusClosed, StatusSolved, StatusMove{}}, // a closed ticket keeps its solve time
		{StatusSolved, StatusOpen, StatusMove{Reopen: true}},
		{StatusClosed, StatusPending, StatusMove{Reopen: true}},
		{StatusSolved, StatusClosed, StatusMove{}},
		{StatusOpen, StatusPending, StatusMove{}},
		{StatusSolved, StatusSolved, StatusMove{}},
	} {
		if got := MoveStatus(c.from, c.to); got != c.want {
			t.Errorf("%s → %s: got %+v, want %+v", c.from, c.to, got, c.want)
		}
	}
}

func TestEntryStatusAfter(t *testing.T) {
	customer := Actor{ContactID: 7}
	agent := Actor{UserID: 3}
	for _, c := range []struct {
		name string
		n    NewEntry
		from Status
		want Status
	}{
		{"customer reopens solved", NewEntry{Kind: EntryMessage, Direction: Inbound, Actor: customer}, StatusSolved, StatusOpen},
		{"customer reopens closed", NewEntry{Kind: EntryMessage, Direction: Inbound, Actor: customer}, StatusClosed, StatusOpen},
		{"customer ends pending", NewEntry{Kind: EntryMessage, Direction: Inbound, Actor: customer}, StatusPending, StatusOpen},
		{"customer leaves on hold", NewEntry{Kind: EntryMessage, Direction: Inbound, Actor: customer}, StatusOnHold, StatusOnHold},
		{"inbound mail without contact", NewEntry{Kind: EntryMessage, Direction: Inbound}, StatusSolved, StatusOpen},
		{"agent reply opens new", NewEntry{Kind: EntryMessage, Direction: Outbound, Actor: agent}, StatusNew, StatusOpen},
		{"agent call opens new", NewEntry{Kind: EntryCall, Direction: Outbound, Actor: agent}, StatusNew, StatusOpen},
		{"agent note keeps new", NewEntry{Kind: EntryNote, Actor: agent}, StatusNew, StatusNew},
		{"agent reply keeps solved", NewEntry{Kind: EntryMessage, Direction: Outbound, Actor: agent}, StatusSolved, StatusSolved},
		{"explicit status wins", NewEntry{Kind: EntryMessage, Direction: Outbound, Actor: agent, Status: StatusPending}, StatusNew, StatusPending},
		{"system reply keeps new", NewEntry{Kind: EntryMessage, Direction: Outbound, Actor: System}, StatusNew, StatusNew},
	} {
		if got := c.n.StatusAfter(c.from); got != c.want {
			t.Errorf("%s: from %s got %s, want %s", c.name, c.from, got, c.want)
		}
	}
}

func TestEntryChannelAndPreview(t *testing.T) {
	for _, c := range []struct {
		n       NewEntry
		ticket  Channel
		want    Channel
		preview bool
	}{
		{NewEntry{Kind: EntryMessage, Body: "hi"}, ChannelEmail, ChannelEmail, true},
		{NewEntry{Kind: EntryMessage, Channel: ChannelChat, Body: "hi"}, ChannelEmail, ChannelChat, true},
		{NewEntry{Kind: EntryCall}, ChannelEmail, ChannelPhone, false},
		{NewEntry{Kind: EntryNote, Body: "internal"}, ChannelEmail, "", false},
	} {
		if got := c.n.ChannelOn(c.ticket); got != c.want {
			t.Errorf("%s on %s ticket: channel %q, want %q", c.n.Kind, c.ticket, got, c.want)
		}
		if got := c.n.UpdatesPreview(); got != c.preview {
			t.Errorf("%s %q: preview %v, want %v", c.n.Kind, c.n.Body, got, c.preview)
		}
	}
}

func TestRefChange(t *testing.T) {
	id := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		name               string
		clear              bool
		requested, current *int64
		want               *int64
		changed            bool
	}{
		{"untouched", false, nil, id(4), nil, false},
		{"assign", false, id(5), nil, id(5), true},
		{"reassign", false, id(5), id(4), id(5), true},
		{"same", false, id(4), id(4), id(4), false},
		{"zero unsets", false, id(0), id(4), nil, true},
		{"clear", true, nil, id(4), nil, true},
		{"clear wins over id", true, id(9), id(4), nil, true},
		{"clear unset", true, nil, nil, nil, false},
	} {
		got, changed := RefChange(c.clear, c.requested, c.current)
		if changed != c.changed || !SameID(got, c.want) {
			t.Errorf("%s: got %v %v, want %v %v", c.name, got, changed, c.want, c.changed)
		}
	}
}

func TestTicketUpdateValidate(t *testing.T) {
	str := func(s string) *string { return &s }
	st := func(s Status) *Status { return &s }
	pr := func(p Priority) *Priority { return &p }
	tags := func(t ...string) *[]string { return &t }
	for _, c := range []struct {
		name  string
		u     TicketUpdate
		field string // "" when valid
	}{
		{"nothing", TicketUpdate{}, ""},
		{"subject trimmed", TicketUpdate{Subject: str("  Parcel  ")}, ""},
		{"blank subject", TicketUpdate{Subject: str("   ")}, "subject"},
		{"long subject", TicketUpdate{Subject: str(strings.Repeat("é", MaxSubjectLen+1))}, "subject"},
		{"subject at limit", TicketUpdate{Subject: str(strings.Repeat("é", MaxSubjectLen))}, ""},
		{"bad status", TicketUpdate{Status: st("done")}, "status"},
		{"bad priority", TicketUpdate{Priority: pr("asap")}, "priority"},
		{"empty tag", TicketUpdate{Tags: tags("ok", " ")}, "tags"},
	} {
		err := c.u.Validate()
		fields := map[string]string{}
		if e, ok := err.(*Error); ok {
			fields = e.Fields
		}
		if (c.field == "") != (err == nil) || (c.field != "" && fields[c.field] == "") {
			t.Errorf("%s: got %v (fields %v), want error on %q", c.name, err, fields, c.field)
		}
	}
	u := TicketUpdate{Subject: str("  Parcel  "), Tags: tags(" Late Delivery", "late delivery", "VIP")}
	if err := u.Validate(); err != nil || *u.Subject != "Parcel" || strings.Join(*u.Tags, ",") != "late-delivery,vip" {
		t.Errorf("normalized update: %v %q %v", err, *u.Subject, *u.Tags)
	}
}
