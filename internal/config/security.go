package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Security holds the limits and timeouts of docs/security.md. Every field
// has an ANDON_* variable and a flag; the defaults are safe for the open
// internet.
type Security struct {
	// MetricsAddr serves /metrics on its own listener (ANDON_METRICS_ADDR,
	// e.g. 127.0.0.1:9090). Empty: /metrics is served nowhere, and never on
	// the public HTTP listener.
	MetricsAddr string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ANDON_TRUSTED_PROXIES, comma-separated CIDRs or addresses).
	// Empty: the client is the connecting address.
	TrustedProxies []netip.Prefix

	// HTTP server limits (ANDON_HTTP_*). WriteTimeout 0 is off: live chat
	// and event streams stay open; a handler that needs a deadline sets it.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// Agent sessions end after SessionIdle without a request and at the
	// latest SessionMaxAge after sign-in.
	SessionIdle   time.Duration
	SessionMaxAge time.Duration

	// Sign-in attempts per hour, per account and per client address.
	LoginPerAccount int
	LoginPerAddress int

	// Inbound SMTP: messages per minute per connecting address and per
	// envelope sender; acknowledgements per hour per sender address.
	SMTPPerPeer   int
	SMTPPerSender int
	AckPerHour    int
}

// DefaultSecurity is what an unset variable means.
func DefaultSecurity() Security {
	return Security{
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 0, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		SessionIdle:    12 * time.Hour, SessionMaxAge: 14 * 24 * time.Hour,
		LoginPerAccount: 100, LoginPerAddress: 300,
		SMTPPerPeer: 20, SMTPPerSender: 10, AckPerHour: 3,
	}
}

// envFlags registers flags whose defaults come from the environment; a
// malformed variable is remembered and reported by Finish.
type envFlags struct {
	fs   *flag.FlagSet
	env  Getenv
	errs []error
}

func (e *envFlags) duration(p *time.Duration, name, key string, def time.Duration, usage string) {
	if v := e.env(key); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			e.errs = append(e.errs, fmt.Errorf("%s: not a duration such as 30s or 12h: %q", key, v))
		} else {
			def = d
		}
	}
	e.fs.DurationVar(p, name, def, usage+" ("+key+")")
}

func (e *envFlags) int(p *int, name, key string, def int, usage string) {
	if v := e.env(key); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			e.errs = append(e.errs, fmt.Errorf("%s: not a whole number >= 0: %q", key, v))
		} else {
			def = n
		}
	}
	e.fs.IntVar(p, name, def, usage+" ("+key+")")
}

func (c *Config) bindSecurity(fs *flag.FlagSet, getenv Getenv) {
	d := DefaultSecurity()
	s := &c.Security
	e := &envFlags{fs: fs, env: getenv}
	fs.StringVar(&s.MetricsAddr, "metrics-addr", getenv("ANDON_METRICS_ADDR"), "listen address for /metrics, off when empty (ANDON_METRICS_ADDR)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", getenv("ANDON_TRUSTED_PROXIES"), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (ANDON_TRUSTED_PROXIES)")
	e.duration(&s.ReadHeaderTimeout, "http-read-header-timeout", "ANDON_HTTP_READ_HEADER_TIMEOUT", d.ReadHeaderTimeout, "time to read request headers")
	e.duration(&s.ReadTimeout, "http-read-timeout", "ANDON_HTTP_READ_TIMEOUT", d.ReadTimeout, "time to read a whole request")
	e.duration(&s.WriteTimeout, "http-write-timeout", "ANDON_HTTP_WRITE_TIMEOUT", d.WriteTimeout, "time to write a response, 0 for none")
	e.duration(&s.IdleTimeout, "http-idle-timeout", "ANDON_HTTP_IDLE_TIMEOUT", d.IdleTimeout, "keep-alive connection idle time")
	e.int(&s.MaxHeaderBytes, "http-max-header-bytes", "ANDON_HTTP_MAX_HEADER_BYTES", d.MaxHeaderBytes, "largest request header")
	e.duration(&s.SessionIdle, "session-idle-timeout", "ANDON_SESSION_IDLE_TIMEOUT", d.SessionIdle, "sign agents out after this long without a request")
	e.duration(&s.SessionMaxAge, "session-max-age", "ANDON_SESSION_MAX_AGE", d.SessionMaxAge, "sign agents out this long after sign-in")
	e.int(&s.LoginPerAccount, "login-per-account", "ANDON_LOGIN_PER_ACCOUNT", d.LoginPerAccount, "sign-in attempts per hour per account")
	e.int(&s.LoginPerAddress, "login-per-address", "ANDON_LOGIN_PER_ADDRESS", d.LoginPerAddress, "sign-in attempts per hour per client address")
	e.int(&s.SMTPPerPeer, "smtp-per-peer", "ANDON_SMTP_PER_PEER", d.SMTPPerPeer, "inbound messages per minute per connecting address")
	e.int(&s.SMTPPerSender, "smtp-per-sender", "ANDON_SMTP_PER_SENDER", d.SMTPPerSender, "inbound messages per minute per sender address")
	e.int(&s.AckPerHour, "ack-per-hour", "ANDON_ACK_PER_HOUR", d.AckPerHour, "acknowledgements per hour per sender address")
	c.envErrs = e.errs
}

func (c *Config) finishSecurity() error {
	if len(c.envErrs) > 0 {
		return errors.Join(c.envErrs...)
	}
	s := &c.Security
	prefixes, err := ParsePrefixes(c.trustedProxies)
	if err != nil {
		return fmt.Errorf("ANDON_TRUSTED_PROXIES: %w", err)
	}
	s.TrustedProxies = prefixes
	switch {
	case s.SessionIdle <= 0 || s.SessionMaxAge <= 0:
		return errors.New("ANDON_SESSION_IDLE_TIMEOUT and ANDON_SESSION_MAX_AGE must be positive")
	case s.SessionIdle > s.SessionMaxAge:
		return errors.New("ANDON_SESSION_IDLE_TIMEOUT must not exceed ANDON_SESSION_MAX_AGE")
	case s.LoginPerAccount == 0 || s.LoginPerAddress == 0:
		return errors.New("ANDON_LOGIN_PER_ACCOUNT and ANDON_LOGIN_PER_ADDRESS must be at least 1")
	case s.MetricsAddr != "" && s.MetricsAddr == c.HTTPAddr:
		return errors.New("ANDON_METRICS_ADDR must differ from the public HTTP address")
	}
	return nil
}

// ParsePrefixes reads comma-separated CIDRs; a bare address is a /32 or /128.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
