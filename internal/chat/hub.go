// Package chat is the live-chat protocol: visitor connections (WebSocket),
// their authentication, and delivery of agents' replies, typing and read
// receipts from the events bus to the right visitor on this node. Messages
// live in the database (a chat is a ticket with channel "chat"); the bus only
// says that something changed, so a visitor on node A and an agent on node B
// talk through PostgreSQL.
package chat

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
)

// Config bounds what visitors may do. Allow takes one token from a named
// rate limit for a key, reporting whether one was left.
type Config struct {
	Allow func(limit, key string) bool
	// IdleAfter ends chats with no activity for this long (0: 30 minutes,
	// negative: never).
	IdleAfter time.Duration
}

// Rate-limit names passed to Config.Allow.
const (
	LimitMessage = "message" // per visitor
	LimitTyping  = "typing"  // per visitor
)

// Hub routes events to the visitor connections of this node.
type Hub struct {
	db  *store.DB
	bus *events.Bus
	log *slog.Logger
	cfg Config

	// life ends every socket when the hub closes (shutdown): hijacked
	// connections are not closed by http.Server.Shutdown.
	life  context.Context
	close context.CancelFunc
	wg    sync.WaitGroup // running Serve calls

	posts      chan *postReq // to the group-commit writer (batch.go)
	writerDone chan struct{}

	mu       sync.Mutex
	closed   bool
	visitors map[string]map[*Conn]struct{} // visitor id → open connections
	tickets  map[int64]string              // chat ticket → visitor, for connected visitors

	onlineMu sync.Mutex
	online   map[int64]onlineEntry // team id (0 = any) → cached availability
}

type onlineEntry struct {
	ok    bool
	until time.Time
}

// onlineTTL is how long availability is cached: a toggle shows in widgets
// within a few seconds, and a burst of messages costs one query.
const onlineTTL = 3 * time.Second

// NewHub makes a hub; Start runs it.
func NewHub(db *store.DB, bus *events.Bus, log *slog.Logger, cfg Config) *Hub {
	if cfg.Allow == nil {
		cfg.Allow = func(string, string) bool { return true }
	}
	h := &Hub{db: db, bus: bus, log: log, cfg: cfg,
		visitors: map[string]map[*Conn]struct{}{}, tickets: map[int64]string{}, online: map[int64]onlineEntry{}}
	h.life, h.close = context.WithCancel(context.Background())
	h.posts, h.writerDone = make(chan *postReq, 4*batchMax), make(chan struct{})
	if cfg.IdleAfter == 0 {
		h.cfg.IdleAfter = 30 * time.Minute
	}
	return h
}

// Start runs the hub's goroutines: the message writers, the idle sweep and
// the listener on the bus. The hub stops when the bus closes.
func (h *Hub) Start() {
	h.startWriters()
	if h.cfg.IdleAfter > 0 {
		go h.endIdle()
	}
	sub := h.bus.Subscribe()
	go h.run(sub)
}

// Close ends every visitor socket and waits (up to wait) for them to
// finish, so a shutdown neither hangs on open chats nor leaves them using a
// closed database. Widgets reconnect, to another node or after the restart.
func (h *Hub) Close(wait time.Duration) {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.close()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		h.log.Warn("chat: sockets still open after shutdown wait")
	}
}

// endIdle ends idle chats until the hub closes. The widget hears "ended"
// through the bus, on whichever node the visitor is connected to.
func (h *Hub) endIdle() {
	every := min(max(h.cfg.IdleAfter/10, 10*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-h.life.Done():
			return
		case <-tick.C:
		}
		ids, err := h.db.EndIdleChats(h.life, h.db.Now().Add(-h.cfg.IdleAfter))
		if err != nil && h.life.Err() == nil {
			h.log.Warn("chat: end idle chats", "err", err)
		} else if len(ids) > 0 {
			h.log.Info("chat: ended idle chats", "count", len(ids))
		}
	}
}

// enter registers a running Serve, refusing once the hub is closed.
func (h *Hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	return true
}

// Connections counts open visitor connections on this node.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, cs := range h.visitors {
		n += len(cs)
	}
	return n
}

