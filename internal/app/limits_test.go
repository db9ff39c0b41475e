package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
)

// serveFor starts `andon serve` with args on tg until the test ends and
// waits until it answers; it returns the base URL.
func serveFor(t *testing.T, tg target, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	all := append(append([]string{"serve", "--http-addr", addr}, args...), tg.flags()...)
	go func() { done <- Run(ctx, all, noEnv, strings.NewReader(""), &out, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered: %s", errb.String())
		}
	}
}

// A client that sends its headers and then one body byte a second is cut
// off after the read timeout; an event stream stays open far longer and
// still delivers events.
func TestServeReadTimeoutCutsSlowBodiesNotStreams(t *testing.T) {
	tg := newTarget(t)
	db := tg.open(t)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// A signed-in agent, made in the store: a password check under load
	// could itself outlast the short write timeout of this test.
	u, err := db.CreateUser(ctx, domain.NewUser{Email: "ann@example.com", Name: "Ann Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	const cookie, csrf = "test-session-token", "test-csrf"
	now := time.Now()
	if err := db.CreateSession(ctx, domain.Session{ID: auth.HashToken(cookie), UserID: u.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Printer", Body: "Broken", Requester: domain.Requester{Email: "c@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 3 * time.Second
	base := serveFor(t, tg, "--http-read-timeout", timeout.String(), "--http-write-timeout", timeout.String())

	// Slow body: 100 bytes announced, one sent per second.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /password/reset HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
	closed := make(chan time.Duration, 1)
	go func() {
		_, _ = io.Copy(io.Discard, conn)
		closed <- time.Since(start)
	}()
	var cut time.Duration
	for sent := 0; cut == 0; sent++ {
		select {
		case cut = <-closed:
		case <-time.After(time.Second):
			if sent >= 10 {
				t.Fatalf("slow body still read after %d s", sent)
			}
			_, _ = conn.Write([]byte("a"))
		}
	}
	if cut < timeout || cut > timeout+3*time.Second {
		t.Fatalf("slow body cut after %s, want about %s", cut, timeout)
	}

	// An agent's event stream outlives the read and write timeouts.
	jar, _ := cookiejar.New(nil)
	bu, _ := url.Parse(base)
	jar.SetCookies(bu, []*http.Cookie{{Name: "andon_session", Value: cookie}})
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	wait := time.After(3 * timeout)
	for waiting := true; waiting; {
		select {
		case _, ok := <-lines:
			if !ok {
				t.Fatal("the event stream ended within the read timeout")
			}
		case <-wait:
			waiting = false
		}
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/tickets/%d/notes", base, tk.ID), strings.NewReader("body=still+here"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", csrf)
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("note: %v", err)
	}
	for deadline := time.After(10 * time.Second); ; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the event stream ended")
			}
			if l == "event: change" {
				return
			}
		case <-deadline:
			t.Fatal("no event after the read timeout")
		}
	}
}

// /metrics is served on ANDON_METRICS_ADDR alone, never on the public
// listener; the session limits of the config reach the store: a session
// unused for longer than the idle timeout is sent to sign in.
func TestServeMetricsAddressAndSessionIdle(t *testing.T) {
	tg := newTarget(t)
	db := tg.open(t)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, domain.NewUser{Email: "ann@example.com", Name: "Ann Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	maddr := freeAddr(t)
	const idle = 3 * time.Second
	base := serveFor(t, tg, "--metrics-addr", maddr, "--session-idle-timeout", idle.String())
	// Signed in now, once the server runs (its start may take a while).
	now := time.Now()
	if err := db.CreateSession(ctx, domain.Session{ID: auth.HashToken("tok"), UserID: u.ID, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	page := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/search", nil)
		req.AddCookie(&http.Cookie{Name: "andon_session", Value: "tok"})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Request.URL.Path
	}
	if p := page(); p != "/search" {
		t.Fatalf("fresh session: at %s", p)
	}
	time.Sleep(idle + time.Second)
	if p := page(); p != "/login" {
		t.Fatalf("idle session: at %s, want /login", p)
	}

	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics: %d, want 404", res.StatusCode)
	}
	res, err = http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `andon_tickets_created_total{channel="email"} 0`) {
		t.Fatalf("metrics address: %d\n%.300s", res.StatusCode, body)
	}
}
