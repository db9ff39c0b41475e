package server_test

import (
	. "andon/internal/http/server"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/http/httpx"
	"andon/internal/ratelimit"
	"andon/internal/store"
	"andon/internal/testutil"
)

// Every anonymous flow is limited per client address by its route's class;
// the request past the limit is 429 with Retry-After and writes nothing.

func anonLimitsEnv(t *testing.T, limits map[httpx.Rate]httpx.Limit, chatLimits map[string]ratelimit.Limit) *portalEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus := events.New(log)
	cs := chat.NewService(db, bus, log, 0, chatLimits)
	cs.Start()
	t.Cleanup(func() { cs.Close(time.Second) })
	srv, base := startServer(t, Deps{DB: db, Log: log, Events: bus, Chat: cs, PortalLoginMinDelay: time.Millisecond, Limits: limits})
	return &portalEnv{adminEnv: adminEnvAt(t, db, base), srv: srv}
}

func wantLimited(t *testing.T, what string, res *http.Response, body string) {
	t.Helper()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("%s past the limit: %d, Retry-After %q\n%s", what, res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
	}
}

// dbVisitor registers a visitor with one chat and returns it and the chat.
func dbVisitor(t *testing.T, db *store.DB, base, id string) (*chatVisitor, int64) {
	t.Helper()
	tok, _ := auth.NewToken("")
	v, err := db.CreateChatVisitor(context.Background(), id, auth.HashToken(tok), "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.PostChatMessage(context.Background(), v, domain.NewChatMessage{ClientID: "c1", Body: "hello", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	return &chatVisitor{t: t, base: base, id: id, tok: tok}, p.Message.TicketID
}

func outboxLen(t *testing.T, db *store.DB) int {
	t.Helper()
	out, err := db.Outbox(context.Background(), 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return len(out)
}

func TestAnonymousFlowsRateLimited(t *testing.T) {
	two := httpx.Limit{PerMinute: 1, Burst: 2}
	e := anonLimitsEnv(t, map[httpx.Rate]httpx.Limit{httpx.RateWidgetVisitor: two, httpx.RateWidgetMail: two,
		httpx.RatePortalForm: two, httpx.RateSignIn: two}, map[string]ratelimit.Limit{chat.LimitMessageAddress: {PerMinute: 1, Burst: 2}})
	ctx := context.Background()

	t.Run("widget visitors", func(t *testing.T) {
		contacts := func() int {
			p, err := e.db.Contacts(ctx, domain.ContactFilter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Contacts)
		}
		for range 2 {
			if res, body := widgetReq(t, e.url, nil, "POST", "/widget/visitors", `{"name":"Bot"}`); res.StatusCode != 201 {
				t.Fatalf("visitor: %d %s", res.StatusCode, body)
			}
		}
		before := contacts()
		res, body := widgetReq(t, e.url, nil, "POST", "/widget/visitors", `{"name":"Bot"}`)
		wantLimited(t, "new visitor", res, body)
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("the refusal has no CORS header: the widget on a customer's site cannot read it")
		}
		if contacts() != before {
			t.Fatal("a refused visitor was stored")
		}
	})

	t.Run("chat messages per address", func(t *testing.T) {
		a, _ := dbVisitor(t, e.db, e.url, "v_lim_a")
		b, _ := dbVisitor(t, e.db, e.url, "v_lim_b")
		a.connect(0)
		a.say("a1", "one")
		a.say("a2", "two")
		// A fresh visitor from the same address does not get a fresh allowance.
		b.connect(0)
		b.send(map[string]any{"t": "msg", "cid": "b1", "body": "three"})
		if f := b.waitFor("error", func(f map[string]any) bool { return f["cid"] == "b1" }); f["code"] != domain.ERateLimited {
			t.Fatalf("third message from one address: %v", f)
		}
		if msgs, _ := e.db.ChatMessagesSince(ctx, b.id, 0, 0); len(msgs) != 1 { // its "hello" only
			t.Fatalf("refused message stored: %+v", msgs)
		}
	})

	t.Run("transcripts per address", func(t *testing.T) {
		v, chatID := dbVisitor(t, e.db, e.url, "v_lim_t")
		ask := func(to string) (*http.Response, string) {
			return widgetReq(t, e.url, v, "POST", "/widget/transcript", `{"ticket":`+strconv.FormatInt(chatID, 10)+`,"email":"`+to+`"}`)
		}
		for _, to := range []string{"x1@example.com", "x2@example.com"} {
			if res, body := ask(to); res.StatusCode != 202 {
				t.Fatalf("transcript: %d %s", res.StatusCode, body)
			}
		}
		before := outboxLen(t, e.db)
		res, body := ask("x3@example.com")
		wantLimited(t, "transcript", res, body)
		if outboxLen(t, e.db) != before {
			t.Fatal("a refused transcript request queued mail")
		}
	})

	t.Run("portal ticket form", func(t *testing.T) {
		b := e.browser()
		post := func() (*http.Response, string) {
			b.get("/help/new")
			return b.postFiles("/help/new", map[string]string{"name": "Pat", "email": "pat@example.com",
				"subject": "Cannot sign in", "description": "The reset mail never arrives."}, "attachments", nil)
		}
		for range 2 {
			if res, body := post(); res.StatusCode != 200 {
				t.Fatalf("ticket form: %d %s", res.StatusCode, body)
			}
		}
		before, _ := e.db.Tickets(ctx, domain.TicketFilter{Limit: 100})
		res, body := post()
		wantLimited(t, "ticket form", res, body)
		if after, _ := e.db.Tickets(ctx, domain.TicketFilter{Limit: 100}); len(after.Tickets) != len(before.Tickets) {
			t.Fatal("a refused ticket form created a ticket")
		}
	})

	t.Run("portal sign-in links", func(t *testing.T) {
		if _, err := e.db.CreateContact(ctx, store.NewContact{Name: "Sam", Identities: []domain.Identity{{Kind: domain.IdentityEmail, Value: "sam@example.com"}}}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		for range 2 {
			b.get("/help/login")
			if res, body := b.post("/help/login", url.Values{"email": {"sam@example.com"}}); res.StatusCode != 200 {
				t.Fatalf("sign-in: %d %s", res.StatusCode, body)
			}
		}
		before := outboxLen(t, e.db)
		b.get("/help/login")
		res, body := b.post("/help/login", url.Values{"email": {"sam@example.com"}})
		wantLimited(t, "sign-in link", res, body)
		if outboxLen(t, e.db) != before {
			t.Fatal("a refused sign-in request queued a link")
		}
	})
}

// Confirmation mails are also limited per visitor and per address, in the
// database, whatever the client address.
func TestChatConfirmationsLimitedPerVisitorAndAddress(t *testing.T) {
	e := anonLimitsEnv(t, map[httpx.Rate]httpx.Limit{httpx.RateWidgetMail: {PerMinute: 100, Burst: 100}}, nil)
	ask := func(v *chatVisitor, chatID int64, to string) (*http.Response, string) {
		return widgetReq(t, e.url, v, "POST", "/widget/transcript", `{"ticket":`+strconv.FormatInt(chatID, 10)+`,"email":"`+to+`"}`)
	}
	// One visitor, many addresses.
	v, chatID := dbVisitor(t, e.db, e.url, "v_many")
	for i := range 3 {
		if res, body := ask(v, chatID, "a"+strconv.Itoa(i)+"@example.com"); res.StatusCode != 202 {
			t.Fatalf("confirmation %d: %d %s", i, res.StatusCode, body)
		}
	}
	before := outboxLen(t, e.db)
	if before != 3 {
		t.Fatalf("%d confirmation mails queued, want 3", before)
	}
	res, body := ask(v, chatID, "a9@example.com")
	wantLimited(t, "fourth confirmation of one visitor", res, body)
	if outboxLen(t, e.db) != before {
		t.Fatal("refused confirmation queued")
	}
	// Many (new) visitors, one address.
	for i := range 3 {
		w, id := dbVisitor(t, e.db, e.url, "v_one_"+strconv.Itoa(i))
		if res, body := ask(w, id, "victim@example.com"); res.StatusCode != 202 {
			t.Fatalf("confirmation %d: %d %s", i, res.StatusCode, body)
		}
	}
	w, id := dbVisitor(t, e.db, e.url, "v_one_last")
	before = outboxLen(t, e.db)
	res, body = ask(w, id, "Victim@Example.com")
	wantLimited(t, "fourth confirmation to one address", res, body)
	if !strings.Contains(body, "rate_limited") || outboxLen(t, e.db) != before {
		t.Fatalf("refused confirmation queued or wrong body: %s", body)
	}
}
