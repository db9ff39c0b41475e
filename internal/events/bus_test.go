package events

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// next waits for the next event that is not presence noise.
func next(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatal("subscription closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}
}

// nextChange skips resyncs and presence until a change arrives.
func nextChange(t *testing.T, s *Subscription) *domain.Change {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-s.C:
			if !ok {
				t.Fatal("subscription closed")
			}
			if e.Change != nil {
				return e.Change
			}
		case <-deadline:
			t.Fatal("no change within 10s")
		}
	}
}

func quiet(t *testing.T, s *Subscription, d time.Duration) {
	t.Helper()
	select {
	case e := <-s.C:
		t.Fatalf("unexpected event %+v (change %+v)", e, e.Change)
	case <-time.After(d):
	}
}

func TestInProcessDeliveryAndUnsubscribe(t *testing.T) {
	b := New(nil)
	defer b.Close()
	s1, s2 := b.Subscribe(), b.Subscribe()
	b.Publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: 7})
	for _, s := range []*Subscription{s1, s2} {
		if c := next(t, s).Change; c == nil || c.Kind != domain.ChangeTicketCreated || c.TicketID != 7 {
			t.Fatalf("got %+v", c)
		}
	}
	s1.Close()
	if _, ok := <-s1.C; ok {
		t.Fatal("closed subscription still delivers")
	}
	b.Publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: 7})
	if c := next(t, s2).Change; c == nil || c.Kind != domain.ChangeTicketUpdated {
		t.Fatalf("got %+v", c)
	}
	if n := b.Subscribers(); n != 1 {
		t.Fatalf("subscribers = %d, want 1", n)
	}
	b.Close()
	if _, ok := <-s2.C; ok {
		t.Fatal("bus close left the subscription open")
	}
	b.Publish(domain.Change{Kind: domain.ChangeTicketUpdated}) // must not panic
}

