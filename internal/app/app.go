// Package app is the andon command line: it parses arguments, wires the
// adapters together and runs a subcommand. main only calls Run.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"andon/internal/config"
)

// Version is set at build time with -ldflags "-X andon/internal/app.Version=...".
var Version = "dev"

// Env carries the process's outside world, so tests can run commands in-process.
type Env struct {
	Getenv config.Getenv
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run executes the command in args (without the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, env)
	case "migrate":
		return cmdMigrate(ctx, rest, env)
	case "user":
		return cmdUser(ctx, rest, env)
	case "token":
		return cmdToken(ctx, rest, env)
	case "seed":
		return cmdSeed(ctx, rest, env)
	case "backup":
		return cmdBackup(ctx, rest, env)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "andon", Version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

func usage(w io.Writer) {
	fmt.Fprint(w, strings.TrimLeft(`
andon: a self-hosted helpdesk built on lean service.

Usage:
  andon serve [--demo]            run the web UI, API, channels and jobs
  andon migrate                   apply database migrations
  andon user create --email E --name N --role admin|agent|collaborator   (password on stdin)
  andon token create --email E [--name N]                   (prints the token once)
  andon seed --tickets N          fill the database with N realistic tickets
  andon backup --to FILE          consistent online copy of a SQLite database
  andon version

Configuration: flags or ANDON_HTTP_ADDR, ANDON_DATA_DIR, ANDON_DATABASE_URL,
ANDON_BASE_URL, ANDON_SECRET_KEY, ANDON_SMTP_ADDR. Run "andon serve -h" for all.
`, "\n"))
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, env *Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// newLogger builds the structured logger from the config.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
