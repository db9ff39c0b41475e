package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// newLiveCollaborator is a signed-in upstream collaborator.
func newLiveCollaborator(t *testing.T, db *store.DB, url, email, name string) *liveAgent {
	return newLiveUser(t, db, url, email, name, domain.RoleCollaborator)
}

// eventsUntil reads events until one named name concerns ticket id, and
// returns every event read before it (the stream is ordered, so whatever
// an earlier action caused has arrived by then).
func eventsUntil(t *testing.T, ch <-chan sseEvent, name string, ticket int64) []sseEvent {
	t.Helper()
	var before []sseEvent
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q about ticket %d", name, ticket)
			}
			if ev.name == name && eventTicket(ev) == ticket {
				return before
			}
			before = append(before, ev)
		case <-deadline:
			t.Fatalf("no %q about ticket %d within 30s (got %v)", name, ticket, before)
		}
	}
}

func eventTicket(ev sseEvent) int64 {
	n, _ := ev.data["ticket_id"].(float64)
	return int64(n)
}

// noneAbout fails when an event in evs concerns ticket id.
func noneAbout(t *testing.T, stream string, evs []sseEvent, id int64) {
	t.Helper()
	for _, ev := range evs {
		if eventTicket(ev) == id {
			t.Errorf("%s delivered %s %v about ticket %d, which the viewer cannot open", stream, ev.name, ev.data, id)
		}
	}
}

// TestEventStreamsFollowTicketVisibility: a collaborator's streams carry
// nothing about a ticket that is "not found" to them (no change, no chat
// event, no "Maria is replying"), and do carry the tickets linked to their
// problems, including one linked while the stream is open. An agent's
// streams carry everything.
func TestEventStreamsFollowTicketVisibility(t *testing.T) {
	db, _, url := newLiveServer(t)
	ctx := context.Background()
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	eve := newLiveCollaborator(t, db, url, "eve@supplier.example", "Eve Engineer")
	newTicket := func(subject string) *domain.Ticket {
		tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: subject, Body: "Details",
			Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	mine, hidden := newTicket("Heater trips the fuse"), newTicket("Change my address")
	p, err := db.CreateProblem(ctx, domain.NewProblem{Title: "Heaters trip fuses", OwnerUserID: &eve.user.ID,
		TicketIDs: []int64{mine.ID}}, domain.Actor{UserID: maria.user.ID, Name: "Maria"})
	if err != nil {
		t.Fatal(err)
	}
	presence := func(tk *domain.Ticket, state string) {
		t.Helper()
		if res := maria.do("POST", "/tickets/"+itoa(tk.ID)+"/presence", `{"state":"`+state+`"}`, true); res.StatusCode != http.StatusNoContent {
			t.Fatalf("presence: %d", res.StatusCode)
		}
	}
	note := func(tk *domain.Ticket, body string) {
		t.Helper()
		if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryNote, Body: body,
			Actor: domain.Actor{UserID: maria.user.ID, Name: "Maria"}}); err != nil {
			t.Fatal(err)
		}
	}
	// Maria is on both tickets before Eve opens her pages.
	presence(hidden, "viewing")
	presence(mine, "viewing")

	eveAll, eveHidden, eveMine := eve.stream(""), eve.stream("?ticket="+itoa(hidden.ID)), eve.stream("?ticket="+itoa(mine.ID))
	eveChat := eve.streamAt("/chat/events")
	mariaAll, mariaChat := maria.stream(""), maria.streamAt("/chat/events")
	for _, s := range []<-chan sseEvent{eveAll, eveHidden, eveMine, mariaAll} {
		waitEvent(t, s, "hello")
	}
	// The snapshot of who is on the ticket: only on the ticket Eve may open.
	if p := waitEvent(t, eveMine, "presence"); p.data["name"] != "Maria" {
		t.Fatalf("presence on the linked ticket = %v", p.data)
	}

	// Maria replies on the hidden ticket, then on Eve's.
	presence(hidden, "replying")
	note(hidden, "Address updated")
	presence(mine, "replying")
	note(mine, "Batch 7 fuses")

	noneAbout(t, "/events", eventsUntil(t, eveAll, "change", mine.ID), hidden.ID)
	before := eventsUntil(t, eveHidden, "change", mine.ID)
	for _, ev := range before {
		if ev.name == "presence" {
			t.Errorf("/events?ticket=hidden delivered presence %v", ev.data)
		}
	}
	noneAbout(t, "/events?ticket=hidden", before, hidden.ID)
	if p := waitEvent(t, eveMine, "presence"); p.data["state"] != "replying" || p.data["name"] != "Maria" {
		t.Errorf("presence on the linked ticket = %v", p.data)
	}
	noneAbout(t, "/chat/events", eventsUntil(t, eveChat, "chat", mine.ID), hidden.ID)

	// The agent receives both tickets' events.
	if got := eventsUntil(t, mariaAll, "change", mine.ID); !anyAbout(got, "change", hidden.ID) {
		t.Errorf("the agent's /events missed the hidden ticket's change: %v", got)
	}
	if got := eventsUntil(t, mariaChat, "chat", mine.ID); !anyAbout(got, "chat", hidden.ID) {
		t.Errorf("the agent's /chat/events missed the hidden ticket's entry: %v", got)
	}

	// Once linked to Eve's problem, the ticket's events reach her.
	if err := db.LinkTicket(ctx, p.ID, hidden.ID, domain.Actor{UserID: maria.user.ID, Name: "Maria"}); err != nil {
		t.Fatal(err)
	}
	note(hidden, "Now on the heater problem")
	eventsUntil(t, eveAll, "change", hidden.ID)
	eventsUntil(t, eveChat, "chat", hidden.ID)
	presence(hidden, "replying")
	eventsUntil(t, eveHidden, "presence", hidden.ID)
}

func anyAbout(evs []sseEvent, name string, id int64) bool {
	for _, ev := range evs {
		if ev.name == name && eventTicket(ev) == id {
			return true
		}
	}
	return false
}
