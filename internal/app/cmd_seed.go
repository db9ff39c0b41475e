package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"andon/internal/config"
	"andon/internal/demo"
	"andon/internal/store"
)

// loadDemo loads the demo on first start and prints how to sign in.
func loadDemo(ctx context.Context, db *store.DB, w io.Writer, baseURL string) error {
	start := time.Now()
	fmt.Fprintln(w, "Loading the demo data on first start (a minute or two on a small machine)...")
	res, err := demo.Load(ctx, db, demo.Options{})
	if err != nil {
		return err
	}
	if !res.Loaded {
		fmt.Fprintln(w, "Demo data: the database already has users, nothing loaded.")
		return nil
	}
	fmt.Fprintf(w, "Demo data loaded: %d tickets, %d customers, %d agents in %s.\n",
		res.Tickets, res.Contacts, len(res.Agents), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "Sign in at %s/login as %s / %s\n", baseURL, res.AdminEmail, res.AdminPassword)
	fmt.Fprintf(w, "Agents (same password): %s\n", strings.Join(res.Agents, ", "))
	fmt.Fprintf(w, "Logistics partner, a collaborator who sees only the problems assigned to them (same password): %s\n", demo.CollaboratorEmail)
	return nil
}

func cmdSeed(ctx context.Context, args []string, env *Env) error {
	fs := newFlags("seed", env)
	cfg := config.Bind(fs, env.Getenv)
	var total, batch, days int
	var seed uint64
	fs.IntVar(&total, "tickets", 0, "how many tickets to add (required)")
	fs.IntVar(&batch, "batch", 5000, "tickets per transaction")
	fs.IntVar(&days, "days", 365, "spread the tickets over this many days before now")
	fs.Uint64Var(&seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return err
	}
	switch {
	case total <= 0:
		return errors.New("--tickets must be a positive number")
	case batch <= 0 || batch > 100_000:
		return errors.New("--batch must be between 1 and 100000")
	case days <= 0:
		return errors.New("--days must be positive")
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	prog := newProgress(env.Stderr, total)
	start := time.Now()
	st, err := demo.Seed(ctx, db, demo.SeedOptions{Tickets: total, Batch: batch, Days: days, Seed: seed, Progress: prog.update})
	if err != nil {
		return err
	}
	prog.finish()
	el := time.Since(start)
	fmt.Fprintf(env.Stdout, "seeded %d tickets (%d new customers, %d timeline entries) on %s in %s (%.0f tickets/s)\n",
		st.Tickets, st.Contacts, st.Entries, db.Engine, el.Round(time.Millisecond), float64(total)/el.Seconds())
	return nil
}

// progress shows a bar on a terminal and a line every few seconds otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	total    int
	start    time.Time
	lastLine time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), lastLine: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(done int) {
	el := time.Since(p.start)
	rate := float64(done) / el.Seconds()
	var eta time.Duration
	if rate > 0 {
		eta = time.Duration(float64(p.total-done)/rate) * time.Second
	}
	if p.tty {
		const width = 30
		fill := width * done / p.total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d  %.0f tickets/s  ETA %s ", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
			100*done/p.total, done, p.total, rate, eta.Round(time.Second))
		return
	}
	if time.Since(p.lastLine) >= 5*time.Second || done == p.total {
		p.lastLine = time.Now()
		fmt.Fprintf(p.w, "seed: %d/%d tickets (%d%%), %.0f tickets/s, ETA %s\n", done, p.total, 100*done/p.total, rate, eta.Round(time.Second))
	}
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
