package server_test

import (
	"andon/internal/http/httpx"
	. "andon/internal/http/server"
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
	"andon/internal/testutil"
)

// liveAgent is a signed-in browser session: cookie value and CSRF token.
type liveAgent struct {
	user         *domain.User
	cookie, csrf string
	serverURL    string
	httpClient   *http.Client
	t            *testing.T
}

func newLiveAgent(t *testing.T, db *store.DB, url, email, name string) *liveAgent {
	return newLiveUser(t, db, url, email, name, domain.RoleAgent)
}

// newLiveUser is a user of role signed in with a session of their own.
func newLiveUser(t *testing.T, db *store.DB, url, email, name string, role domain.Role) *liveAgent {
	t.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, domain.NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	cookie, _ := auth.NewToken("")
	csrf, _ := auth.NewToken("")
	now := time.Now()
	if err := db.CreateSession(ctx, domain.Session{ID: auth.HashToken(cookie), UserID: u.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return &liveAgent{user: u, cookie: cookie, csrf: csrf, serverURL: url, httpClient: &http.Client{}, t: t}
}

func (a *liveAgent) do(method, path, body string, withCSRF bool) *http.Response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.serverURL+path, strings.NewReader(body))
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: a.cookie})
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if withCSRF {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	res, err := a.httpClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	return res
}

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	name string
	data map[string]any
}

// stream opens /events and returns parsed events on a channel.
func (a *liveAgent) stream(query string) <-chan sseEvent {
	a.t.Helper()
	return a.streamAt("/events" + query)
}

// streamAt opens the event stream at path (/events, /chat/events).
func (a *liveAgent) streamAt(path string) <-chan sseEvent {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", a.serverURL+path, nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: a.cookie})
	res, err := a.httpClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		a.t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer res.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data)
			case line == "" && ev.name != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// waitEvent returns the first event named name, failing after 30 s.
func waitEvent(t *testing.T, ch <-chan sseEvent, name string) sseEvent {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q", name)
			}
			if ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within 30s", name)
		}
	}
}

