package server_test

import (
	"andon/internal/chat"
	. "andon/internal/http/server"
	"andon/internal/ratelimit"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/store"
	"andon/internal/testutil"
)

// TestChatLoad is the live-chat load benchmark (skipped unless asked for):
//
//	ANDON_CHAT_LOAD=2000 ANDON_CHAT_RATE=500 ANDON_CHAT_SECONDS=20 \
//	  go test ./internal/server/ -run TestChatLoad -v -timeout 10m
//
// N visitors hold WebSockets; together they send RATE messages a second;
// one agent follows the workspace event stream (/events). Latency is from
// the visitor sending a message to the agent's stream announcing it.
// Memory per connection counts both ends (client and server run in this
// one process), so the server's share is below the figure.
func TestChatLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ANDON_CHAT_LOAD"))
	if n <= 0 {
		t.Skip("set ANDON_CHAT_LOAD=connections to run the chat load benchmark")
	}
	rate := envInt("ANDON_CHAT_RATE", 500)
	secs := envInt("ANDON_CHAT_SECONDS", 20)
	ctx := context.Background()

	db := testutil.OpenDB(t)
	bus := events.New(nil)
	db.OnChange(bus.Publish)
	// One machine plays every visitor: lift the per-address and per-visitor limits.
	lifted := map[string]ratelimit.Limit{}
	for k := range chat.DefaultLimits() {
		lifted[k] = ratelimit.Limit{PerMinute: 1e9, Burst: 1e9}
	}
	cs := chat.NewService(db, bus, slog.New(slog.DiscardHandler), 0, lifted)
	cs.Start()
	srv, err := newServer(t, Deps{Config: &config.Config{BaseURL: "http://andon.test"}, DB: db, Log: slog.New(slog.DiscardHandler), Version: "test", Events: bus, Chat: cs})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { bus.Close(); ts.Close() })
	agent := newLiveAgent(t, db, ts.URL, "load@example.com", "Load Agent")
	setAvailable(t, agent)

	vs := loadVisitors(t, db, n)
	lr := &loadRun{sentAt: map[string]time.Time{}, idOf: map[int64]string{}, gotAt: map[int64]time.Time{}}
	go lr.follow(agent.stream(""))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/widget/ws"
	dialStart := time.Now()
	for _, v := range vs {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ws, _, err := websocket.Dial(dctx, wsURL, nil)
		cancel()
		if err != nil {
			t.Fatalf("dial after %d connections: %v", cs.Connections(), err)
		}
		v.ws = ws
		b, _ := json.Marshal(map[string]any{"t": "hello", "visitor": v.id, "token": v.tok})
		_ = ws.Write(ctx, websocket.MessageText, b)
		if _, _, err := ws.Read(ctx); err != nil { // welcome
			t.Fatal(err)
		}
		go lr.read(v)
	}
	t.Logf("%d connections open in %v (%d on the server)", n, time.Since(dialStart).Round(time.Millisecond), cs.Connections())
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perConn := (int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)) / int64(n)
	t.Logf("memory per connection (both ends): %.1f KB; goroutines %d", float64(perConn)/1024, runtime.NumGoroutine())

	// Warm up: every visitor opens their chat (a ticket each), unmeasured.
	for i, v := range vs {
		lr.send(v, "w"+strconv.Itoa(i))
		if i%200 == 199 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	lr.waitAcked(n, 2*time.Minute)
	lr.mu.Lock()
	lr.measure = true
	lr.mu.Unlock()

	total := rate * secs
	tick := time.NewTicker(time.Second / time.Duration(rate))
	start := time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		lr.send(vs[i%n], "m"+strconv.Itoa(i))
	}
	tick.Stop()
	sendDur := time.Since(start)
	time.Sleep(3 * time.Second) // let the tail arrive

	lat, errs := lr.latencies()
	if len(lat) == 0 {
		t.Fatal("no message measured")
	}
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)].Round(100 * time.Microsecond) }
	t.Logf("engine %s: %d connections, %d messages in %v (%.0f msg/s offered), %d delivered to the agent and measured, %d errors, bus dropped %d",
		testutil.Engine(), n, total, sendDur.Round(time.Millisecond), float64(total)/sendDur.Seconds(), len(lat), errs, bus.Dropped())
	t.Logf("visitor→agent delivery latency: p50 %v, p90 %v, p99 %v, max %v", pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1].Round(100*time.Microsecond))
}

