package workspace

import (
	"andon/internal/http/httpx"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"andon/internal/domain"
	"andon/internal/events"
)

// Live updates of the workspace: GET /events streams changes and presence to
// a signed-in agent's page as Server-Sent Events; pages post their presence on
// a ticket so colleagues see who is viewing or replying.

// sseHeartbeat keeps proxies from closing an idle stream and lets the server
// notice a browser that went away.
const sseHeartbeat = 25 * time.Second

// sseWriteTimeout bounds one write to a stream.
const sseWriteTimeout = 30 * time.Second

// liveEvents is GET /events[?ticket=ID]. Every change the user may see is
// sent (kinds and ids only; the page fetches what it shows); presence only
// for the given ticket and never the agent's own. streamViewer filters both.
func (s *Handler) liveEvents(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	var ticketID int64
	if v := r.URL.Query().Get("ticket"); v != "" {
		var err error
		if ticketID, err = strconv.ParseInt(v, 10, 64); err != nil || ticketID <= 0 {
			httpx.WriteError(s.log, w, r, &domain.Error{Code: domain.EBadRequest, Message: "ticket must be a ticket id", Fields: map[string]string{"ticket": "must be a ticket id"}})
			return
		}
	}
	viewer := newStreamViewer(s.db, u)
	sub := s.subscribe(r)
	defer sub.Close()

	rc := http.NewResponseController(w)
	// A stream outlives the server's write timeout; instead each write gets
	// its own, so a browser that stopped reading is let go. (net/http lifts
	// the read deadline itself once a bodiless request is read.)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	send := func(event string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		return err
	}
	// hello tells the page who it is, so it can ignore its own presence.
	if _, err := io.WriteString(w, "retry: 3000\n\n"); err != nil {
		return
	}
	if err := send("hello", map[string]any{"user_id": u.ID, "presence_ttl": int(events.PresenceTTL.Seconds())}); err != nil {
		return
	}
	if ticketID != 0 && viewer.ticket(r.Context(), ticketID) {
		for _, p := range s.events.Present(ticketID) {
			if p.UserID != u.ID {
				_ = send("presence", p)
			}
		}
	}
	if rc.Flush() != nil {
		return
	}

	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		var event string // "" is a heartbeat
		var data any
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
		case e, ok := <-sub.C:
			if !ok {
				return // the bus closed: the server is shutting down
			}
			if !viewer.allow(r.Context(), e) {
				continue
			}
			switch {
			case e.Resync:
				event, data = "resync", struct{}{}
			case e.Change != nil:
				c := *e.Change
				c.Data = nil // ids only; the page loads what it shows
				event, data = "change", c
			case e.Presence != nil:
				if e.Presence.TicketID != ticketID || e.Presence.UserID == u.ID {
					continue
				}
				event, data = "presence", e.Presence
			default:
				continue
			}
		}
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		var err error
		if event == "" {
			_, err = io.WriteString(w, ": ping\n\n")
		} else {
			err = send(event, data)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// liveSkew allows for clocks of nodes behind one load balancer differing a
// little: the node that rendered a page need not be the one streaming to it.
const liveSkew = time.Second

// subscribe starts the stream's subscription. With ?since (the page's render
// start, Unix ms) the changes made while the page loaded are replayed first.
func (s *Handler) subscribe(r *http.Request) *events.Subscription {
	v, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if err != nil || v <= 0 {
		return s.events.Subscribe()
	}
	return s.events.SubscribeSince(time.UnixMilli(v).Add(-liveSkew))
}

// presenceRequest is the body of POST /tickets/{id}/presence.
type presenceRequest struct {
	State string `json:"state"`
}

// postPresence records that the agent is viewing or replying on a ticket (or
// left it). Pages repeat it about every 10 seconds; it expires on its own.
func (s *Handler) postPresence(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "ticket")
	if err != nil {
		return err
	}
	var req presenceRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	if !events.ValidPresenceState(req.State) {
		return &domain.Error{Code: domain.EInvalid, Message: "state must be viewing, replying or left",
			Fields: map[string]string{"state": "must be viewing, replying or left"}}
	}
	if _, err := s.db.Ticket(r.Context(), id); err != nil {
		return err
	}
	s.events.SetPresence(events.Presence{TicketID: id, UserID: u.ID, Name: u.Name, State: req.State})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
