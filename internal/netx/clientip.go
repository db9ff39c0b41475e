// Package netx holds small network helpers shared by the listeners.
package netx

import (
	"net"
	"net/netip"
	"strings"
)

// ClientIP is the address of the client behind remoteAddr (host:port of the
// connection) and an X-Forwarded-For header. The header is believed only as
// far as it was written by trusted proxies: walking it from the right, the
// first entry that is not a trusted proxy is the client. With nothing
// trusted the header is ignored, so a client cannot choose its own address.
// An unparseable entry stops the walk at the proxy that passed it on. The
// zero Addr means remoteAddr itself was unparseable.
func ClientIP(remoteAddr, xff string, trusted []netip.Prefix) netip.Addr {
	addr := parseHost(remoteAddr)
	if !addr.IsValid() || !isTrusted(addr, trusted) || xff == "" {
		return addr
	}
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := parseHost(strings.TrimSpace(hops[i]))
		if !h.IsValid() {
			return addr
		}
		addr = h
		if !isTrusted(h, trusted) {
			return h
		}
	}
	return addr // every hop is a trusted proxy: the left-most is all we know
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHost reads "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80"; IPv4-mapped
// IPv6 becomes IPv4 and a zone is dropped.
func parseHost(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}
