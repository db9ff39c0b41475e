package server_test

import (
	"context"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// On PostgreSQL an entry's id is taken at INSERT but seen at COMMIT: an
// agent's reply can get a lower id than a visitor message committed before
// it. The visitor must still get the reply, once.
func TestChatDeliversReplyCommittedAfterHigherID(t *testing.T) {
	db, bus, base := newLiveServer(t)
	if db.Engine != store.Postgres {
		t.Skip("SQLite has one writer: ids follow commit order")
	}
	ctx := context.Background()
	agent := newLiveAgent(t, db, base, "olly@example.com", "Olly Agent")
	setAvailable(t, agent)
	v := newChatVisitor(t, base, "Vic", "")
	v.connect(0)
	_, first := v.say("o1", "first chat")
	v.wait("msg")
	v.send(map[string]any{"t": "end"})
	v.wait("ended")

	// The agent's reply on the first chat takes its id, then stalls
	// before commit.
	inserted, release := make(chan int64), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Update(ctx, func(tx *store.Tx) error {
			id, _, err := tx.AddEntry(ctx, domain.NewEntry{TicketID: first, Kind: domain.EntryMessage,
				Direction: domain.Outbound, Body: "late reply", Actor: domain.Actor{UserID: agent.user.ID, Name: "Olly Agent"}})
			if err != nil {
				close(inserted)
				return err
			}
			inserted <- id
			<-release
			return nil
		})
	}()
	late, ok := <-inserted
	if !ok {
		t.Fatal(<-held)
	}
	// Meanwhile the visitor opens a second chat: a higher id, committed and
	// delivered first.
	next, _ := v.say("o2", "second chat")
	if next <= late {
		t.Fatalf("ids %d (visitor) <= %d (held reply): no race to test", next, late)
	}
	if m := msgOf(v.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["body"] == "second chat" })); int64(m["id"].(float64)) != next {
		t.Fatalf("echo %v", m)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	bus.Publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: first, EntryID: late, UserID: agent.user.ID})
	m := msgOf(v.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["body"] == "late reply" }))
	if int64(m["id"].(float64)) != late {
		t.Fatalf("late reply %v", m)
	}
	// Once: another change kicks the connection, and nothing comes again.
	agent.reply(first, "after")
	v.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["body"] == "after" })
	time.Sleep(200 * time.Millisecond)
	for _, f := range append(v.pending, drain(v.frames)...) {
		if f["t"] == "msg" && msgOf(f)["body"] == "late reply" {
			t.Fatalf("late reply delivered twice")
		}
	}
}

func drain(c chan map[string]any) []map[string]any {
	var out []map[string]any
	for {
		select {
		case f, ok := <-c:
			if !ok {
				return out
			}
			out = append(out, f)
		default:
			return out
		}
	}
}
