package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/metrics"
	"andon/internal/store"
)

// openStore parses the shared flags, opens the database and migrates it.
func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := store.OpenDurable(ctx, cfg.DatabaseURL, cfg.DataDir, store.Durability(cfg.SQLiteDurability))
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, env *Env) error {
	fs := newFlags("migrate", env)
	cfg := config.Bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return err
	}
	db, err := store.OpenDurable(ctx, cfg.DatabaseURL, cfg.DataDir, store.Durability(cfg.SQLiteDurability))
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migration(s) on %s\n", n, db.Engine)
	return nil
}

func cmdServe(ctx context.Context, args []string, env *Env) error {
	fs := newFlags("serve", env)
	cfg := config.Bind(fs, env.Getenv)
	fs.BoolVar(&cfg.Demo, "demo", false, "load demo data on first start and print the admin login")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetSessionLimits(cfg.Security.SessionIdle, cfg.Security.SessionMaxAge)
	log.Info("database ready", "engine", db.Engine, "path", db.Path())

	if cfg.Demo {
		if err := loadDemo(ctx, db, env.Stdout, cfg.BaseURL); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	// Live updates: in process on SQLite, across nodes via LISTEN/NOTIFY on PostgreSQL.
	bus := events.New(log)
	if cfg.DatabaseURL != "" {
		if bus, err = events.NewPostgres(ctx, cfg.DatabaseURL, log); err != nil {
			return err
		}
	}
	defer bus.Close()

	m := metrics.New()
	mailCh, err := startMail(ctx, cfg, db, log, m) // email channel (internal/app/mail.go)
	if err != nil {
		return fmt.Errorf("email channel: %w", err)
	}
	defer mailCh.stop()

	node, err := NewNode(NodeDeps{Config: cfg, DB: db, Log: log, Events: bus, Mail: mailCh.svc, Metrics: m, Version: Version})
	if err != nil {
		return err
	}
	srv := node.Server
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	httpSrv := newHTTPServer(cfg, srv)
	metricsSrv, err := startMetrics(cfg, srv.MetricsHandler(), log)
	if err != nil {
		ln.Close()
		return err
	}
	defer metricsSrv.Close()
	httpSrv.RegisterOnShutdown(func() { bus.Close() }) // ends live streams so Shutdown need not wait for them
	workers := startWorkers(ctx, db, log, m)
	node.Start(ctx, true)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	log.Info("andon listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "version", Version)
	fmt.Fprintf(env.Stdout, "Andon is running at http://%s\n", ln.Addr().String())

	select {
	case err := <-errc:
		workers.stop()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = httpSrv.Shutdown(sctx)
	workers.stop()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
