package chat

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
)

// frame is every message on the socket, both ways; "t" says which.
//
// Client → server: hello{visitor,token,last}, msg{cid,body}, typing{on},
// read{id}, end, ping.
// Server → client: welcome{online,ticket,id(agent read)}, msg{msg},
// ack{cid,id,ticket}, typing{on,name}, read{id}, ended{ticket}, survey{ticket},
// status{online}, error{cid,code,message}, pong.
type frame struct {
	T       string              `json:"t"`
	ID      int64               `json:"id,omitempty"`
	CID     string              `json:"cid,omitempty"`
	Ticket  int64               `json:"ticket,omitempty"`
	Body    string              `json:"body,omitempty"`
	On      bool                `json:"on,omitempty"`
	Name    string              `json:"name,omitempty"`
	Online  *bool               `json:"online,omitempty"`
	Offline bool                `json:"offline,omitempty"`
	Msg     *domain.ChatMessage `json:"msg,omitempty"`
	Code    string              `json:"code,omitempty"`
	Message string              `json:"message,omitempty"`
	Visitor string              `json:"visitor,omitempty"`
	Token   string              `json:"token,omitempty"`
	Last    int64               `json:"last,omitempty"`
}

// Socket limits.
const (
	readLimit    = 32 << 10 // a 4000-byte message fits even fully escaped
	helloTimeout = 10 * time.Second
	writeTimeout = 10 * time.Second
	pingEvery    = 30 * time.Second
	// outBuffer is how far a visitor may fall behind before the connection
	// is dropped; the client reconnects and resumes from its last id.
	outBuffer = 64
	// lookBack is how long after its creation a message may still turn up
	// below ids already sent (PostgreSQL commits out of id order); longer
	// than any write transaction holding a chat entry.
	lookBack = 30 * time.Second
)

// Authenticate checks a visitor's id and secret token. Any failure is the
// same "unauthorized", so ids cannot be probed.
func (h *Hub) Authenticate(ctx context.Context, visitorID, token string) (*domain.ChatVisitor, error) {
	bad := domain.Errorf(domain.EUnauthorized, "unknown visitor")
	if visitorID == "" || token == "" || len(visitorID) > 100 || len(token) > 200 {
		return nil, bad
	}
	v, err := h.db.ChatVisitor(ctx, visitorID)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ENotFound {
			return nil, bad
		}
		return nil, err
	}
	if !auth.Equal(v.TokenHash, auth.HashToken(token)) {
		return nil, bad
	}
	return v, nil
}

// Conn is one visitor socket.
type Conn struct {
	hub     *Hub
	ws      *websocket.Conn
	visitor *domain.ChatVisitor
	addr    string // client address, for the per-address message limit
	ctx     context.Context
	cancel  context.CancelFunc
	out     chan []byte

	pullMu sync.Mutex
	last   int64           // highest message id sent (under pullMu)
	recent map[int64]int64 // PostgreSQL: ids sent in the look-back → created_at ms (under pullMu)
	sent   atomic.Int64    // copy of last, read without the lock
	typing atomic.Int64    // ticket the visitor is shown typing on, 0 if none
}

