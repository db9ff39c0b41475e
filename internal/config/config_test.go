package config

import (
	"flag"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c := Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.Finish()
}

func TestDefaultsAndEnvironment(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "localhost:8080" || c.DatabaseURL != "" || c.BaseURL != "http://localhost:8080" || c.SecureCookies() {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = parse(t, map[string]string{"ANDON_HTTP_ADDR": ":9000", "ANDON_BASE_URL": "https://help.example.com/", "ANDON_DATABASE_URL": "postgres://u@h/db"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" || c.BaseURL != "https://help.example.com" || !c.SecureCookies() || c.DatabaseURL == "" {
		t.Fatalf("env: %+v", c)
	}
	// Flags win over the environment.
	c, err = parse(t, map[string]string{"ANDON_HTTP_ADDR": ":9000"}, "--http-addr", "127.0.0.1:7000")
	if err != nil || c.HTTPAddr != "127.0.0.1:7000" || c.BaseURL != "http://127.0.0.1:7000" {
		t.Fatalf("flag: %+v %v", c, err)
	}
}

func TestRejectsBadValues(t *testing.T) {
	if _, err := parse(t, map[string]string{"ANDON_DATABASE_URL": "mysql://x"}); err == nil {
		t.Fatal("non-postgres URL accepted")
	}
	if _, err := parse(t, map[string]string{"ANDON_LOG_FORMAT": "xml"}); err == nil {
		t.Fatal("bad log format accepted")
	}
}

func TestMailParseTimeout(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil || c.MailParseTimeout.String() != "5s" {
		t.Fatalf("default: %v %v", c.MailParseTimeout, err)
	}
	c, err = parse(t, map[string]string{"ANDON_MAIL_PARSE_TIMEOUT": "2s"})
	if err != nil || c.MailParseTimeout.String() != "2s" {
		t.Fatalf("env: %v %v", c.MailParseTimeout, err)
	}
	c, err = parse(t, map[string]string{"ANDON_MAIL_PARSE_TIMEOUT": "2s"}, "--mail-parse-timeout", "750ms")
	if err != nil || c.MailParseTimeout.String() != "750ms" {
		t.Fatalf("flag: %v %v", c.MailParseTimeout, err)
	}
	if _, err := parse(t, nil, "--mail-parse-timeout", "0s"); err == nil {
		t.Fatal("zero parse timeout accepted")
	}
}
