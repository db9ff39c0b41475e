package server

import (
	"net/http"
	"strings"

	"andon/internal/http/widget"
)

// ContentSecurityPolicy is the policy of every page Andon serves: scripts,
// styles, fonts, connections and frames from this site only, nothing inline
// (no <script>, <style>, style= or on*= in pages; the brand colour comes
// from /brand.css). Images may also come from https (an external logo URL,
// pictures in knowledge-base articles) and data: URIs (CSS icons).
// Responses that need less (message HTML, logos, attachments) set their own
// stricter policy, which replaces this one.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https:; font-src 'self'; connect-src 'self'; media-src 'self'; " +
	"frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

// PermissionsPolicy turns off browser features Andon never uses, so an
// injected script or an embedded frame cannot ask for them either.
const PermissionsPolicy = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), " +
	"microphone=(), payment=(), usb=()"

// hstsValue keeps browsers on https for a year once they have seen it.
const hstsValue = "max-age=31536000"

// securityHeaders sets the headers every response carries. Handlers may
// replace them afterwards (a stricter CSP). The widget's endpoints are
// called by pages on customers' own sites: they keep their CORS headers and
// get neither the page CSP, the frame rule nor the opener isolation, which
// belong to Andon's own pages.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", PermissionsPolicy)
		if s.hsts {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		if isWidgetPath(r.URL.Path) {
			// Set before the route's policy runs, so that a refusal (429)
			// is readable by the widget on the customer's page too.
			widget.CORS(w)
		} else {
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("X-Frame-Options", "SAMEORIGIN")
		}
		next.ServeHTTP(w, r)
	})
}

// isWidgetPath is an endpoint called from customers' sites; the address
// confirmation page (/widget/confirm/) is one of Andon's own pages.
func isWidgetPath(p string) bool {
	return p == "/widget.js" || strings.HasPrefix(p, "/widget/") && !strings.HasPrefix(p, "/widget/confirm/")
}
