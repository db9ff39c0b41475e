package chat

import (
	"context"
	"sync"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// Group commit: visitor messages from every socket go to one writer, which
// stores what arrived within a short window in one transaction. At a
// thousand messages a second this turns a thousand commits (each an fsync,
// plus the search index) into a few hundred or fewer, while every message is
// still acknowledged only after the commit that stored it.

const (
	batchWindow = 2 * time.Millisecond // longest a message waits for others
	batchMax    = 128                  // messages per transaction
)

// writers is how many transactions run at once. SQLite has one writer
// anyway; PostgreSQL commits in parallel, and there a single writer would be
// bound by network round trips rather than by commits.
func writers(db *store.DB) int {
	if db.Engine == store.Postgres {
		return 8
	}
	return 1
}

// startWriters runs the writers; writerDone closes when all have stopped.
func (h *Hub) startWriters() {
	n := writers(h.db)
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() { defer wg.Done(); h.writer() }()
	}
	go func() { wg.Wait(); close(h.writerDone) }()
}

type postReq struct {
	post store.ChatPost
	done chan store.ChatPostResult // buffered: the writer never blocks on it
}

// writer stores queued messages until the hub closes.
func (h *Hub) writer() {
	batch := make([]*postReq, 0, batchMax)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-h.life.Done():
			return
		case r := <-h.posts:
			batch = append(batch[:0], r)
		}
		// Take what is already queued, then wait out the window for more.
		timer.Reset(batchWindow)
	fill:
		for len(batch) < batchMax {
			select {
			case r := <-h.posts:
				batch = append(batch, r)
			case <-timer.C:
				break fill
			}
		}
		timer.Stop()
		posts := make([]store.ChatPost, len(batch))
		for i, r := range batch {
			posts[i] = r.post
		}
		// Not the hub's life: a batch started before shutdown still commits.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res := h.db.PostChatMessages(ctx, posts)
		cancel()
		for i, r := range batch {
			r.done <- res[i]
		}
	}
}

// store queues one message for the writer and waits for its commit.
// Messages with files skip the queue: they are large and rare.
func (h *Hub) store(ctx context.Context, v *domain.ChatVisitor, n domain.NewChatMessage) (*domain.ChatPosted, error) {
	if len(n.Files) > 0 {
		return h.db.PostChatMessage(ctx, v, n)
	}
	r := &postReq{post: store.ChatPost{Visitor: v, Msg: n}, done: make(chan store.ChatPostResult, 1)}
	select {
	case h.posts <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.life.Done():
		return nil, errShutdown
	}
	// Once queued, wait for the outcome even if the socket goes: the ack is
	// lost then, and the client's resend is recognised by its id.
	select {
	case res := <-r.done:
		return res.Posted, res.Err
	case <-h.writerDone:
		select {
		case res := <-r.done:
			return res.Posted, res.Err
		default:
			return nil, errShutdown // never stored; the client resends elsewhere
		}
	}
}

var errShutdown = &domain.Error{Code: domain.EInternal, Message: "Could not send; retrying."}
