package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
)

// statusRecorder remembers the response code for logs and metrics.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines (SSE).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(r.Pattern, r.Method, rec.code, d)
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", r.Pattern, "status", rec.code, "duration", d)
		}
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/widget") {
			h.Set("X-Frame-Options", "SAMEORIGIN")
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the remote address without the port. Behind a proxy, run the
// proxy on loopback; X-Forwarded-For is trusted only from loopback peers.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if fip := net.ParseIP(strings.TrimSpace(first)); fip != nil {
				return fip.String()
			}
		}
	}
	return host
}

// apiHandler is an API endpoint: it returns an error instead of writing one.
type apiHandler func(w http.ResponseWriter, r *http.Request, u *domain.User) error

// api authenticates a request by bearer token (or by the browser session plus
// CSRF header, for the workspace's own scripts) and renders errors as the
// JSON envelope.
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.authenticateAPI(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		// Upstream collaborators reach only their problems (api_problems.go).
		if u.IsCollaborator() && !collaboratorMayCall(r) {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "collaborators work only on the problems assigned to them"))
			return
		}
		ctx := context.WithValue(r.Context(), ctxUser, u)
		if err := h(w, r.WithContext(ctx), u); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// apiAdmin is api restricted to admins.
func (s *Server) apiAdmin(h apiHandler) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request, u *domain.User) error {
		if !u.IsAdmin() {
			return domain.Errorf(domain.EForbidden, "admins only")
		}
		return h(w, r, u)
	})
}

func (s *Server) authenticateAPI(r *http.Request) (*domain.User, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return nil, domain.Errorf(domain.EUnauthorized, "use Authorization: Bearer <token>")
		}
		u, _, err := s.db.UserByTokenHash(r.Context(), auth.HashToken(strings.TrimSpace(token)))
		return u, err
	}
	sess, u, err := s.sessionUser(r)
	if err != nil {
		return nil, domain.Errorf(domain.EUnauthorized, "missing API token")
	}
	if !safeMethod(r.Method) && !auth.Equal(r.Header.Get("X-CSRF-Token"), sess.CSRF) {
		return nil, domain.Errorf(domain.EForbidden, "missing or wrong CSRF token")
	}
	return u, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionCookie names the agent session cookie.
const sessionCookie = "andon_session"

// sessionUser resolves the session cookie of r.
func (s *Server) sessionUser(r *http.Request) (*domain.Session, *domain.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil, domain.Errorf(domain.EUnauthorized, "not signed in")
	}
	return s.db.SessionUser(r.Context(), auth.HashToken(c.Value))
}
