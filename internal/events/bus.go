// Package events is Andon's realtime layer: committed domain changes and
// ephemeral presence signals, fanned out to every live view. On SQLite it is
// in process; on PostgreSQL the nodes sharing one database exchange events
// over LISTEN/NOTIFY so several `andon serve` processes behave as one.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"andon/internal/domain"
)

// Event is one item delivered to a subscriber: a change, a presence signal,
// or a request to reload everything because events may have been missed.
type Event struct {
	Change   *domain.Change
	Presence *Presence
	// Resync means the subscriber may have missed events (it fell behind,
	// or the link to the other nodes broke): reload what it shows.
	Resync bool
}

// SubscriberBuffer is how many events a subscriber may fall behind before
// its backlog is replaced by a single resync. Chat's group commit publishes
// the events of up to 128 messages at once; a resync makes every chat
// socket reload, so a burst must fit.
const SubscriberBuffer = 1024

// Bus fans events out to subscribers. The zero value is not usable; call New
// or NewPostgres.
type Bus struct {
	node     string
	log      *slog.Logger
	presence *presenceTable

	mu     sync.RWMutex
	subs   map[*Subscription]struct{}
	closed bool

	pg      *pgLink // nil when in process
	dropped atomic.Int64

	recent recentChanges // for SubscribeSince; guarded by mu (written under RLock with its own lock)
}

// New returns an in-process bus (SQLite, or a single node).
func New(log *slog.Logger) *Bus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bus{
		node:     newNodeID(),
		log:      log,
		presence: newPresenceTable(),
		subs:     map[*Subscription]struct{}{},
	}
}

func newNodeID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NodeID is this process's random id; other nodes use it to tell its
// notifications apart, and it ignores its own echoes.
func (b *Bus) NodeID() string { return b.node }

// Dropped counts events thrown away because a subscriber fell behind.
func (b *Bus) Dropped() int64 { return b.dropped.Load() }

// Publish delivers a committed change to local subscribers at once and, on
// PostgreSQL, to the other nodes. It never blocks on a slow subscriber or on
// the database, so it is safe to call from the store's commit path.
func (b *Bus) Publish(c domain.Change) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	b.recent.add(c)
	b.deliverLocked(Event{Change: &c})
	if b.pg != nil {
		b.pg.send(wire{Change: &c})
	}
}

// SetPresence records that an agent is viewing or replying on a ticket (or
// left it) and tells every node.
func (b *Bus) SetPresence(p Presence) {
	p = p.clean()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	b.presence.set(p)
	b.deliverLocked(Event{Presence: &p})
	if b.pg != nil {
		b.pg.send(wire{Presence: &p})
	}
}

// Present lists who is on a ticket right now, on any node.
func (b *Bus) Present(ticketID int64) []Presence { return b.presence.list(ticketID) }

// receive handles an event that came from another node.
func (b *Bus) receive(w wire) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	switch {
	case w.Change != nil:
		b.recent.add(*w.Change)
		b.deliverLocked(Event{Change: w.Change})
	case w.Presence != nil:
		p := w.Presence.clean()
		b.presence.set(p)
		b.deliverLocked(Event{Presence: &p})
	}
}

// resync tells every subscriber to reload (after a gap on the cross-node link).
func (b *Bus) resync() {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.closed {
		b.deliverLocked(Event{Resync: true})
	}
}

func (b *Bus) deliverLocked(e Event) {
	for s := range b.subs {
		s.deliver(e, &b.dropped)
	}
}

// Subscribe returns a subscription receiving every event from now on. Call
// Close (or Unsubscribe) when done. Its channel is closed when the
// subscription or the bus closes.
func (b *Bus) Subscribe() *Subscription {
	ch := make(chan Event, SubscriberBuffer)
	s := &Subscription{C: ch, ch: ch, bus: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.closed = true
		close(ch)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// SubscribeSince is Subscribe for a view built from data read at since: the
// changes this node saw after since come first, so a page whose stream
// connects after a change is not left stale. When the changes kept do not
// reach back that far, a resync comes first instead.
func (b *Bus) SubscribeSince(since time.Time) *Subscription {
	ch := make(chan Event, SubscriberBuffer)
	s := &Subscription{C: ch, ch: ch, bus: b}
	b.mu.Lock() // no delivery runs meanwhile: nothing is missed or doubled
	defer b.mu.Unlock()
	if b.closed {
		s.closed = true
		close(ch)
		return s
	}
	missed, complete := b.recent.since(since)
	if !complete {
		ch <- Event{Resync: true}
	}
	for i := range missed {
		ch <- Event{Change: &missed[i]}
	}
	b.subs[s] = struct{}{}
	return s
}

// Unsubscribe stops s and closes its channel. Closing twice is harmless.
func (b *Bus) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
	s.close()
}

// Subscribers counts open subscriptions.
func (b *Bus) Subscribers() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// Close stops the cross-node link and closes every subscription, which ends
// the live streams (so an HTTP shutdown does not wait on them).
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := b.subs
	b.subs = map[*Subscription]struct{}{}
	b.mu.Unlock()
	for s := range subs {
		s.close()
	}
	if b.pg != nil {
		b.pg.stop()
	}
	return nil
}

// Subscription is one consumer's view of the bus.
type Subscription struct {
	// C delivers events; it is closed when the subscription ends.
	C <-chan Event

	ch     chan Event
	bus    *Bus
	mu     sync.Mutex
	closed bool
}

// Close ends the subscription.
func (s *Subscription) Close() { s.bus.Unsubscribe(s) }

// deliver never blocks: when the consumer is SubscriberBuffer events behind,
// its backlog is thrown away and replaced by one resync (the consumer reloads
// anyway, so the old events are worthless), followed by e.
func (s *Subscription) deliver(e Event, dropped *atomic.Int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- e:
		return
	default:
	}
	n := int64(0)
drain:
	for {
		select {
		case <-s.ch:
			n++
		default:
			break drain
		}
	}
	dropped.Add(n)
	// The channel is now empty and only we send (under s.mu), so these fit.
	s.ch <- Event{Resync: true}
	s.ch <- e
}

func (s *Subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// recentKept is how many recent changes a bus keeps for SubscribeSince: far
// more than a busy desk makes while one page loads.
const recentKept = 256

// recentChanges is a ring of the latest changes with the time this node saw
// them.
type recentChanges struct {
	mu   sync.Mutex
	ring [recentKept]stampedChange
	next int
	n    int
}

type stampedChange struct {
	at time.Time
	c  domain.Change
}

func (r *recentChanges) add(c domain.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Data = nil // streams send ids only
	r.ring[r.next] = stampedChange{at: time.Now(), c: c}
	r.next = (r.next + 1) % recentKept
	if r.n < recentKept {
		r.n++
	}
}

// since returns the changes seen after t, oldest first, and whether the ring
// reaches back to t.
func (r *recentChanges) since(t time.Time) (out []domain.Change, complete bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	complete = r.n < recentKept
	for i := 0; i < r.n; i++ {
		e := r.ring[(r.next-r.n+i+recentKept)%recentKept]
		if !e.at.After(t) {
			complete = true
			continue
		}
		out = append(out, e.c)
	}
	return out, complete
}
