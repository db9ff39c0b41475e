package app

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// target is one database for a test: a data dir, and on PostgreSQL a URL.
type target struct {
	dir, url string
}

func newTarget(t *testing.T) target {
	t.Helper()
	return target{dir: t.TempDir(), url: testutil.DatabaseURL(t)}
}

// flags point a command at the target; like every test database, it skips
// the fsync per commit (the durability tests use the default).
func (tg target) flags() []string {
	f := []string{"--data-dir", tg.dir, "--sqlite-durability", "normal"}
	if tg.url != "" {
		f = append(f, "--database-url", tg.url)
	}
	return f
}

func (tg target) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), tg.url, tg.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// syncBuffer is a bytes.Buffer safe for a command running in a goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

// run runs one andon command in-process.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb syncBuffer
	err := Run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func countTickets(t *testing.T, db *store.DB) int {
	t.Helper()
	total := 0
	for _, s := range domain.Statuses {
		n, err := db.CountTickets(context.Background(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

func TestUserCreateReadsPasswordFromStdin(t *testing.T) {
	tg := newTarget(t)
	args := append([]string{"user", "create", "--email", "Kim@Example.com", "--name", "Kim Lee", "--role", "admin"}, tg.flags()...)
	out, _, err := run(t, "correct horse battery\n", args...)
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	if !strings.Contains(out, "kim@example.com") || !strings.Contains(out, "admin") {
		t.Fatalf("output %q does not show the created user", out)
	}
	db := tg.open(t)
	u, hash, err := db.UserByEmail(context.Background(), "kim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != domain.RoleAdmin || u.Name != "Kim Lee" {
		t.Fatalf("user %+v", u)
	}
	if !auth.CheckPassword(hash, "correct horse battery") {
		t.Fatal("the password read from stdin does not log in")
	}
	if auth.CheckPassword(hash, "correct horse battery\n") || auth.CheckPassword(hash, "wrong password!") {
		t.Fatal("a different password logs in")
	}

	// The same email again is a conflict naming the flag.
	_, _, err = run(t, "another password\n", args...)
	if err == nil || !strings.Contains(err.Error(), "--email") {
		t.Fatalf("duplicate email: %v", err)
	}
}

func TestUserCreateErrorsNameTheFlag(t *testing.T) {
	tg := newTarget(t)
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"long enough password\n", []string{"--name", "N", "--role", "agent"}, "--email"},
		{"long enough password\n", []string{"--email", "a@example.com", "--role", "agent"}, "--name"},
		{"long enough password\n", []string{"--email", "a@example.com", "--name", "N", "--role", "boss"}, "--role"},
		{"long enough password\n", []string{"--email", "not-an-email", "--name", "N"}, "--email"},
		{"short\n", []string{"--email", "a@example.com", "--name", "N"}, "password"},
		{"", []string{"--email", "a@example.com", "--name", "N"}, "password"},
		// The account's own address or name is no password.
		{"kim.lee@example.com\n", []string{"--email", "kim.lee@example.com", "--name", "Kim Lee"}, "not your name or email"},
		{"kimberly lee\n", []string{"--email", "kim@example.com", "--name", "Kimberly Lee"}, "not your name or email"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.stdin, append(append([]string{"user", "create"}, c.args...), tg.flags()...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %s", c.args, err, c.want)
		}
	}
	db := tg.open(t)
	if n, err := db.CountUsers(context.Background()); err != nil || n != 0 {
		t.Fatalf("failed commands created %d users (%v)", n, err)
	}
}

func TestTokenCreatePrintsAWorkingToken(t *testing.T) {
	tg := newTarget(t)
	if _, _, err := run(t, "long enough password\n", append([]string{"user", "create", "--email", "bot@example.com", "--name", "Bot", "--role", "agent"}, tg.flags()...)...); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", append([]string{"token", "create", "--email", "bot@example.com", "--name", "CI"}, tg.flags()...)...)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, auth.TokenPrefix) || strings.Contains(token, "\n") {
		t.Fatalf("stdout should be exactly the token, got %q", out)
	}
	db := tg.open(t)
	u, _, err := db.UserByTokenHash(context.Background(), auth.HashToken(token))
	if err != nil || u.Email != "bot@example.com" {
		t.Fatalf("token does not authenticate: %v %+v", err, u)
	}
	toks, err := db.APITokens(context.Background(), u.ID)
	if err != nil || len(toks) != 1 || toks[0].Name != "CI" {
		t.Fatalf("tokens %+v %v", toks, err)
	}

	_, _, err = run(t, "", append([]string{"token", "create", "--email", "nobody@example.com"}, tg.flags()...)...)
	if err == nil || !strings.Contains(err.Error(), "--email") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestSeedFillsTheDatabase(t *testing.T) {
	tg := newTarget(t)
	out, errOut, err := run(t, "", append([]string{"seed", "--tickets", "2000", "--batch", "700"}, tg.flags()...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "seeded 2000 tickets") {
		t.Fatalf("output %q", out)
	}
	// Not a terminal: plain progress lines, no carriage-return bar.
	if !strings.Contains(errOut, "seed: 2000/2000 tickets (100%)") || strings.Contains(errOut, "\r") {
		t.Fatalf("progress on stderr: %q", errOut)
	}
	db := tg.open(t)
	ctx := context.Background()
	if n := countTickets(t, db); n != 2000 {
		t.Fatalf("%d tickets, want 2000", n)
	}
	for _, s := range domain.Statuses {
		if n, _ := db.CountTickets(ctx, s, nil); n == 0 {
			t.Errorf("no %s tickets", s)
		}
	}
	// Ids follow age: the oldest-first list is in creation order.
	page, err := db.Tickets(ctx, domain.TicketFilter{Sort: domain.SortOldest, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(page.Tickets); i++ {
		if page.Tickets[i].CreatedAt.Before(page.Tickets[i-1].CreatedAt) {
			t.Fatalf("ticket %d is older than %d", page.Tickets[i].ID, page.Tickets[i-1].ID)
		}
	}
	tk, err := db.TicketWithTimeline(ctx, page.Tickets[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Requester == nil || len(tk.Requester.Identities) == 0 || len(tk.Tags) == 0 || len(tk.Timeline) == 0 {
		t.Fatalf("seeded ticket lacks customer, tags or messages: %+v", tk)
	}
	// Full-text search sees the seeded text.
	hits, err := db.Search(ctx, "parcel", 10)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search found nothing in seeded data: %v", err)
	}
	// Bulk rows and normal writes coexist: a new ticket gets a fresh number.
	nt, err := db.CreateTicket(ctx, domain.NewTicket{Subject: "After seeding", Body: "Hello", Requester: domain.Requester{Email: "late@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := db.Tickets(ctx, domain.TicketFilter{Sort: domain.SortNewest, Limit: 2})
	if nt.ID != last.Tickets[0].ID || last.Tickets[1].ID >= nt.ID {
		t.Fatalf("new ticket id %d does not follow the seeded ones", nt.ID)
	}

	_, _, err = run(t, "", append([]string{"seed", "--tickets", "0"}, tg.flags()...)...)
	if err == nil || !strings.Contains(err.Error(), "--tickets") {
		t.Fatalf("--tickets 0: %v", err)
	}
}

func TestBackupMakesAUsableCopy(t *testing.T) {
	tg := newTarget(t)
	if _, _, err := run(t, "", append([]string{"seed", "--tickets", "300"}, tg.flags()...)...); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "andon.db")
	_, _, err := run(t, "", append([]string{"backup", "--to", dest}, tg.flags()...)...)
	if tg.url != "" {
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("backup on PostgreSQL should point to pg_dump, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	copyDB := target{dir: filepath.Dir(dest)}.open(t)
	if n := countTickets(t, copyDB); n != 300 {
		t.Fatalf("backup has %d tickets, want 300", n)
	}
	if _, _, err := run(t, "", append([]string{"backup", "--to", dest}, tg.flags()...)...); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second backup to the same file: %v", err)
	}
	if _, _, err := run(t, "", append([]string{"backup"}, tg.flags()...)...); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("backup without --to: %v", err)
	}
}

var signIn = regexp.MustCompile(`Sign in at (\S+)/login as (\S+) / (\S+)`)

// checkDemoVariety checks that a freshly loaded demo shows every status and
// channel and the variety a first look at the product needs, and returns
// the ticket count.
func checkDemoVariety(t *testing.T, db *store.DB) int {
	t.Helper()
	ctx := context.Background()
	total := countTickets(t, db)
	if total < 200 {
		t.Fatalf("only %d demo tickets", total)
	}
	for _, s := range domain.Statuses {
		if n, _ := db.CountTickets(ctx, s, nil); n == 0 {
			t.Errorf("no %s tickets in the demo", s)
		}
	}
	reopened, notes, calls, multiChannel := 0, 0, 0, 0
	for _, ch := range domain.Channels {
		page, err := db.Tickets(ctx, domain.TicketFilter{Channel: ch, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Tickets) == 0 {
			t.Errorf("no %s tickets in the demo", ch)
		}
		for _, tk := range page.Tickets {
			if tk.ReopenCount > 0 {
				reopened++
			}
		}
	}
	page, err := db.Tickets(ctx, domain.TicketFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	customers := map[int64]map[domain.Channel]bool{}
	for _, tk := range page.Tickets {
		full, err := db.TicketWithTimeline(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range full.Timeline {
			switch e.Kind {
			case domain.EntryNote:
				notes++
			case domain.EntryCall:
				calls++
			}
		}
		if customers[tk.RequesterID] == nil {
			customers[tk.RequesterID] = map[domain.Channel]bool{}
		}
		customers[tk.RequesterID][tk.Channel] = true
	}
	for _, chs := range customers {
		if len(chs) > 1 {
			multiChannel++
		}
	}
	if reopened == 0 || notes == 0 || calls == 0 || multiChannel == 0 {
		t.Errorf("demo lacks variety: reopened=%d notes=%d calls=%d customers on several channels=%d", reopened, notes, calls, multiChannel)
	}
	many := 0
	cs, err := db.Contacts(ctx, domain.ContactFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.Contacts {
		emails, phones := 0, 0
		for _, id := range c.Identities {
			switch id.Kind {
			case domain.IdentityEmail:
				emails++
			case domain.IdentityPhone:
				phones++
			}
		}
		if emails > 1 && phones > 0 {
			many++
		}
	}
	if many == 0 {
		t.Error("no demo customer has several email addresses and a phone number")
	}

	return total
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeStartsAndShutsDownGracefully(t *testing.T) {
	tg := newTarget(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan error, 1)
	args := append([]string{"serve", "--demo", "--http-addr", addr}, tg.flags()...)
	go func() { done <- Run(ctx, args, noEnv, strings.NewReader(""), &out, &errb) }()

	base := "http://" + addr
	// The demo is loaded before the server listens; under -race on a busy
	// 2-core machine that takes minutes. Wait as long as the test may run.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-30 * time.Second)
	}
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstderr: %s", err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200; stderr: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}
	if m := signIn.FindStringSubmatch(out.String()); m == nil || m[1] != base {
		t.Fatalf("serve --demo did not print the login for %s: %q", base, out.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}

	// What serve --demo loaded: the variety, then a second start adds nothing.
	db := tg.open(t)
	m := signIn.FindStringSubmatch(out.String())
	if _, hash, err := db.UserByEmail(context.Background(), m[2]); err != nil || !auth.CheckPassword(hash, m[3]) {
		t.Fatalf("printed login %s / %s does not work: %v", m[2], m[3], err)
	}
	total := checkDemoVariety(t, db)
	var again bytes.Buffer
	if err := loadDemo(context.Background(), db, &again, base); err != nil {
		t.Fatal(err)
	}
	if signIn.MatchString(again.String()) {
		t.Fatalf("second start printed a new login: %q", again.String())
	}
	if n := countTickets(t, db); n != total {
		t.Fatalf("second start changed the ticket count from %d to %d", total, n)
	}
}

// TestBackupWhileWriting copies a database that another connection keeps
// writing to: the copy is a consistent snapshot that opens and passes an
// integrity check.
func TestBackupWhileWriting(t *testing.T) {
	if testutil.PostgresURL() != "" {
		t.Skip("backup is SQLite only (PostgreSQL is covered by TestBackupMakesAUsableCopy)")
	}
	tg := newTarget(t)
	if _, _, err := run(t, "", append([]string{"seed", "--tickets", "500"}, tg.flags()...)...); err != nil {
		t.Fatal(err)
	}
	db := tg.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wrote := make(chan int, 1)
	go func() {
		n := 0
		for ctx.Err() == nil {
			_, err := db.CreateTicket(context.Background(), domain.NewTicket{Subject: "Busy", Body: "Written during the backup",
				Requester: domain.Requester{Email: "busy@example.com"}})
			if err != nil {
				break
			}
			n++
		}
		wrote <- n
	}()
	time.Sleep(50 * time.Millisecond)
	dest := filepath.Join(t.TempDir(), "andon.db")
	if _, _, err := run(t, "", append([]string{"backup", "--to", dest}, tg.flags()...)...); err != nil {
		t.Fatal(err)
	}
	cancel()
	n := <-wrote
	copyDB := target{dir: filepath.Dir(dest)}.open(t)
	got := countTickets(t, copyDB)
	if got < 500 || got > 500+n {
		t.Fatalf("backup has %d tickets; want between 500 and %d", got, 500+n)
	}
	var check string
	if err := copyDB.Writer().QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check of the copy: %q %v", check, err)
	}
	t.Logf("%d tickets written during the backup; the copy has %d", n, got)
}
