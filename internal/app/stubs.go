package app

import (
	"context"
	"errors"
	"io"

	"andon/internal/store"
)

// Placeholders replaced by the CLI work in progress.
func cmdUser(ctx context.Context, args []string, env *Env) error   { return errors.New("not yet") }
func cmdToken(ctx context.Context, args []string, env *Env) error  { return errors.New("not yet") }
func cmdSeed(ctx context.Context, args []string, env *Env) error   { return errors.New("not yet") }
func cmdBackup(ctx context.Context, args []string, env *Env) error { return errors.New("not yet") }
func loadDemo(ctx context.Context, db *store.DB, w io.Writer, baseURL string) error {
	return errors.New("not yet")
}
