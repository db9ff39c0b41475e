package server_test

import (
	. "andon/internal/http/server"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
	"andon/internal/testutil"
)

// A chat nobody writes in ends by itself; the widget is told, may still ask
// for the transcript, and the visitor's next message starts a new chat.
func TestChatEndsWhenIdle(t *testing.T) {
	db := testutil.OpenDB(t)
	bus := events.New(nil)
	db.OnChange(bus.Publish)
	srv, err := newServer(t, Deps{Config: &config.Config{BaseURL: "http://andon.test", ChatIdleTimeout: 400 * time.Millisecond}, DB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Events: bus})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Drain(); bus.Close(); ts.Close() })
	agent := newLiveAgent(t, db, ts.URL, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)

	// The hub measures idleness on the store's clock; moving it by hand keeps
	// the test exact however slow the machine is.
	clock := store.NewManualClock(time.Now())
	db.SetClock(clock.Now)
	advance := func(d time.Duration) { clock.Set(clock.Now().Add(d)) }

	v := newChatVisitor(t, ts.URL, "Cleo", "cleo@example.com")
	v.connect(0)
	_, ticket := v.say("c1", "Hello?")
	// Activity keeps it open: an agent reply resets the clock.
	advance(250 * time.Millisecond)
	agent.reply(ticket, "Hi, one moment")
	advance(250 * time.Millisecond)
	time.Sleep(300 * time.Millisecond) // several sweeps run
	if _, err := db.CurrentChat(context.Background(), v.id); err != nil {
		t.Fatalf("chat ended although the agent replied 250ms ago (idle after 400ms): %v", err)
	}
	advance(200 * time.Millisecond)
	if f := v.wait("ended"); int64(f["ticket"].(float64)) != ticket {
		t.Fatalf("ended: %v", f)
	}
	cs, err := db.ChatSession(context.Background(), ticket)
	if err != nil || cs.EndedAt == nil {
		t.Fatalf("session not ended: %+v %v", cs, err)
	}
	if code, _ := v.widgetCall("POST", "/widget/transcript", `{"ticket":`+strconv.FormatInt(ticket, 10)+`}`); code != 202 {
		t.Fatalf("transcript after idle end: %d", code)
	}
	_, next := v.say("c2", "Back again")
	if next == ticket {
		t.Fatal("a message after the idle end went to the ended chat")
	}
	tk, err := db.Ticket(context.Background(), next)
	if err != nil || tk.Channel != domain.ChannelChat {
		t.Fatalf("new chat %+v %v", tk, err)
	}
}
