package config

import (
	"flag"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
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
	if c.HTTPAddr != "localhost:8080" || c.DatabaseURL != "" || c.BaseURL != "http://localhost:8080" || c.SecureCookies() || c.SQLiteDurability != "full" {
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
	if _, err := parse(t, map[string]string{"ANDON_SQLITE_DURABILITY": "off"}); err == nil || !strings.Contains(err.Error(), "ANDON_SQLITE_DURABILITY") {
		t.Fatalf("durability off accepted: %v", err)
	}
	if c, err := parse(t, nil, "--sqlite-durability", "normal"); err != nil || c.SQLiteDurability != "normal" {
		t.Fatalf("normal durability: %+v %v", c, err)
	}
}

func TestSecurityDefaultsAndEnvironment(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Security
	if s.MetricsAddr != "" || len(s.TrustedProxies) != 0 || s.SessionIdle != 12*time.Hour || s.SessionMaxAge != 14*24*time.Hour ||
		s.ReadHeaderTimeout != 10*time.Second || s.MaxHeaderBytes != 64<<10 || s.SMTPPerPeer != 20 || s.AckPerHour != 3 || s.LoginPerAccount != 100 {
		t.Fatalf("defaults: %+v", s)
	}
	c, err = parse(t, map[string]string{"ANDON_METRICS_ADDR": "127.0.0.1:9090", "ANDON_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
		"ANDON_SESSION_IDLE_TIMEOUT": "1h", "ANDON_SMTP_PER_PEER": "5"}, "--smtp-per-sender", "2")
	if err != nil {
		t.Fatal(err)
	}
	s = c.Security
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	if s.MetricsAddr != "127.0.0.1:9090" || !reflect.DeepEqual(s.TrustedProxies, want) || s.SessionIdle != time.Hour || s.SMTPPerPeer != 5 || s.SMTPPerSender != 2 {
		t.Fatalf("env: %+v", s)
	}
}

func TestSecurityRejectsBadValues(t *testing.T) {
	for _, env := range []map[string]string{
		{"ANDON_TRUSTED_PROXIES": "10.0.0.0/33"},
		{"ANDON_TRUSTED_PROXIES": "proxy.local"},
		{"ANDON_SESSION_IDLE_TIMEOUT": "forever"},
		{"ANDON_SESSION_IDLE_TIMEOUT": "30d"},
		{"ANDON_SESSION_IDLE_TIMEOUT": "400h"},
		{"ANDON_SMTP_PER_PEER": "-1"},
		{"ANDON_LOGIN_PER_ACCOUNT": "0"},
		{"ANDON_METRICS_ADDR": "localhost:8080"},
	} {
		if _, err := parse(t, env); err == nil {
			t.Errorf("accepted %v", env)
		} else {
			for k := range env {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		}
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
