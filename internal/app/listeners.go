package app

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"andon/internal/config"
)

// newHTTPServer is the public listener's server with the limits of
// cfg.Security. Streaming handlers (/events, /chat/events, /widget/ws)
// lift the read and write deadlines for their own connection.
func newHTTPServer(cfg *config.Config, h http.Handler) *http.Server {
	sec := cfg.Security
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: sec.ReadHeaderTimeout,
		ReadTimeout:       sec.ReadTimeout,
		WriteTimeout:      sec.WriteTimeout,
		IdleTimeout:       sec.IdleTimeout,
		MaxHeaderBytes:    sec.MaxHeaderBytes,
	}
}

// metricsServer serves /metrics on ANDON_METRICS_ADDR; srv is nil when unset.
type metricsServer struct{ srv *http.Server }

func (m *metricsServer) Close() {
	if m.srv != nil {
		m.srv.Close()
	}
}

// startMetrics listens on cfg.Security.MetricsAddr, if set, and serves
// /metrics there alone: the public listener never serves it.
func startMetrics(cfg *config.Config, metrics http.Handler, log *slog.Logger) (*metricsServer, error) {
	addr := cfg.Security.MetricsAddr
	if addr == "" {
		return &metricsServer{}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return &metricsServer{srv: srv}, nil
}
