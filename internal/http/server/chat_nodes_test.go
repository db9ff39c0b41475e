package server_test

import (
	. "andon/internal/http/server"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/store"
	"andon/internal/testutil"
)

// chatNode is one `andon serve` process: its own store handle, its own
// events bus linked over LISTEN/NOTIFY, its own HTTP server.
func chatNode(t *testing.T, url string) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus, err := events.NewPostgres(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	db.OnChange(bus.Publish)
	srv, err := newServer(t, Deps{Config: &config.Config{BaseURL: "http://andon.test"}, DB: db, Log: log, Version: "test", Events: bus})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { bus.Close(); ts.Close() })
	return db, ts.URL
}

// A visitor on node A and an agent on node B talk: messages go through the
// database, the nodes learn of them over PostgreSQL LISTEN/NOTIFY.
func TestChatAcrossTwoNodes(t *testing.T) {
	if testutil.PostgresURL() == "" {
		t.Skip("two nodes need PostgreSQL (set ANDON_TEST_POSTGRES_URL, or scripts/with-postgres.sh)")
	}
	url := testutil.DatabaseURL(t)
	_, nodeA := chatNode(t, url)
	dbB, nodeB := chatNode(t, url)

	agent := newLiveAgent(t, dbB, nodeB, "bea@example.com", "Bea Agent")
	setAvailable(t, agent)
	inbox := agent.stream("")

	v := newChatVisitor(t, nodeA, "Gus", "gus@example.com")
	if w := v.connect(0); w["online"] != true {
		t.Fatalf("node A does not see node B's available agent: %v", w)
	}
	_, ticket := v.say("g1", "Hello from node A")
	for {
		ev := waitEvent(t, inbox, "change")
		if ev.data["kind"] == "entry.created" && int64(ev.data["ticket_id"].(float64)) == ticket {
			break
		}
	}
	page := agent.stream("?ticket=" + itoa(ticket))
	waitEvent(t, page, "hello")
	v.send(map[string]any{"t": "typing", "on": true})
	if ev := waitEvent(t, page, "presence"); ev.data["state"] != "replying" {
		t.Fatalf("visitor typing on node B: %v", ev.data)
	}
	res := agent.do("POST", "/tickets/"+itoa(ticket)+"/presence", `{"state":"replying"}`, true)
	res.Body.Close()
	if f := v.wait("typing"); f["on"] != true {
		t.Fatalf("agent typing on node A: %v", f)
	}
	start := time.Now()
	agent.reply(ticket, "Hello from node B")
	m := msgOf(v.waitFor("msg", func(f map[string]any) bool { return msgOf(f)["from"] == "agent" }))
	if m["body"] != "Hello from node B" || m["name"] != "Bea Agent" {
		t.Fatalf("reply on node A: %v", m)
	}
	t.Logf("node B reply reached the visitor on node A in %v", time.Since(start))
}
