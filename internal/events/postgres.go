package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"andon/internal/domain"
)

// Channel is the PostgreSQL notification channel the nodes share.
const Channel = "andon_events"

// MaxPayload bounds a notification; PostgreSQL refuses payloads of 8000
// bytes or more. Events carry ids, never bodies, so they fit easily.
const MaxPayload = 7900

// wire is one notification between nodes. Seq numbers each node's
// notifications so a receiver notices one that never arrived.
type wire struct {
	Node     string         `json:"n"`
	Seq      uint64         `json:"s"`
	Change   *domain.Change `json:"c,omitempty"`
	Presence *Presence      `json:"p,omitempty"`
}

// encode marshals w, dropping the change's optional Data when it would make
// the notification too large (receivers reload by id anyway).
func encode(w wire) ([]byte, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxPayload && w.Change != nil && w.Change.Data != nil {
		c := *w.Change
		c.Data = nil
		w.Change = &c
		b, err = json.Marshal(w)
		if err != nil {
			return nil, err
		}
	}
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("event of %d bytes is too large to notify", len(b))
	}
	return b, nil
}

// Reconnect backoff bounds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// pingEvery checks the idle listener connection so a silently dead
	// link is noticed.
	pingEvery = 30 * time.Second
)

// pgLink connects a bus to the other nodes: one dedicated connection
// LISTENs, another sends NOTIFYs in order from a queue so publishers never
// wait on the network.
type pgLink struct {
	bus    *Bus
	url    string
	log    *slog.Logger
	out    chan wire
	sendMu sync.Mutex // numbers and queues events in one step, so Seq order is queue order
	seq    uint64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// lastSeq is the last sequence number seen per node (listener goroutine only).
	lastSeq map[string]uint64
}

// NewPostgres returns a bus linked to every other node on the database at
// url. It fails when it cannot connect and LISTEN at start; afterwards it
// reconnects by itself, telling subscribers to resync after each gap.
func NewPostgres(ctx context.Context, url string, log *slog.Logger) (*Bus, error) {
	b := New(log)
	l := &pgLink{bus: b, url: url, log: b.log.With("component", "events"), out: make(chan wire, 4096), lastSeq: map[string]uint64{}}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	conn, err := l.connectListener(cctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("events: listen on postgres: %w", err)
	}
	lctx, stop := context.WithCancel(context.Background())
	l.cancel = stop
	b.pg = l
	l.wg.Add(2)
	go l.listen(lctx, conn)
	go l.sendLoop(lctx)
	return b, nil
}

// appName names the listener connection in pg_stat_activity, per node.
func (l *pgLink) appName() string { return "andon-events-" + l.bus.node }

func (l *pgLink) connect(ctx context.Context, app string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = app
	return pgx.ConnectConfig(ctx, cfg)
}

func (l *pgLink) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := l.connect(ctx, l.appName())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// send queues w for the other nodes. A full queue drops it; the sequence gap
// makes the receivers resync.
func (l *pgLink) send(w wire) {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	l.seq++
	w.Node, w.Seq = l.bus.node, l.seq
	select {
	case l.out <- w:
	default:
		l.log.Warn("events: notify queue full, dropping event")
	}
}

func (l *pgLink) stop() {
	l.cancel()
	l.wg.Wait()
}

// listen receives notifications until ctx ends, reconnecting with backoff.
func (l *pgLink) listen(ctx context.Context, conn *pgx.Conn) {
	defer l.wg.Done()
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		if conn == nil {
			conn = l.reconnect(ctx)
			if conn == nil {
				return
			}
			// Notifications sent while we were away are lost: views reload.
			l.lastSeq = map[string]uint64{}
			l.bus.resync()
			l.log.Info("events: listener reconnected")
		}
		wctx, cancel := context.WithTimeout(ctx, pingEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed() {
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err = conn.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			l.log.Warn("events: listener connection lost", "err", err)
			conn.Close(context.Background())
			conn = nil
			continue
		}
		l.handle(n.Payload)
	}
}

// reconnect retries until it is listening again or ctx ends.
func (l *pgLink) reconnect(ctx context.Context) *pgx.Conn {
	backoff := minBackoff
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := l.connectListener(cctx)
		cancel()
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		l.log.Warn("events: listener reconnect failed", "err", err, "retry_in", backoff)
		backoff = min(backoff*2, maxBackoff)
	}
}

// handle takes one notification: a single event, or a JSON array of a
// node's consecutive events (sendLoop batches what is queued).
func (l *pgLink) handle(payload string) {
	if strings.HasPrefix(payload, "[") {
		var ws []wire
		if err := json.Unmarshal([]byte(payload), &ws); err != nil {
			l.log.Warn("events: bad notification", "err", err)
			return
		}
		for _, w := range ws {
			l.handleOne(w)
		}
		return
	}
	var w wire
	if err := json.Unmarshal([]byte(payload), &w); err != nil {
		l.log.Warn("events: bad notification", "err", err)
		return
	}
	l.handleOne(w)
}

func (l *pgLink) handleOne(w wire) {
	if w.Node == l.bus.node {
		return // our own echo; local subscribers already have it
	}
	last, seen := l.lastSeq[w.Node]
	l.lastSeq[w.Node] = w.Seq
	if seen && w.Seq != last+1 {
		l.bus.resync() // that node dropped or we missed something
	}
	l.bus.receive(w)
}

// sendLoop NOTIFYs queued events in order on its own connection.
func (l *pgLink) sendLoop(ctx context.Context) {
	defer l.wg.Done()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	var next []byte // encoded event that did not fit the previous batch
	for {
		var first []byte
		if next != nil {
			first, next = next, nil
		} else {
			var w wire
			select {
			case <-ctx.Done():
				return
			case w = <-l.out:
			}
			var err error
			if first, err = encode(w); err != nil {
				l.log.Error("events: encode", "err", err)
				continue
			}
		}
		payload, rest := l.batch(first)
		next = rest
		var err error
		backoff := minBackoff
		for attempt := 0; ; attempt++ {
			if conn == nil {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				conn, err = l.connect(cctx, "andon-notify-"+l.bus.node)
				cancel()
			}
			if conn != nil {
				ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err = conn.Exec(ectx, "SELECT pg_notify($1, $2)", Channel, string(payload))
				cancel()
				if err == nil {
					break
				}
				conn.Close(context.Background())
				conn = nil
			}
			if ctx.Err() != nil {
				return
			}
			if attempt == 5 {
				// Give up on this one; receivers see the sequence gap.
				l.log.Error("events: notify failed, event dropped", "err", err)
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff)
		}
	}
}

// notifyBatchMax bounds the events in one notification.
const notifyBatchMax = 64

// batch joins first with whatever else is already queued into one payload
// under MaxPayload: at a thousand messages a second one NOTIFY per event
// (a round trip and a commit each, serialised on one connection) is the
// link's limit. An event that does not fit is returned for the next batch.
func (l *pgLink) batch(first []byte) (payload, rest []byte) {
	buf := append(make([]byte, 0, 1024), '[')
	buf = append(buf, first...)
fill:
	for n := 1; n < notifyBatchMax; {
		var w wire
		select {
		case w = <-l.out:
		default:
			break fill // nothing more queued: send what we have
		}
		b, err := encode(w)
		if err != nil {
			l.log.Error("events: encode", "err", err)
			continue
		}
		if len(buf)+1+len(b)+1 > MaxPayload {
			rest = b
			break fill
		}
		buf = append(append(buf, ','), b...)
		n++
	}
	if len(buf) == 1+len(first) {
		return first, rest // alone: a plain object, as before
	}
	return append(buf, ']'), rest
}
