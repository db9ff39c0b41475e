package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"andon/internal/config"
	"andon/internal/store"
)

func cmdBackup(ctx context.Context, args []string, env *Env) error {
	flags := newFlags("backup", env)
	cfg := config.Bind(flags, env.Getenv)
	var to string
	flags.StringVar(&to, "to", "", "file to write the copy to; must not exist (required)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return err
	}
	if to == "" {
		return errors.New("--to is required: the file to write the backup to")
	}
	if cfg.DatabaseURL != "" {
		return errors.New("backup copies SQLite databases only; for PostgreSQL use pg_dump (e.g. pg_dump -Fc \"$ANDON_DATABASE_URL\" > andon.dump)")
	}
	abs, err := filepath.Abs(to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("--to: %s already exists; refusing to overwrite it", abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--to: %w", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "andon.db")); err != nil {
		return fmt.Errorf("no database in %s (set --data-dir or ANDON_DATA_DIR)", cfg.DataDir)
	}
	db, err := store.Open(ctx, "", cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	// VACUUM INTO writes a consistent, compacted snapshot while the server
	// keeps running; it goes through the writer so it sees every commit.
	if _, err := db.Writer().ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backed up %s to %s (%d bytes) in %s\n", db.Path(), abs, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}
