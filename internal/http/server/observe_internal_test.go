package server

import (
	"bytes"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"andon/internal/metrics"
)

// A handler that writes the status twice does not make net/http log
// "superfluous response.WriteHeader": the recorder forwards the first only.
func TestObserveForwardsOneWriteHeader(t *testing.T) {
	s := &Server{metrics: metrics.New(), log: slog.New(slog.DiscardHandler)}
	ts := httptest.NewUnstartedServer(s.observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		w.WriteHeader(http.StatusInternalServerError)
	})))
	var logged bytes.Buffer
	ts.Config.ErrorLog = log.New(&logged, "", 0)
	ts.Start()
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ts.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("status %d, want the first one written", resp.StatusCode)
	}
	if strings.Contains(logged.String(), "superfluous") {
		t.Fatalf("server logged: %s", logged.String())
	}
}
