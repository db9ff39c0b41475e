package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"andon/internal/http/httpx"
)

// statusRecorder remembers the response code for logs and metrics. It
// forwards only the first WriteHeader: a handler that writes a header twice
// (an error after a partial answer) must not make net/http log
// "superfluous response.WriteHeader".
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code != 0 {
		return
	}
	r.code = code
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
		next.ServeHTTP(rec, r.WithContext(httpx.WithStart(r.Context(), start)))
		if rec.code == 0 {
			rec.code = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.ObserveRequest(r.Pattern, r.Method, rec.code, d)
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", r.Pattern, "ip", httpx.ClientIP(r), "status", rec.code, "duration", d)
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
				httpx.WriteError(s.log, w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