func TestSlowSubscriberIsToldToResyncAndNeverBlocksPublisher(t *testing.T) {
	b := New(nil)
	defer b.Close()
	slow := b.Subscribe()
	done := make(chan struct{})
	go func() {
		for i := 1; i <= 10*SubscriberBuffer; i++ {
			b.Publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: 1, EntryID: int64(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publisher blocked on a subscriber that does not read")
	}
	first := next(t, slow)
	if !first.Resync {
		t.Fatalf("first event after overflow = %+v, want resync", first)
	}
	var last int64
	for len(slow.C) > 0 {
		if e := <-slow.C; e.Change != nil {
			last = e.Change.EntryID
		}
	}
	if last != 10*SubscriberBuffer {
		t.Fatalf("latest event lost: last entry %d", last)
	}
	if b.Dropped() == 0 {
		t.Fatal("dropped events not counted")
	}
}

func TestPresenceExpiresAndLeaves(t *testing.T) {
	b := New(nil)
	defer b.Close()
	now := time.Now()
	b.presence.now = func() time.Time { return now }
	sub := b.Subscribe()
	b.SetPresence(Presence{TicketID: 3, UserID: 1, Name: "Maria", State: PresenceReplying})
	b.SetPresence(Presence{TicketID: 3, UserID: 2, Name: "Bob", State: PresenceViewing})
	if e := next(t, sub); e.Presence == nil || e.Presence.Name != "Maria" || e.Presence.State != PresenceReplying {
		t.Fatalf("got %+v", e)
	}
	if got := b.Present(3); len(got) != 2 || got[0].Name != "Bob" || got[1].Name != "Maria" {
		t.Fatalf("present = %+v", got)
	}
	if got := b.Present(4); len(got) != 0 {
		t.Fatalf("other ticket has %+v", got)
	}
	b.SetPresence(Presence{TicketID: 3, UserID: 2, State: PresenceLeft})
	if got := b.Present(3); len(got) != 1 || got[0].Name != "Maria" {
		t.Fatalf("after leaving: %+v", got)
	}
	now = now.Add(PresenceTTL)
	if got := b.Present(3); len(got) != 0 {
		t.Fatalf("presence did not expire: %+v", got)
	}
}

func TestEncodeStaysUnderNotifyLimit(t *testing.T) {
	big := strings.Repeat("x", 20000)
	b, err := encode(wire{Node: "n", Seq: 1, Change: &domain.Change{Kind: domain.ChangeEntryCreated, TicketID: 1, EntryID: 2, Data: big}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxPayload || !strings.Contains(string(b), `"entry_id":2`) {
		t.Fatalf("payload %d bytes: %.100s", len(b), b)
	}
	p := Presence{TicketID: 1, UserID: 1, Name: strings.Repeat("é", 5000), State: PresenceViewing}.clean()
	if b, err := encode(wire{Presence: &p}); err != nil || len(b) > MaxPayload {
		t.Fatalf("presence payload %d bytes, %v", len(b), err)
	}
}

// newBus makes a bus on the engine under test: PostgreSQL-linked when url is
// set, in process otherwise.
func newBus(t *testing.T, url string) *Bus {
	t.Helper()
	if url == "" {
		b := New(nil)
		t.Cleanup(func() { b.Close() })
		return b
	}
	b, err := NewPostgres(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestStoreChangesReachSubscribers: a ticket created through the store shows
// up on the bus (SQLite: in process; PostgreSQL: on another node too).
func TestStoreChangesReachSubscribers(t *testing.T) {
	url := testutil.DatabaseURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := newBus(t, url)
	db.OnChange(a.Publish)
	subs := []*Subscription{a.Subscribe()}
	if url != "" {
		subs = append(subs, newBus(t, url).Subscribe())
	}
	tk, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "Printer on fire", Body: "Help", Requester: domain.Requester{Email: "ann@example.com"}, Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		c := nextChange(t, s)
		if c.Kind != domain.ChangeTicketCreated || c.TicketID != tk.ID {
			t.Fatalf("got %+v, want ticket.created %d", c, tk.ID)
		}
	}
	if url != "" {
		quiet(t, subs[0], 300*time.Millisecond) // no echo of its own notification
	}
}

func pgOnly(t *testing.T) string {
	t.Helper()
	if testutil.PostgresURL() == "" {
		t.Skip("cross-node events need PostgreSQL (ANDON_TEST_POSTGRES_URL)")
	}
	return testutil.DatabaseURL(t)
}

func TestCrossNodeChangeAndPresence(t *testing.T) {
	url := pgOnly(t)
	a, b := newBus(t, url), newBus(t, url)
	if a.NodeID() == b.NodeID() {
		t.Fatal("nodes share an id")
	}
	sa, sb := a.Subscribe(), b.Subscribe()
	a.Publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: 5, EntryID: 9, UserID: 2})
	if c := nextChange(t, sb); c.Kind != domain.ChangeEntryCreated || c.TicketID != 5 || c.EntryID != 9 || c.UserID != 2 {
		t.Fatalf("node B got %+v", c)
	}
	if c := nextChange(t, sa); c.EntryID != 9 {
		t.Fatalf("node A got %+v", c)
	}
	quiet(t, sa, 300*time.Millisecond)

	b.SetPresence(Presence{TicketID: 5, UserID: 3, Name: "Maria", State: PresenceReplying})
	e := next(t, sa)
	if e.Presence == nil || e.Presence.Name != "Maria" {
		t.Fatalf("node A got %+v", e)
	}
	if got := a.Present(5); len(got) != 1 || got[0].State != PresenceReplying {
		t.Fatalf("node A presence table: %+v", got)
	}
}

func TestListenerReconnectsAfterTermination(t *testing.T) {
	url := pgOnly(t)
	a, b := newBus(t, url), newBus(t, url)
	sb := b.Subscribe()

	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	err = admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, "andon-events-"+b.NodeID()).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d listener(s): %v", n, err)
	}
	if e := next(t, sb); !e.Resync {
		t.Fatalf("after the gap got %+v, want resync", e)
	}
	a.Publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: 42})
	if c := nextChange(t, sb); c.TicketID != 42 {
		t.Fatalf("after reconnect got %+v", c)
	}
}

