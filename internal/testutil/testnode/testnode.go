// Package testnode starts a whole Andon node for a test, wired by the
// production code (app.NewNode): a store on the engine under test, the event
// bus, the HTTP server on a test listener, a clock the test can move and,
// when asked, the email channel sending to a recording SMTP listener.
//
// It is its own package because it imports internal/app, which the store's
// and the server's internal tests cannot.
package testnode

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"andon/internal/app"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/http/httpx"
	"andon/internal/mail"
	"andon/internal/mail/mailtest"
	"andon/internal/mail/outbox"
	"andon/internal/store"
	"andon/internal/testutil"
)

// Options tune a node; the zero value is one node without email.
type Options struct {
	// Join makes this node a second node on Join's database (PostgreSQL
	// runs several nodes on one database); it shares Join's clock.
	Join *Node
	// Mail turns the email channel on: Mail, Sender and Sink are set.
	Mail bool
	// Mailbox, with Mail, creates the default mailbox with this address,
	// sending through Sink; MailboxTune may add to it (a name, IMAP).
	Mailbox     string
	MailboxTune func(*domain.MailboxInput)
	// Limits overrides rate-limit classes (small ones make limits testable).
	Limits map[httpx.Rate]httpx.Limit
	// Config adjusts the configuration before the node is built.
	Config func(*config.Config)
	// Log receives the node's log; nil discards it (warnings go to stderr
	// with go test -v).
	Log *slog.Logger
}

// Node is a running node and the handles a test asserts through.
type Node struct {
	*app.Node
	URL     string
	DB      *store.DB
	Events  *events.Bus
	Config  *config.Config
	Log     *slog.Logger
	Clock   *Clock
	Mail    *mail.Service   // nil without Options.Mail
	Sender  *outbox.Sender  // flushes the outbox on demand (RunOnce); no background sender runs, no BaseURL links
	Sink    *mailtest.Sink  // receives what Sender sends; requires AUTH as SinkUser/SinkPass
	Mailbox *domain.Mailbox // the default mailbox, with Options.Mailbox
}

// SMTP credentials of the sink.
const (
	SinkUser = "andon"
	SinkPass = "s3cret"
)

// New starts a node that runs until the test ends.
func New(t testing.TB, o Options) *Node {
	t.Helper()
	ctx := context.Background()
	n := &Node{Log: o.Log, Clock: &Clock{}}
	if n.Log == nil {
		n.Log = testLog()
	}
	dbURL, dataDir := "", ""
	if o.Join != nil {
		dbURL, dataDir, n.Clock = o.Join.Config.DatabaseURL, o.Join.Config.DataDir, o.Join.Clock
	} else {
		dbURL, dataDir = testutil.DatabaseURL(t), t.TempDir()
	}
	db, err := store.OpenDurable(ctx, dbURL, dataDir, store.DurableNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetClock(n.Clock.Now)
	n.DB = db
	// Live updates as in production: in process on SQLite, LISTEN/NOTIFY on PostgreSQL.
	n.Events = events.New(n.Log)
	if dbURL != "" {
		if n.Events, err = events.NewPostgres(ctx, dbURL, n.Log); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewUnstartedServer(nil)
	n.URL = "http://" + ts.Listener.Addr().String()
	n.Config = &config.Config{BaseURL: n.URL, DataDir: dataDir, DatabaseURL: dbURL, ShutdownTimeout: time.Second}
	if o.Config != nil {
		o.Config(n.Config)
	}
	if o.Mail {
		n.startMail(t, o.Mailbox, o.MailboxTune)
	}
	n.Node, err = app.NewNode(app.NodeDeps{Config: n.Config, DB: db, Log: n.Log, Version: "test", Events: n.Events,
		Mail: n.Mail, Limits: o.Limits})
	if err != nil {
		t.Fatal(err)
	}
	n.Start(ctx, false)
	ts.Config.Handler = n.Server
	ts.Start()
	// Clean-ups run last first: the bus ends the event streams, chat ends
	// its sockets, then the listener closes.
	t.Cleanup(ts.Close)
	t.Cleanup(func() { n.Chat.Close(time.Second) })
	t.Cleanup(func() { n.Events.Close() })
	return n
}

// startMail builds the email channel the way internal/app does, with the
// sink as the default mailbox's SMTP server.
func (n *Node) startMail(t testing.TB, address string, tune func(*domain.MailboxInput)) {
	t.Helper()
	box, err := mail.NewBox(n.Config.SecretKey, n.Config.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	n.Mail = mail.NewService(n.DB, box, n.Log)
	n.Sender = &outbox.Sender{DB: n.DB, Box: box, Log: n.Log, Hostname: "acme.test"}
	n.Sink = mailtest.StartSink(t, SinkUser, SinkPass)
	if address == "" {
		return
	}
	in := domain.MailboxInput{
		Address: &address, IsDefault: ptr(true), SMTPHost: &n.Sink.Host, SMTPPort: &n.Sink.Port,
		SMTPUser: ptr(SinkUser), SMTPPassword: ptr(SinkPass), SMTPTLS: ptr(domain.TLSNone),
	}
	if tune != nil {
		tune(&in)
	}
	mb, err := n.Mail.CreateMailbox(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	n.Mailbox = mb
}

func ptr[T any](v T) *T { return &v }

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Clock is the store's clock: real time, moved by the test.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time
}

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		c.frozen = c.frozen.Add(d)
	}
	c.offset += d
}

// Freeze stops the clock at t; Advance then moves it by steps.
func (c *Clock) Freeze(t time.Time) {
	c.mu.Lock()
	c.frozen = t
	c.mu.Unlock()
}