func newLiveServer(t *testing.T) (*store.DB, *events.Bus, string) {
	t.Helper()
	db := testutil.OpenDB(t)
	bus := events.New(nil)
	db.OnChange(bus.Publish)
	srv, err := newServer(t, Deps{Config: &config.Config{BaseURL: "http://andon.test"}, DB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", Events: bus})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { bus.Close(); ts.Close() })
	return db, bus, ts.URL
}

func TestEventStreamDeliversChangesAndPresence(t *testing.T) {
	db, bus, url := newLiveServer(t)
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	bob := newLiveAgent(t, db, url, "bob@example.com", "Bob")
	tk, err := db.CreateTicket(context.Background(), domain.NewTicket{Subject: "Broken kettle", Body: "It leaks",
		Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	q := "?ticket=" + itoa(tk.ID)

	// Maria is already on the ticket when Bob opens it: Bob sees her at once.
	if res := maria.do("POST", "/tickets/"+itoa(tk.ID)+"/presence", `{"state":"viewing"}`, true); res.StatusCode != http.StatusNoContent {
		t.Fatalf("presence: %d", res.StatusCode)
	}
	bobs := bob.stream(q)
	hello := waitEvent(t, bobs, "hello")
	if int64(hello.data["user_id"].(float64)) != bob.user.ID {
		t.Fatalf("hello = %v", hello.data)
	}
	if p := waitEvent(t, bobs, "presence"); p.data["name"] != "Maria" || p.data["state"] != "viewing" {
		t.Fatalf("snapshot presence = %v", p.data)
	}
	marias := maria.stream(q)
	waitEvent(t, marias, "hello")

	// Maria types: Bob sees "replying"; Maria does not get her own presence.
	maria.do("POST", "/tickets/"+itoa(tk.ID)+"/presence", `{"state":"replying"}`, true)
	if p := waitEvent(t, bobs, "presence"); p.data["state"] != "replying" {
		t.Fatalf("presence = %v", p.data)
	}

	// A reply from Bob reaches both streams as a change with ids only.
	if _, err := db.AddEntry(context.Background(), domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryNote, Body: "secret note body",
		Actor: domain.Actor{UserID: bob.user.ID, Name: "Bob"}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []<-chan sseEvent{marias, bobs} {
		c := waitEvent(t, s, "change")
		if c.data["kind"] != domain.ChangeEntryCreated || int64(c.data["ticket_id"].(float64)) != tk.ID {
			t.Fatalf("change = %v", c.data)
		}
	}
	if got := bus.Present(tk.ID); len(got) != 1 || got[0].Name != "Maria" {
		t.Fatalf("present = %+v", got)
	}
	maria.do("POST", "/tickets/"+itoa(tk.ID)+"/presence", `{"state":"left"}`, true)
	if p := waitEvent(t, bobs, "presence"); p.data["state"] != "left" {
		t.Fatalf("presence = %v", p.data)
	}
}

func TestEventStreamOwnPresenceNotEchoed(t *testing.T) {
	db, _, url := newLiveServer(t)
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	tk, err := db.CreateTicket(context.Background(), domain.NewTicket{Subject: "Hi", Body: "Hello",
		Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	s := maria.stream("?ticket=" + itoa(tk.ID))
	waitEvent(t, s, "hello")
	maria.do("POST", "/tickets/"+itoa(tk.ID)+"/presence", `{"state":"replying"}`, true)
	high := domain.PriorityHigh
	if _, err := db.UpdateTicket(context.Background(), tk.ID, domain.TicketUpdate{Priority: &high}, domain.System); err != nil {
		t.Fatal(err)
	}
	for {
		ev, ok := <-s
		if !ok {
			t.Fatal("stream ended")
		}
		if ev.name == "presence" {
			t.Fatalf("own presence echoed: %v", ev.data)
		}
		if ev.name == "change" {
			break
		}
	}
}

func TestPresenceNeedsSessionCSRFAndValidState(t *testing.T) {
	db, _, url := newLiveServer(t)
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	tk, err := db.CreateTicket(context.Background(), domain.NewTicket{Subject: "Hi", Body: "Hello",
		Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	path := "/tickets/" + itoa(tk.ID) + "/presence"
	cases := []struct {
		name, path, body string
		csrf             bool
		want             int
	}{
		{"no CSRF header", path, `{"state":"viewing"}`, false, http.StatusForbidden},
		{"unknown state", path, `{"state":"dancing"}`, true, http.StatusUnprocessableEntity},
		{"no such ticket", "/tickets/999999/presence", `{"state":"viewing"}`, true, http.StatusNotFound},
		{"ok", path, `{"state":"viewing"}`, true, http.StatusNoContent},
	}
	for _, c := range cases {
		if res := maria.do("POST", c.path, c.body, c.csrf); res.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
	res, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous /events: %d, want 401", res.StatusCode)
	}
}

func TestEventStreamEndsWhenBusCloses(t *testing.T) {
	db, bus, url := newLiveServer(t)
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	s := maria.stream("")
	waitEvent(t, s, "hello")
	bus.Close()
	select {
	case _, ok := <-s:
		for ok {
			_, ok = <-s
		}
	case <-time.After(30 * time.Second):
		t.Fatal("stream still open after the bus closed (shutdown would hang)")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A page whose stream connects only after a change was made (a slow browser,
// a reload after a post) still hears of it: the stream replays the changes
// made since the page began to load.
func TestEventStreamReplaysChangesSincePageLoad(t *testing.T) {
	db, _, url := newLiveServer(t)
	maria := newLiveAgent(t, db, url, "maria@example.com", "Maria")
	ctx := context.Background()
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Broken kettle", Body: "It leaks",
		Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the creation falls outside the allowance for clock skew
	res := maria.do("GET", "/tickets/"+itoa(tk.ID), "", false)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`data-live-since="(\d+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("ticket page carries no data-live-since")
	}
	if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Body: "Still leaking",
		Actor: domain.Actor{Name: "Ann"}}); err != nil {
		t.Fatal(err)
	}

	s := maria.stream("?ticket=" + itoa(tk.ID) + "&since=" + string(m[1]))
	waitEvent(t, s, "hello")
	c := waitEvent(t, s, "change")
	if c.data["kind"] != domain.ChangeEntryCreated || int64(c.data["ticket_id"].(float64)) != tk.ID {
		t.Fatalf("replayed change = %v", c.data)
	}
	// Only what happened after the page began: the ticket's creation is not replayed.
	select {
	case ev := <-s:
		if ev.name == "change" {
			t.Fatalf("a change from before the page was replayed: %v", ev.data)
		}
	case <-time.After(300 * time.Millisecond):
	}

	// Without since, nothing from the past is sent.
	plain := maria.stream("?ticket=" + itoa(tk.ID))
	waitEvent(t, plain, "hello")
	select {
	case ev := <-plain:
		if ev.name == "change" {
			t.Fatalf("a stream without since replayed %v", ev.data)
		}
	case <-time.After(300 * time.Millisecond):
	}
}
