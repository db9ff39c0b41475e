package netx

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"no proxy trusted: header ignored", "203.0.113.9:5000", "1.2.3.4", nil, "203.0.113.9"},
		{"untrusted peer: header ignored", "203.0.113.9:5000", "1.2.3.4", proxies, "203.0.113.9"},
		{"trusted proxy, one hop", "10.0.0.2:443", "198.51.100.7", proxies, "198.51.100.7"},
		{"client-supplied prefix is skipped", "10.0.0.2:443", "6.6.6.6, 198.51.100.7", proxies, "198.51.100.7"},
		{"chain of trusted proxies", "10.0.0.2:443", "198.51.100.7, 10.1.1.1, 10.2.2.2", proxies, "198.51.100.7"},
		{"all trusted: left-most", "10.0.0.2:443", "10.9.9.9, 10.1.1.1", proxies, "10.9.9.9"},
		{"no header", "10.0.0.2:443", "", proxies, "10.0.0.2"},
		{"garbage hop stops at the proxy", "10.0.0.2:443", "198.51.100.7, not-an-ip", proxies, "10.0.0.2"},
		{"garbage beyond the client is irrelevant", "10.0.0.2:443", "junk, 198.51.100.7", proxies, "198.51.100.7"},
		{"ipv6 proxy and client", "[fd00::1]:443", "2001:db8::5", proxies, "2001:db8::5"},
		{"hop with port", "10.0.0.2:443", "198.51.100.7:1234", proxies, "198.51.100.7"},
		{"bracketed v6 hop", "10.0.0.2:443", "[2001:db8::5]:80", proxies, "2001:db8::5"},
		{"mapped v4 peer", "[::ffff:10.0.0.2]:443", "198.51.100.7", proxies, "198.51.100.7"},
		{"zone dropped", "[fe80::1%eth0]:80", "", nil, "fe80::1"},
		{"bad remote", "nonsense", "1.2.3.4", proxies, "invalid IP"},
	}
	for _, c := range cases {
		if got := ClientIP(c.remote, c.xff, c.trusted).String(); got != c.want {
			t.Errorf("%s: ClientIP(%q, %q) = %s, want %s", c.name, c.remote, c.xff, got, c.want)
		}
	}
}