// loadVisitor is one chat visitor of the load test and its socket.
type loadVisitor struct {
	id, tok string
	ws      *websocket.Conn
	mu      sync.Mutex
}

// loadVisitors registers n visitors directly (the HTTP path is tested elsewhere).
func loadVisitors(t *testing.T, db *store.DB, n int) []*loadVisitor {
	t.Helper()
	vs := make([]*loadVisitor, n)
	for i := range vs {
		tok, _ := auth.NewToken("")
		id := fmt.Sprintf("v_load_%06d", i)
		if _, err := db.CreateChatVisitor(context.Background(), id, auth.HashToken(tok), "Load "+strconv.Itoa(i), "", nil); err != nil {
			t.Fatal(err)
		}
		vs[i] = &loadVisitor{id: id, tok: tok}
	}
	return vs
}

// loadRun records when each message was sent, acknowledged and heard by
// the agent.
type loadRun struct {
	mu      sync.Mutex
	sentAt  map[string]time.Time // cid → when sent
	idOf    map[int64]string     // entry id → cid (from acks)
	gotAt   map[int64]time.Time  // entry id → when the agent heard of it
	acked   int
	errs    int
	measure bool
}

// follow notes when the agent's event stream announces each entry.
func (lr *loadRun) follow(stream <-chan sseEvent) {
	for ev := range stream {
		if ev.name == "change" && ev.data["kind"] == "entry.created" {
			id := int64(ev.data["entry_id"].(float64))
			lr.mu.Lock()
			lr.gotAt[id] = time.Now()
			lr.mu.Unlock()
		}
	}
}

// read counts a visitor's acks and errors until the socket closes.
func (lr *loadRun) read(v *loadVisitor) {
	for {
		_, b, err := v.ws.Read(context.Background())
		if err != nil {
			return
		}
		var f struct {
			T   string `json:"t"`
			CID string `json:"cid"`
			ID  int64  `json:"id"`
		}
		_ = json.Unmarshal(b, &f)
		lr.mu.Lock()
		switch f.T {
		case "ack":
			lr.idOf[f.ID] = f.CID
			lr.acked++
		case "error":
			lr.errs++
		}
		lr.mu.Unlock()
	}
}

func (lr *loadRun) send(v *loadVisitor, cid string) {
	b, _ := json.Marshal(map[string]any{"t": "msg", "cid": cid, "body": "load message " + cid})
	lr.mu.Lock()
	if lr.measure {
		lr.sentAt[cid] = time.Now()
	}
	lr.mu.Unlock()
	v.mu.Lock()
	_ = v.ws.Write(context.Background(), websocket.MessageText, b)
	v.mu.Unlock()
}

// waitAcked waits (at most d) until n messages are acknowledged.
func (lr *loadRun) waitAcked(n int, d time.Duration) {
	for deadline := time.Now().Add(d); ; {
		lr.mu.Lock()
		done := lr.acked >= n
		lr.mu.Unlock()
		if done || time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// latencies are the measured send→agent delays, sorted, and the error count.
func (lr *loadRun) latencies() ([]time.Duration, int) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	var lat []time.Duration
	for id, cid := range lr.idOf {
		s, ok := lr.sentAt[cid]
		g, ok2 := lr.gotAt[id]
		if ok && ok2 {
			lat = append(lat, g.Sub(s))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, lr.errs
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}
