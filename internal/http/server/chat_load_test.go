package server

import (
	"andon/internal/chat"
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

	// Visitors are registered directly (the HTTP path is tested elsewhere).
	type visitor struct {
		id, tok string
		ws      *websocket.Conn
		mu      sync.Mutex
	}
	vs := make([]*visitor, n)
	for i := range vs {
		tok, _ := auth.NewToken("")
		id := fmt.Sprintf("v_load_%06d", i)
		if _, err := db.CreateChatVisitor(ctx, id, auth.HashToken(tok), "Load "+strconv.Itoa(i), "", nil); err != nil {
			t.Fatal(err)
		}
		vs[i] = &visitor{id: id, tok: tok}
	}

	var (
		mu      sync.Mutex
		sentAt  = map[string]time.Time{} // cid → when sent
		idOf    = map[int64]string{}     // entry id → cid (from acks)
		gotAt   = map[int64]time.Time{}  // entry id → when the agent heard of it
		acked   int
		errs    int
		measure bool
	)
	stream := agent.stream("")
	go func() {
		for ev := range stream {
			if ev.name == "change" && ev.data["kind"] == "entry.created" {
				id := int64(ev.data["entry_id"].(float64))
				mu.Lock()
				gotAt[id] = time.Now()
				mu.Unlock()
			}
		}
	}()

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
			t.Fatalf("dial after %d connections: %v", srv.chat.Connections(), err)
		}
		v.ws = ws
		b, _ := json.Marshal(map[string]any{"t": "hello", "visitor": v.id, "token": v.tok})
		_ = ws.Write(ctx, websocket.MessageText, b)
		if _, _, err := ws.Read(ctx); err != nil { // welcome
			t.Fatal(err)
		}
		go func(v *visitor) {
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
				switch f.T {
				case "ack":
					mu.Lock()
					idOf[f.ID] = f.CID
					acked++
					mu.Unlock()
				case "error":
					mu.Lock()
					errs++
					mu.Unlock()
				}
			}
		}(v)
	}
	t.Logf("%d connections open in %v (%d on the server)", n, time.Since(dialStart).Round(time.Millisecond), srv.chat.Connections())
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perConn := (int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)) / int64(n)
	t.Logf("memory per connection (both ends): %.1f KB; goroutines %d", float64(perConn)/1024, runtime.NumGoroutine())

	send := func(v *visitor, cid string) {
		b, _ := json.Marshal(map[string]any{"t": "msg", "cid": cid, "body": "load message " + cid})
		mu.Lock()
		if measure {
			sentAt[cid] = time.Now()
		}
		mu.Unlock()
		v.mu.Lock()
		_ = v.ws.Write(ctx, websocket.MessageText, b)
		v.mu.Unlock()
	}
	// Warm up: every visitor opens their chat (a ticket each), unmeasured.
	for i, v := range vs {
		send(v, "w"+strconv.Itoa(i))
		if i%200 == 199 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		mu.Lock()
		done := acked >= n
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	measure = true
	mu.Unlock()

	total := rate * secs
	tick := time.NewTicker(time.Second / time.Duration(rate))
	start := time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		send(vs[i%n], "m"+strconv.Itoa(i))
	}
	tick.Stop()
	sendDur := time.Since(start)
	time.Sleep(3 * time.Second) // let the tail arrive

	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	for id, cid := range idOf {
		s, ok := sentAt[cid]
		g, ok2 := gotAt[id]
		if ok && ok2 {
			lat = append(lat, g.Sub(s))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		t.Fatal("no message measured")
	}
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)].Round(100 * time.Microsecond) }
	t.Logf("engine %s: %d connections, %d messages in %v (%.0f msg/s offered), %d delivered to the agent and measured, %d errors, bus dropped %d",
		testutil.Engine(), n, total, sendDur.Round(time.Millisecond), float64(total)/sendDur.Seconds(), len(lat), errs, bus.Dropped())
	t.Logf("visitor→agent delivery latency: p50 %v, p90 %v, p99 %v, max %v", pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1].Round(100*time.Microsecond))
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}
