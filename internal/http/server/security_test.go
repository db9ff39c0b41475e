package server_test

import (
	. "andon/internal/http/server"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/testutil"
)

// scrape reads /metrics from the handler internal/app serves on
// ANDON_METRICS_ADDR (the public listener does not serve it).
func (e *apiEnv) scrape() (*http.Response, []byte) {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Result(), rec.Body.Bytes()
}

func TestMetricsNotOnPublicListener(t *testing.T) {
	e := newAPIEnv(t)
	if resp, _ := e.request("GET", "/metrics", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("public /metrics: %d, want 404", resp.StatusCode)
	}
}

// clock is a settable time for the store and the sign-in limiter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// After three wrong passwords the account must wait (growing delays): the
// fourth attempt, even with the right password, is refused with 429 and
// Retry-After until the delay has passed. The limiter's clock is the
// test's, so the outcome does not depend on how fast the machine is.
func TestWebLoginRateLimited(t *testing.T) {
	db := testutil.OpenDB(t)
	clk := &clock{now: time.Now()}
	_, u := startServer(t, Deps{DB: db, Login: &auth.LoginLimiter{Now: clk.Now}})
	e := adminEnvAt(t, db, u)
	for i := range 3 {
		if _, code := e.signIn("agent@example.com", "wrong guess "+string(rune('a'+i))); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, code)
		}
	}
	b := e.browser()
	res, body := b.post("/login", url.Values{"email": {"agent@example.com"}, "password": {testPassword}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "2" || !strings.Contains(body, "Too many sign-in attempts") {
		t.Fatalf("4th attempt: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another account from the same address is not delayed.
	if _, code := e.signIn("boss@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("other account: %d", code)
	}
	clk.Add(2 * time.Second)
	if _, code := e.signIn("agent@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("after the delay: %d", code)
	}
}

// hitReset asks for the reset page from the test's loopback address with
// the given X-Forwarded-For and returns the status.
func hitReset(t *testing.T, base, xff string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/password/reset", nil)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestForwardedForTrustedOnlyFromTrustedProxies(t *testing.T) {
	limits := map[httpx.Rate]httpx.Limit{httpx.RateAddress: {PerMinute: 1, Burst: 2}}
	t.Run("nothing trusted", func(t *testing.T) {
		_, base := startServer(t, Deps{DB: testutil.OpenDB(t), Limits: limits})
		for i, xff := range []string{"203.0.113.1", "203.0.113.2"} {
			if code := hitReset(t, base, xff); code != http.StatusOK {
				t.Fatalf("request %d: %d", i+1, code)
			}
		}
		// A new spoofed address does not make a new client.
		if code := hitReset(t, base, "203.0.113.3"); code != http.StatusTooManyRequests {
			t.Fatalf("spoofed X-Forwarded-For escaped the limit: %d", code)
		}
	})
	t.Run("loopback proxy trusted", func(t *testing.T) {
		cfg := &config.Config{BaseURL: "http://andon.test"}
		cfg.Security.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		_, base := startServer(t, Deps{DB: testutil.OpenDB(t), Config: cfg, Limits: limits})
		// The client is the right-most entry that is not a trusted proxy;
		// what it wrote further left does not change who it is.
		for i, xff := range []string{"198.51.100.7", "10.9.9.9, 198.51.100.7", "1.1.1.1, 198.51.100.7, 127.0.0.1"} {
			code := hitReset(t, base, xff)
			if want := map[bool]int{true: 200, false: 429}[i < 2]; code != want {
				t.Fatalf("request %d (%s): %d, want %d", i+1, xff, code, want)
			}
		}
		if code := hitReset(t, base, "198.51.100.7, 198.51.100.8"); code != http.StatusOK {
			t.Fatalf("another client behind the proxy: %d", code)
		}
	})
}

// Sessions end after the idle timeout, and when an admin changes the
// account's role or deactivates it: the old cookie is sent to sign in.
func TestSessionsEnd(t *testing.T) {
	db := testutil.OpenDB(t)
	clk := &clock{now: time.Now()}
	db.SetClock(clk.Now)
	db.SetSessionLimits(2*time.Hour, 24*time.Hour)
	cfg := &config.Config{BaseURL: "http://andon.test"}
	cfg.Security.SessionMaxAge = 24 * time.Hour
	_, base := startServer(t, Deps{DB: db, Config: cfg})
	e := adminEnvAt(t, db, base)
	// The cookie lives no longer than the session may.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.PostForm(base+"/login", url.Values{"email": {"agent@example.com"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if c := res.Cookies(); len(c) == 0 || c[0].MaxAge != 24*3600 {
		t.Fatalf("session cookie %v, want Max-Age 86400", c)
	}
	signedOut := func(b *browser, what string) {
		t.Helper()
		res, _ := b.get("/")
		if res.Request.URL.Path != "/login" {
			t.Fatalf("%s: still signed in (%s)", what, res.Request.URL)
		}
	}
	b := e.signedIn("agent@example.com")
	clk.Add(90 * time.Minute)
	if res, _ := b.get("/"); res.Request.URL.Path != "/" {
		t.Fatalf("active session ended early: %s", res.Request.URL)
	}
	clk.Add(90 * time.Minute) // 90 min since the last request: still within 2 h
	if res, _ := b.get("/"); res.Request.URL.Path != "/" {
		t.Fatalf("used session ended: %s", res.Request.URL)
	}
	clk.Add(2*time.Hour + time.Minute)
	signedOut(b, "idle session")

	ctx := context.Background()
	b = e.signedIn("agent@example.com")
	if err := db.UpdateUser(ctx, e.agent.ID, e.agent.Name, domain.RoleCollaborator); err != nil {
		t.Fatal(err)
	}
	signedOut(b, "after a role change")
	b = e.signedIn("agent@example.com")
	if err := db.SetUserActive(ctx, e.agent.ID, false); err != nil {
		t.Fatal(err)
	}
	signedOut(b, "after deactivation")
}