// Online reports whether an agent is available for a team (nil: any agent).
func (h *Hub) Online(ctx context.Context, teamID *int64) bool {
	var key int64
	if teamID != nil {
		key = *teamID
	}
	h.onlineMu.Lock()
	e, ok := h.online[key]
	h.onlineMu.Unlock()
	if ok && time.Now().Before(e.until) {
		return e.ok
	}
	n, err := h.db.AgentsAvailable(ctx, teamID)
	if err != nil {
		h.log.Warn("chat: agent availability", "err", err)
		return false
	}
	h.onlineMu.Lock()
	h.online[key] = onlineEntry{ok: n > 0, until: time.Now().Add(onlineTTL)}
	h.onlineMu.Unlock()
	return n > 0
}

// ForgetOnline drops cached availability (an agent changed their status).
func (h *Hub) ForgetOnline() {
	h.onlineMu.Lock()
	h.online = map[int64]onlineEntry{}
	h.onlineMu.Unlock()
}

func (h *Hub) register(c *Conn, tickets []int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.visitors[c.visitor.ID]
	if cs == nil {
		cs = map[*Conn]struct{}{}
		h.visitors[c.visitor.ID] = cs
	}
	cs[c] = struct{}{}
	for _, t := range tickets {
		h.tickets[t] = c.visitor.ID
	}
}

func (h *Hub) unregister(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.visitors[c.visitor.ID]
	delete(cs, c)
	if len(cs) == 0 {
		delete(h.visitors, c.visitor.ID)
		for t, v := range h.tickets {
			if v == c.visitor.ID {
				delete(h.tickets, t)
			}
		}
	}
}

// addTicket notes a new chat of a visitor who has connections here.
func (h *Hub) addTicket(ticketID int64, visitorID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.visitors[visitorID]) > 0 {
		h.tickets[ticketID] = visitorID
	}
}

// conns returns the connections of the visitor behind a chat ticket.
func (h *Hub) conns(ticketID int64) []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.tickets[ticketID]
	if !ok {
		return nil
	}
	out := make([]*Conn, 0, len(h.visitors[v]))
	for c := range h.visitors[v] {
		out = append(out, c)
	}
	return out
}

func (h *Hub) all() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Conn
	for _, cs := range h.visitors {
		for c := range cs {
			out = append(out, c)
		}
	}
	return out
}

// run turns bus events into visitor frames. Message bodies are never on the
// bus: a connection told that its chat changed loads what it has not sent.
func (h *Hub) run(sub *events.Subscription) {
	for e := range sub.C {
		switch {
		case e.Resync:
			for _, c := range h.all() {
				c.kick()
			}
		case e.Presence != nil:
			p := e.Presence
			if p.UserID == 0 { // the visitor's own typing, echoed
				continue
			}
			for _, c := range h.conns(p.TicketID) {
				c.sendJSON(frame{T: "typing", On: p.State == events.PresenceReplying, Name: p.Name, Ticket: p.TicketID})
			}
		case e.Change != nil:
			h.change(e.Change)
		}
	}
}

func (h *Hub) change(c *domain.Change) {
	switch c.Kind {
	case domain.ChangeChatStarted:
		if v := dataString(c.Data, "visitor"); v != "" {
			h.addTicket(c.TicketID, v)
		}
		for _, conn := range h.conns(c.TicketID) {
			conn.kick()
		}
	case domain.ChangeEntryCreated:
		for _, conn := range h.conns(c.TicketID) {
			conn.kickAfter(c.EntryID)
		}
	case domain.ChangeChatRead:
		if dataString(c.Data, "by") != "agent" {
			return
		}
		for _, conn := range h.conns(c.TicketID) {
			conn.sendJSON(frame{T: "read", ID: c.EntryID, Ticket: c.TicketID})
		}
	case domain.ChangeChatEnded:
		for _, conn := range h.conns(c.TicketID) {
			conn.sendJSON(frame{T: "ended", Ticket: c.TicketID})
		}
	case domain.ChangeTicketUpdated:
		// A solved chat asks the visitor the survey questions.
		conns := h.conns(c.TicketID)
		if len(conns) == 0 {
			return
		}
		go func(id int64) { // off the event loop: a query per update
			t, err := h.db.Ticket(h.life, id)
			if err != nil || !t.Status.Resolved() {
				return
			}
			for _, conn := range conns {
				conn.sendJSON(frame{T: "survey", Ticket: id})
			}
		}(c.TicketID)
	}
}

// dataString reads a string field of a change's Data, which is a map in
// process and decoded JSON when it came from another node.
func dataString(data any, key string) string {
	switch d := data.(type) {
	case map[string]any:
		s, _ := d[key].(string)
		return s
	case map[string]string:
		return d[key]
	}
	return ""
}