// Serve runs one visitor socket until it closes: authenticate (first frame),
// send what the visitor has not seen, then relay both ways.
func (h *Hub) Serve(ctx context.Context, ws *websocket.Conn) {
	defer ws.CloseNow()
	if !h.enter() {
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer h.wg.Done()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(h.life, stop)() // shutdown: reads fail, the socket closes
	ws.SetReadLimit(readLimit)
	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	var hello frame
	err := readFrame(hctx, ws, &hello)
	cancel()
	if err != nil || hello.T != "hello" {
		_ = ws.Close(websocket.StatusPolicyViolation, "hello expected")
		return
	}
	v, err := h.Authenticate(ctx, hello.Visitor, hello.Token)
	if err != nil {
		b, _ := json.Marshal(frame{T: "error", Code: domain.EUnauthorized, Message: "unknown visitor"})
		wctx, wcancel := context.WithTimeout(ctx, writeTimeout)
		_ = ws.Write(wctx, websocket.MessageText, b)
		wcancel()
		_ = ws.Close(websocket.StatusPolicyViolation, "unauthorized")
		return
	}
	tickets, err := h.db.VisitorTickets(ctx, v.ID)
	if err != nil {
		h.log.Warn("chat: visitor tickets", "err", err)
		return
	}
	cctx, ccancel := context.WithCancel(ctx)
	defer ccancel()
	c := &Conn{hub: h, ws: ws, visitor: v, ctx: cctx, cancel: ccancel, out: make(chan []byte, outBuffer), last: max(hello.Last, 0),
		addr: clientAddr(ctx)}
	c.sent.Store(c.last)
	h.register(c, tickets)
	defer h.unregister(c)
	defer c.stopTyping()
	go c.writeLoop()

	online := h.Online(ctx, v.TeamID)
	welcome := frame{T: "welcome", Online: &online, Name: v.Name}
	if s, err := h.db.CurrentChat(ctx, v.ID); err == nil {
		welcome.Ticket, welcome.ID, welcome.Offline = s.TicketID, s.AgentRead, s.Offline
	}
	c.sendJSON(welcome)
	c.pull()
	c.readLoop()
}

func readFrame(ctx context.Context, ws *websocket.Conn, f *frame) error {
	typ, b, err := ws.Read(ctx)
	if err != nil {
		return err
	}
	if typ != websocket.MessageText {
		return errors.New("text frames only")
	}
	return json.Unmarshal(b, f)
}

func (c *Conn) readLoop() {
	for {
		var f frame
		if err := readFrame(c.ctx, c.ws, &f); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				c.sendJSON(frame{T: "error", Code: domain.EBadRequest, Message: "frames are JSON"})
				continue
			}
			return
		}
		switch f.T {
		case "msg":
			c.message(f)
		case "typing":
			c.setTyping(f.On)
		case "read":
			c.read(f.ID)
		case "end":
			c.stopTyping()
			if _, err := c.hub.db.EndChat(c.ctx, c.visitor.ID); err != nil && !isNotFound(err) {
				c.hub.log.Warn("chat: end", "err", err)
			}
		case "ping":
			c.sendJSON(frame{T: "pong"})
		default:
			c.sendJSON(frame{T: "error", Code: domain.EBadRequest, Message: "unknown frame type"})
		}
	}
}

// message stores a visitor message, then acknowledges it by client id: an
// ack means it is committed, so the client may forget it.
func (c *Conn) message(f frame) {
	// Per visitor, and per client address so fresh visitors do not reset it.
	if !c.hub.cfg.Allow(LimitMessage, c.visitor.ID) || c.addr != "" && !c.hub.cfg.Allow(LimitMessageAddress, c.addr) {
		c.sendJSON(frame{T: "error", CID: f.CID, Code: domain.ERateLimited, Message: "You are sending messages too fast."})
		return
	}
	c.stopTyping()
	posted, err := c.hub.Post(c.ctx, c.visitor, domain.NewChatMessage{ClientID: f.CID, Body: f.Body})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			c.sendJSON(frame{T: "error", CID: f.CID, Code: de.Code, Message: de.Message})
			return
		}
		c.hub.log.Error("chat: store message", "err", err)
		c.sendJSON(frame{T: "error", CID: f.CID, Code: domain.EInternal, Message: "Could not send; retrying."})
		return
	}
	c.sendJSON(frame{T: "ack", CID: f.CID, ID: posted.Message.ID, Ticket: posted.Message.TicketID})
	if posted.Created && posted.Offline {
		off := false
		c.sendJSON(frame{T: "status", Online: &off, Offline: true, Ticket: posted.Message.TicketID})
	}
	// Echo it (and anything before it) unless the hub's kick already did.
	if posted.Message.ID > c.sent.Load() || c.lateCommits() {
		c.pullUntil(posted.Message.ID)
	}
}

// Post stores a visitor message (socket or upload) and notes a new chat.
func (h *Hub) Post(ctx context.Context, v *domain.ChatVisitor, n domain.NewChatMessage) (*domain.ChatPosted, error) {
	n.VisitorID = v.ID
	n.Online = h.Online(ctx, v.TeamID)
	posted, err := h.store(ctx, v, n)
	if err != nil {
		return nil, err
	}
	if posted.Created {
		h.addTicket(posted.Message.TicketID, n.VisitorID)
	}
	return posted, nil
}

func (c *Conn) setTyping(on bool) {
	if !on {
		c.stopTyping()
		return
	}
	if !c.hub.cfg.Allow(LimitTyping, c.visitor.ID) {
		return
	}
	s, err := c.hub.db.CurrentChat(c.ctx, c.visitor.ID)
	if err != nil {
		return // typing before the first message: nobody to tell
	}
	c.typing.Store(s.TicketID)
	c.hub.bus.SetPresence(events.Presence{TicketID: s.TicketID, UserID: 0, Name: c.visitorName(), State: events.PresenceReplying})
}