func TestSequenceGapMakesReceiversResync(t *testing.T) {
	b := New(nil)
	defer b.Close()
	l := &pgLink{bus: b, log: b.log, lastSeq: map[string]uint64{}}
	s := b.Subscribe()
	l.handle(`{"n":"other","s":1,"c":{"kind":"ticket.updated","ticket_id":1}}`)
	if c := next(t, s).Change; c == nil || c.TicketID != 1 {
		t.Fatalf("got %+v", c)
	}
	l.handle(`{"n":"other","s":3,"c":{"kind":"ticket.updated","ticket_id":3}}`)
	if e := next(t, s); !e.Resync {
		t.Fatalf("missing seq 2 gave %+v, want resync", e)
	}
	if c := next(t, s).Change; c == nil || c.TicketID != 3 {
		t.Fatalf("got %+v", c)
	}
	l.handle(`{"n":"` + b.NodeID() + `","s":9,"c":{"kind":"ticket.updated"}}`)
	quiet(t, s, 50*time.Millisecond)
}

// A burst queued for other nodes goes out in few notifications, each under
// the limit, and a receiver gets every event in order with no false resync.
func TestQueuedEventsAreBatchedInOrder(t *testing.T) {
	sender := New(nil)
	defer sender.Close()
	sl := &pgLink{bus: sender, log: sender.log, out: make(chan wire, 1000)}
	for i := 1; i <= 300; i++ {
		sl.send(wire{Change: &domain.Change{Kind: domain.ChangeEntryCreated, TicketID: int64(i), EntryID: int64(i),
			Data: map[string]any{"pad": strings.Repeat("x", 100)}}})
	}
	recv := New(nil)
	defer recv.Close()
	rl := &pgLink{bus: recv, log: recv.log, lastSeq: map[string]uint64{}}
	s := recv.Subscribe()
	notifies := 0
	var pending []byte
	for len(sl.out) > 0 || pending != nil {
		first := pending
		if first == nil {
			var err error
			if first, err = encode(<-sl.out); err != nil {
				t.Fatal(err)
			}
		}
		var payload []byte
		payload, pending = sl.batch(first)
		if len(payload) > MaxPayload {
			t.Fatalf("notification of %d bytes", len(payload))
		}
		notifies++
		rl.handle(string(payload))
	}
	if notifies < 2 || notifies > 300/notifyBatchMax*3 {
		t.Fatalf("300 events took %d notifications", notifies)
	}
	for i := 1; i <= 300; i++ {
		e := next(t, s)
		if e.Change == nil || e.Change.TicketID != int64(i) {
			t.Fatalf("event %d: got %+v", i, e)
		}
	}
	quiet(t, s, 50*time.Millisecond)
}

func TestSubscribeSinceReplaysOrResyncs(t *testing.T) {
	b := New(nil)
	defer b.Close()
	b.Publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: 1})
	mid := time.Now()
	time.Sleep(2 * time.Millisecond) // the next change is seen strictly after mid
	b.Publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: 2, Data: "body"})

	s := b.SubscribeSince(mid)
	defer s.Close()
	if e := next(t, s); e.Resync || e.Change == nil || e.Change.TicketID != 2 || e.Change.Data != nil {
		t.Fatalf("first event = %+v, want ticket 2's change, ids only", e)
	}
	b.Publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: 3})
	if e := next(t, s); e.Change == nil || e.Change.TicketID != 3 {
		t.Fatalf("then the live change, got %+v", e)
	}

	// More changes than the bus keeps since the page began: a resync first.
	for i := 0; i < recentKept+5; i++ {
		b.Publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: int64(100 + i)})
	}
	late := b.SubscribeSince(mid)
	defer late.Close()
	if e := next(t, late); !e.Resync {
		t.Fatalf("first event after an overflow = %+v, want resync", e)
	}
}
