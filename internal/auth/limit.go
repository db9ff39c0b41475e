package auth

import (
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// LoginLimiter slows down password guessing. Per account (the normalized
// email, known or not, so the answer does not reveal which exist): after a
// few consecutive failures each further attempt must wait a growing delay
// (1 s, 2 s, 4 s … up to MaxDelay), and at most PerAccount failures count
// per hour. Per client address: at most PerAddress failures per hour,
// without delays (many people may share one address). A success clears the
// account's delay. State is in memory, per process. Safe for concurrent use.
type LoginLimiter struct {
	PerAccount int              // failed attempts per hour per account (default 100)
	PerAddress int              // failed attempts per hour per client address (default 300)
	FreeTries  int              // consecutive failures before delays start (default 3)
	MaxDelay   time.Duration    // longest delay between attempts (default 1 min)
	Now        func() time.Time // the clock; nil is time.Now

	mu       sync.Mutex
	accounts map[string]*attempts
	addrs    map[netip.Addr]*attempts
	sweepAt  time.Time
}

// attempts is a sliding-window counter (this hour and the last, weighted)
// plus the consecutive failures since the last success.
type attempts struct {
	window      time.Time // start of the current hour window
	cur, prev   int
	consecutive int
	last        time.Time
}

// maxLimiterKeys bounds memory; past it, idle entries are dropped first.
const maxLimiterKeys = 200_000

// Allow reports whether a sign-in attempt for account from addr may check
// the password now; if not, how long until it may. Call Failed or
// Succeeded after the check.
func (l *LoginLimiter) Allow(account string, addr netip.Addr) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init(now)
	var wait time.Duration
	if a := l.accounts[accountKey(account)]; a != nil {
		wait = max(wait, a.waitForLimit(now, l.limit(l.PerAccount, 100)))
		if d := l.delay(a.consecutive); d > 0 {
			wait = max(wait, a.last.Add(d).Sub(now))
		}
	}
	if a := l.addrs[addr.Unmap()]; a != nil && addr.IsValid() {
		wait = max(wait, a.waitForLimit(now, l.limit(l.PerAddress, 300)))
	}
	if wait > 0 {
		return false, wait.Round(time.Second) + time.Second
	}
	return true, 0
}

// Failed records a wrong password (or unknown account).
func (l *LoginLimiter) Failed(account string, addr netip.Addr) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init(now)
	get(l.accounts, accountKey(account), now).fail(now)
	if addr.IsValid() {
		get(l.addrs, addr.Unmap(), now).fail(now)
	}
}

// Succeeded clears the account's growing delay; the hourly counts stay.
func (l *LoginLimiter) Succeeded(account string, addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.accounts[accountKey(account)]; a != nil {
		a.consecutive = 0
	}
}

// Delay is the wait after n consecutive failures.
func (l *LoginLimiter) delay(n int) time.Duration {
	free := l.FreeTries
	if free <= 0 {
		free = 3
	}
	maxD := l.MaxDelay
	if maxD <= 0 {
		maxD = time.Minute
	}
	if n < free {
		return 0
	}
	d := time.Duration(math.Pow(2, float64(min(n-free, 30)))) * time.Second
	return min(d, maxD)
}

func (l *LoginLimiter) limit(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (l *LoginLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *LoginLimiter) init(now time.Time) {
	if l.accounts == nil {
		l.accounts, l.addrs, l.sweepAt = map[string]*attempts{}, map[netip.Addr]*attempts{}, now
	}
	if now.Sub(l.sweepAt) > 10*time.Minute || len(l.accounts)+len(l.addrs) > maxLimiterKeys {
		sweep(l.accounts, now)
		sweep(l.addrs, now)
		l.sweepAt = now
	}
}

func get[K comparable](m map[K]*attempts, k K, now time.Time) *attempts {
	a := m[k]
	if a == nil {
		a = &attempts{window: now.Truncate(time.Hour)}
		m[k] = a
	}
	return a
}

// sweep drops entries idle for two hours: they no longer count.
func sweep[K comparable](m map[K]*attempts, now time.Time) {
	for k, a := range m {
		if now.Sub(a.last) > 2*time.Hour {
			delete(m, k)
		}
	}
	// Still too many (a spray of distinct accounts): drop arbitrary ones.
	for k := range m {
		if len(m) <= maxLimiterKeys/2 {
			break
		}
		delete(m, k)
	}
}

func (a *attempts) roll(now time.Time) {
	w := now.Truncate(time.Hour)
	switch {
	case w.Equal(a.window):
	case w.Sub(a.window) == time.Hour:
		a.prev, a.cur, a.window = a.cur, 0, w
	default:
		a.prev, a.cur, a.window = 0, 0, w
	}
}

// count estimates failures in the last hour: all of this window and the
// part of the previous one that is still within the hour.
func (a *attempts) count(now time.Time) float64 {
	a.roll(now)
	frac := 1 - float64(now.Sub(a.window))/float64(time.Hour)
	return float64(a.cur) + float64(a.prev)*frac
}

func (a *attempts) fail(now time.Time) {
	a.roll(now)
	a.cur++
	a.consecutive++
	a.last = now
}

// waitForLimit is how long until the count drops below limit.
func (a *attempts) waitForLimit(now time.Time, limit int) time.Duration {
	if a.count(now) < float64(limit) {
		return 0
	}
	// Within this window the count only falls as the previous window's
	// share fades; otherwise the next window starts afresh.
	if a.prev > 0 {
		need := a.count(now) - float64(limit) + 1 // failures that must fade
		d := time.Duration(need / float64(a.prev) * float64(time.Hour))
		if end := a.window.Add(time.Hour).Sub(now); d < end {
			return d
		}
	}
	return a.window.Add(time.Hour).Sub(now)
}

func accountKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
