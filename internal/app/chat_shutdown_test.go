package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A widget socket open at shutdown is closed by the server, and serve
// returns promptly instead of waiting for the visitor to leave.
func TestServeStopsWithOpenChatSocket(t *testing.T) {
	tg := newTarget(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan error, 1)
	// A long grace period: returning well within it shows the socket did not hold shutdown up.
	args := append([]string{"serve", "--http-addr", addr, "--shutdown-timeout", "2m"}, tg.flags()...)
	go func() { done <- Run(ctx, args, noEnv, strings.NewReader(""), &out, &errb) }()
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered; stderr: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Post(base+"/widget/visitors", "application/json", bytes.NewReader([]byte(`{"name":"Vi"}`)))
	if err != nil {
		t.Fatal(err)
	}
	var vis struct{ Visitor, Token string }
	if err := json.NewDecoder(res.Body).Decode(&vis); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("new visitor: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws://"+addr+"/widget/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	hello, _ := json.Marshal(map[string]any{"t": "hello", "visitor": vis.Visitor, "token": vis.Token})
	if err := ws.Write(dctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	if _, b, err := ws.Read(dctx); err != nil || !strings.Contains(string(b), `"welcome"`) {
		t.Fatalf("welcome: %s %v", b, err)
	}
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				closed <- err
				return
			}
		}
	}()

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop with a chat socket open")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the server left the widget socket open after stopping")
	}
}
