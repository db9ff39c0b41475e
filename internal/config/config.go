// Package config reads Andon's settings once, from flags and ANDON_*
// environment variables, into a struct that is passed explicitly.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting the server needs.
type Config struct {
	HTTPAddr    string // ANDON_HTTP_ADDR
	DataDir     string // ANDON_DATA_DIR
	DatabaseURL string // ANDON_DATABASE_URL; empty means SQLite in DataDir
	// SQLiteDurability is "full" (fsync at every commit, the default) or
	// "normal" (survives a process crash, not a power cut).
	SQLiteDurability string // ANDON_SQLITE_DURABILITY
	BaseURL          string // ANDON_BASE_URL, for links in emails
	SecretKey        string // ANDON_SECRET_KEY; else a key file in DataDir
	SMTPAddr         string // ANDON_SMTP_ADDR; inbound SMTP listener, off when empty
	LogLevel         string // ANDON_LOG_LEVEL: debug, info, warn, error
	LogFormat        string // ANDON_LOG_FORMAT: text or json
	Demo             bool   // --demo: load demo data on first start
	// ShutdownTimeout bounds how long in-flight requests may take at shutdown.
	ShutdownTimeout time.Duration
	// ChatIdleTimeout ends a live chat with no activity for this long
	// (ANDON_CHAT_IDLE_TIMEOUT, default 30m).
	ChatIdleTimeout time.Duration
	// Security holds limits and timeouts (security.go).
	Security Security

	trustedProxies string
	envErrs        []error

	// MailParseTimeout bounds the wall time of parsing one inbound message
	// (ANDON_MAIL_PARSE_TIMEOUT, default 5s); a message over it goes to
	// failed mail and the mailbox moves on.
	MailParseTimeout time.Duration
}

// Getenv reads one environment variable.
type Getenv func(string) string

// Bind registers the server flags on fs with defaults from the environment.
// Call Finish after fs.Parse.
func Bind(fs *flag.FlagSet, getenv Getenv) *Config {
	c := &Config{}
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.HTTPAddr, "http-addr", env("ANDON_HTTP_ADDR", "localhost:8080"), "HTTP listen address (ANDON_HTTP_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("ANDON_DATA_DIR", "./andon-data"), "data directory (ANDON_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("ANDON_DATABASE_URL", ""), "postgres:// URL; empty for SQLite in the data dir (ANDON_DATABASE_URL)")
	fs.StringVar(&c.SQLiteDurability, "sqlite-durability", env("ANDON_SQLITE_DURABILITY", "full"), "full: every commit survives a power cut; normal: faster, survives a process crash only (ANDON_SQLITE_DURABILITY)")
	fs.StringVar(&c.BaseURL, "base-url", env("ANDON_BASE_URL", ""), "public URL for links in emails (ANDON_BASE_URL)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", env("ANDON_SMTP_ADDR", ""), "inbound SMTP listen address, off when empty (ANDON_SMTP_ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", env("ANDON_LOG_LEVEL", "info"), "debug, info, warn or error (ANDON_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("ANDON_LOG_FORMAT", "text"), "text or json (ANDON_LOG_FORMAT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long to let in-flight requests finish")
	idle, err := time.ParseDuration(env("ANDON_CHAT_IDLE_TIMEOUT", "30m"))
	if err != nil {
		idle = 30 * time.Minute
	}
	fs.DurationVar(&c.ChatIdleTimeout, "chat-idle-timeout", idle, "end live chats idle this long (ANDON_CHAT_IDLE_TIMEOUT)")
	parse, err := time.ParseDuration(env("ANDON_MAIL_PARSE_TIMEOUT", "5s"))
	if err != nil {
		parse = 5 * time.Second
	}
	fs.DurationVar(&c.MailParseTimeout, "mail-parse-timeout", parse, "wall-time limit for parsing one inbound email (ANDON_MAIL_PARSE_TIMEOUT)")
	c.SecretKey = getenv("ANDON_SECRET_KEY")
	c.bindSecurity(fs, getenv)
	return c
}

// Finish validates the config and fills derived values.
func (c *Config) Finish() error {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("ANDON_DATABASE_URL must be a postgres:// URL")
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("data dir must not be empty")
	}
	if c.SQLiteDurability != "full" && c.SQLiteDurability != "normal" {
		return fmt.Errorf("ANDON_SQLITE_DURABILITY must be full or normal")
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.BaseURL == "" {
		host := c.HTTPAddr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.BaseURL = "http://" + host
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if _, err := url.Parse(c.BaseURL); err != nil {
		return fmt.Errorf("ANDON_BASE_URL: %w", err)
	}
	if c.MailParseTimeout <= 0 {
		return fmt.Errorf("mail parse timeout must be positive")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format must be text or json")
	}
	return c.finishSecurity()
}

// SecureCookies reports whether cookies should carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
