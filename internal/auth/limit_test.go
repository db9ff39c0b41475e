package auth

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var (
	home  = netip.MustParseAddr("198.51.100.7")
	other = netip.MustParseAddr("203.0.113.9")
)

func TestLoginDelaysGrowAfterFailuresAndResetOnSuccess(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	l := &LoginLimiter{Now: c.now}
	for i := 1; i <= 3; i++ {
		if ok, _ := l.Allow("Ann@Example.com", home); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		l.Failed("ann@example.com", home)
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		ok, wait := l.Allow("ann@example.com", other) // from anywhere: the delay is the account's
		if ok || wait < want {
			t.Fatalf("after failures: ok=%v wait=%s, want to wait at least %s", ok, wait, want)
		}
		c.t = c.t.Add(want)
		if ok, _ := l.Allow(" ANN@example.com", home); !ok {
			t.Fatalf("still refused after %s", want)
		}
		l.Failed("ann@example.com", home)
	}
	if ok, _ := l.Allow("bob@example.com", home); !ok {
		t.Fatal("another account is delayed")
	}
	c.t = c.t.Add(time.Hour)
	if ok, _ := l.Allow("ann@example.com", home); !ok {
		t.Fatal("refused after an hour")
	}
	l.Succeeded("ann@example.com", home)
	l.Failed("ann@example.com", home)
	if ok, _ := l.Allow("ann@example.com", home); !ok {
		t.Fatal("one failure after a success is delayed")
	}
	// Delays stop growing at MaxDelay.
	l2 := &LoginLimiter{Now: c.now, MaxDelay: 30 * time.Second}
	for range 40 {
		l2.Failed("x@example.com", home)
	}
	if _, wait := l2.Allow("x@example.com", home); wait > 31*time.Second {
		t.Fatalf("delay %s past the cap", wait)
	}
}

func TestLoginHourlyLimitsPerAccountAndAddress(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
	// Delays off, to reach the hourly limit within the hour.
	l := &LoginLimiter{Now: c.now, FreeTries: 1 << 30}
	for i := 1; i <= 100; i++ {
		if ok, _ := l.Allow("ann@example.com", netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(i % 250)})); !ok {
			t.Fatalf("failure %d refused", i)
		}
		l.Failed("ann@example.com", netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(i % 250)}))
		c.t = c.t.Add(20 * time.Second)
	}
	ok, wait := l.Allow("ann@example.com", other)
	if ok || wait <= 0 || wait > time.Hour+time.Second {
		t.Fatalf("101st attempt in the hour: ok=%v wait=%s", ok, wait)
	}
	c.t = c.t.Add(wait)
	if ok, _ := l.Allow("ann@example.com", other); !ok {
		t.Fatalf("refused after waiting %s", wait)
	}

	// One address guessing across many accounts.
	for i := range 300 {
		l.Failed(fmt.Sprintf("user%d@example.com", i), home)
	}
	if ok, _ := l.Allow("fresh@example.com", home); ok {
		t.Fatal("address over its hourly limit may still try")
	}
	if ok, _ := l.Allow("fresh@example.com", other); !ok {
		t.Fatal("another address is limited too")
	}
	c.t = c.t.Add(2 * time.Hour)
	if ok, _ := l.Allow("fresh@example.com", home); !ok {
		t.Fatal("address still limited two hours later")
	}
}
