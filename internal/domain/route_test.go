package domain

import (
	"reflect"
	"strings"
	"testing"
)

func TestRouteMessage(t *testing.T) {
	ann := "ann@example.com"
	email, chat := []Channel{ChannelEmail}, []Channel{ChannelChat}
	cases := []struct {
		name   string
		kind   MessageKind
		facts  RouteFacts
		via    []Channel
		mail   string
		portal bool
		note   string // part of the sentence
	}{
		{"email ticket", SendReply, RouteFacts{Channel: ChannelEmail, Email: ann}, email, ann, false, "emailed to ann@"},
		{"email ticket, address removed", SendReply, RouteFacts{Channel: ChannelEmail, Name: "Ann"}, nil, "", false, "Ann has no email address"},
		{"live chat: no email", SendReply, RouteFacts{Channel: ChannelChat, ChatLive: true, Email: ann, Name: "Ann"}, chat, "", false, "Ann is in the chat"},
		{"live chat without address", SendReply, RouteFacts{Channel: ChannelChat, ChatLive: true}, chat, "", false, "is in the chat"},
		{"ended chat: email", SendReply, RouteFacts{Channel: ChannelChat, Email: ann}, email, ann, false, "The chat has ended"},
		{"ended chat without address", SendReply, RouteFacts{Channel: ChannelChat, Name: "Bob"}, nil, "", false, "Bob has left the chat and has no email address"},
		{"portal: portal and email", SendReply, RouteFacts{Channel: ChannelPortal, Email: ann}, email, ann, true, "show in the portal and be emailed"},
		{"portal without address", SendReply, RouteFacts{Channel: ChannelPortal, Name: "Ann"}, nil, "", true, "Ann has no email address: this reply will only be visible in the portal"},
		{"phone with address", SendReply, RouteFacts{Channel: ChannelPhone, Email: ann}, email, ann, false, "emailed"},
		{"phone without address", SendReply, RouteFacts{Channel: ChannelPhone, Name: "Cy"}, nil, "", false, "call them"},
		{"api ticket", SendReply, RouteFacts{Channel: ChannelAPI, Email: ann}, email, ann, false, "emailed"},
		{"notice on live chat", SendNotice, RouteFacts{Channel: ChannelChat, ChatLive: true, Email: ann}, chat, "", false, "this notice appears there"},
		{"notice on portal", SendNotice, RouteFacts{Channel: ChannelPortal, Email: ann}, email, ann, true, "This notice will show in the portal"},
		{"portal ack", SendAck, RouteFacts{Channel: ChannelPortal, Email: ann}, email, ann, false, "This acknowledgement will be emailed"},
		{"ack without address", SendAck, RouteFacts{Channel: ChannelPortal}, nil, "", false, "cannot be sent"},
		{"ack on a live chat", SendAck, RouteFacts{Channel: ChannelChat, ChatLive: true, Email: ann}, nil, "", false, "no acknowledgement is needed"},
		{"survey on a live chat goes by email", SendSurvey, RouteFacts{Channel: ChannelChat, ChatLive: true, Email: ann}, email, ann, false, "emailed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := RouteMessage(c.kind, c.facts)
			if !reflect.DeepEqual(r.Via, c.via) || r.Email != c.mail || r.Portal != c.portal {
				t.Errorf("route %+v; want via %v email %q portal %v", r, c.via, c.mail, c.portal)
			}
			unreachable := len(c.via) == 0 && !(c.kind == SendAck && c.facts.ChatLive)
			if r.Unreachable != unreachable {
				t.Errorf("unreachable = %v, want %v", r.Unreachable, unreachable)
			}
			if r.ByEmail() != (c.mail != "") || r.ByChat() != reflect.DeepEqual(c.via, chat) {
				t.Errorf("ByEmail %v ByChat %v for %+v", r.ByEmail(), r.ByChat(), r)
			}
			if !strings.Contains(r.Note, c.note) {
				t.Errorf("note %q lacks %q", r.Note, c.note)
			}
		})
	}
}

func TestEntryDeliveryRoundTrip(t *testing.T) {
	want := RouteMessage(SendReply, RouteFacts{Channel: ChannelPortal, Email: "ann@example.com"})
	// As read back from the database: a JSON object.
	e := Entry{Meta: map[string]any{MetaDelivery: map[string]any{"via": []any{"email"}, "email": "ann@example.com", "portal": true, "note": want.Note}}}
	got, ok := e.Delivery()
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("delivery %+v %v; want %+v", got, ok, want)
	}
	if _, ok := (&Entry{}).Delivery(); ok {
		t.Fatal("an entry without delivery reports one")
	}
}

func TestReplySubjectAndAck(t *testing.T) {
	for in, want := range map[string]string{"Order late": "Re: Order late [#7]", "Re: Order late [#7]": "Re: Order late [#7]", "RE: x": "RE: x [#7]"} {
		if got := ReplySubject(in, 7); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
	subj, body := RenderAck("", DefaultAckBody, "Ann", 7, "Order late")
	if subj != "Re: Order late [#7]" || !strings.Contains(body, "Hello Ann") || !strings.Contains(body, "**#7**") {
		t.Errorf("ack %q %q", subj, body)
	}
	if subj, _ := RenderAck("We got {{subject}} ({{ticket}})", "x", "Ann", 7, "Order late"); subj != "We got Order late (#7)" {
		t.Errorf("custom subject %q", subj)
	}
}