func (c *Conn) stopTyping() {
	if t := c.typing.Swap(0); t != 0 {
		c.hub.bus.SetPresence(events.Presence{TicketID: t, UserID: 0, Name: c.visitorName(), State: events.PresenceLeft})
	}
}

func (c *Conn) visitorName() string {
	if c.visitor.Name != "" {
		return c.visitor.Name + " (visitor)"
	}
	return "Visitor"
}

func (c *Conn) read(id int64) {
	s, err := c.hub.db.CurrentChat(c.ctx, c.visitor.ID)
	if err != nil || id <= 0 {
		return
	}
	if _, err := c.hub.db.MarkChatRead(c.ctx, s.TicketID, true, id); err != nil {
		c.hub.log.Warn("chat: mark read", "err", err)
	}
}

// kick loads and sends messages the connection has not sent yet.
func (c *Conn) kick() { go c.pull() }

// kickAfter is kick for a new entry, skipped when it was sent already.
func (c *Conn) kickAfter(entryID int64) {
	if entryID != 0 && entryID <= c.sent.Load() && !c.lateCommits() {
		return
	}
	go c.pullUntil(entryID)
}

// lateCommits reports whether an entry may become visible after one with a
// higher id: PostgreSQL takes ids at INSERT, and transactions commit in
// parallel. SQLite has one writer, so there ids follow commit order.
func (c *Conn) lateCommits() bool { return c.hub.db.Engine == store.Postgres }

// wasSent reports whether message id was sent already (under pullMu).
func (c *Conn) wasSent(id int64) bool {
	if c.lateCommits() {
		_, ok := c.recent[id] // an older id costs one query, then is skipped
		return ok
	}
	return id <= c.last
}

// pull sends, in order, every message above the last one sent. Serialized,
// so concurrent kicks neither duplicate nor reorder.
func (c *Conn) pull() { c.pullUntil(0) }

// pullUntil is pull that does nothing when entry id (if not 0) was sent
// while it waited for the lock: the ack's echo and the bus's kick for the
// same message then cost one query, not two.
func (c *Conn) pullUntil(id int64) {
	c.pullMu.Lock()
	defer c.pullMu.Unlock()
	if id != 0 && c.wasSent(id) {
		return
	}
	// On PostgreSQL also reload the look-back window, skipping what was
	// sent: a message committed late, below ids already sent, is found
	// there. (On reconnect the client's ids in it come again; the widget
	// drops ids it has.)
	var cut time.Time
	if c.lateCommits() {
		cut = c.hub.db.Now().Add(-lookBack)
		if c.recent == nil {
			c.recent = map[int64]int64{}
		}
		for id, at := range c.recent {
			if at <= cut.UnixMilli() { // the query no longer returns it
				delete(c.recent, id)
			}
		}
	}
	var from int64
	for c.ctx.Err() == nil {
		msgs, err := c.hub.db.ChatMessagesRecent(c.ctx, c.visitor.ID, from, c.last, cut, 200)
		if err != nil {
			if c.ctx.Err() == nil {
				c.hub.log.Warn("chat: load messages", "err", err)
			}
			return
		}
		for i := range msgs {
			m := &msgs[i]
			if c.recent != nil {
				if _, ok := c.recent[m.ID]; ok {
					continue
				}
				c.recent[m.ID] = m.At
			}
			c.sendJSON(frame{T: "msg", Msg: m})
			c.last = max(c.last, m.ID)
		}
		c.sent.Store(c.last)
		if len(msgs) < 200 {
			return
		}
		from = msgs[len(msgs)-1].ID
	}
}

// sendJSON queues a frame. A visitor too slow to keep up is disconnected
// rather than buffered without bound; it resumes on reconnect.
func (c *Conn) sendJSON(f frame) {
	b, err := json.Marshal(f)
	if err != nil {
		return
	}
	select {
	case c.out <- b:
	case <-c.ctx.Done():
	default:
		c.cancel()
	}
}

func (c *Conn) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	defer c.cancel()
	for {
		select {
		case <-c.ctx.Done():
			return
		case b := <-c.out:
			ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
		case <-ping.C:
			ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

func isNotFound(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Code == domain.ENotFound
}
