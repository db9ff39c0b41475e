package httpx

import (
	"context"
	"net/http"
	"net/netip"

	"andon/internal/netx"
)

type clientIPKey struct{}

// TrustProxies resolves every request's client address once, believing
// X-Forwarded-For only as far as trusted proxies wrote it (netx.ClientIP),
// so rate limits, the sign-in limiter and logs all see the same client.
func TrustProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := netx.ClientIP(r.RemoteAddr, r.Header.Get("X-Forwarded-For"), trusted)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
	})
}

// ClientAddr is the client address of r: as TrustProxies resolved it, or
// the connecting address when no proxy is trusted.
func ClientAddr(r *http.Request) netip.Addr {
	if ip, ok := r.Context().Value(clientIPKey{}).(netip.Addr); ok {
		return ip
	}
	return netx.ClientIP(r.RemoteAddr, "", nil)
}

// ClientIP is ClientAddr as text, the key of per-address limits; the
// connection's own address text when it does not parse.
func ClientIP(r *http.Request) string {
	if ip := ClientAddr(r); ip.IsValid() {
		return ip.String()
	}
	return r.RemoteAddr
}
