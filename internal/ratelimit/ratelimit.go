// Package ratelimit holds per-key token buckets, shared by the HTTP layer,
// live chat and inbound SMTP. Memory is bounded: full buckets are forgotten,
// and past MaxKeys arbitrary ones are dropped. Buckets are kept per node: with
// several nodes the effective limit is per node, still a firm bound.
package ratelimit

import (
	"sync"
	"time"
)

// MaxKeys bounds how many keys one Buckets remembers.
const MaxKeys = 100_000

// Buckets gives each key Burst tokens, refilled at Burst per Per. Safe for
// concurrent use.
type Buckets struct {
	burst float64
	per   time.Duration
	now   func() time.Time

	mu   sync.Mutex
	m    map[string]*bucket
	seen int // takes since the last sweep
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewBuckets makes buckets of burst tokens refilled over per; now is the clock
// (time.Now in production). A burst of 0 means no limit.
func NewBuckets(burst int, per time.Duration, now func() time.Time) *Buckets {
	if now == nil {
		now = time.Now
	}
	return &Buckets{burst: float64(burst), per: per, now: now, m: map[string]*bucket{}}
}

// Take spends one token of key. When none is left it returns false and how
// long until one is.
func (b *Buckets) Take(key string) (ok bool, retryAfter time.Duration) {
	if b == nil || b.burst <= 0 {
		return true, 0
	}
	now := b.now()
	rate := b.burst / float64(b.per) // tokens per nanosecond
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.m[key]
	if k == nil {
		b.sweep(now, rate)
		k = &bucket{tokens: b.burst, at: now}
		b.m[key] = k
	}
	if el := now.Sub(k.at); el > 0 {
		k.tokens = min(b.burst, k.tokens+float64(el)*rate)
	}
	k.at = now
	if k.tokens >= 1 {
		k.tokens--
		return true, 0
	}
	wait := time.Duration((1 - k.tokens) / rate)
	return false, wait.Round(time.Second) + time.Second
}

// sweep forgets buckets that have refilled (they are as good as new) and,
// if still too many, arbitrary ones; called with mu held.
func (b *Buckets) sweep(now time.Time, rate float64) {
	b.seen++
	if len(b.m) < MaxKeys && b.seen < 1000 {
		return
	}
	b.seen = 0
	for key, k := range b.m {
		if k.tokens+float64(now.Sub(k.at))*rate >= b.burst {
			delete(b.m, key)
		}
	}
	// Still full: drop arbitrary keys (map order is random) down to 90%,
	// so that a flood of new keys costs one pass per 10% of MaxKeys.
	for key := range b.m {
		if len(b.m) < MaxKeys*9/10 {
			break
		}
		delete(b.m, key)
	}
}

// Len is how many keys are remembered (for tests and metrics).
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// Limit is a bucket size: tokens a minute, and at most Burst at once.
type Limit struct{ PerMinute, Burst int }

// Limiter is Buckets sized by a Limit.
type Limiter struct{ b *Buckets }

// New allows l.PerMinute tokens a minute per key, l.Burst at once.
func New(l Limit) *Limiter {
	if l.PerMinute <= 0 || l.Burst <= 0 {
		return &Limiter{}
	}
	per := time.Duration(float64(time.Minute) * float64(l.Burst) / float64(l.PerMinute))
	return &Limiter{b: NewBuckets(l.Burst, per, nil)}
}

// Allow takes one token for key, reporting whether one was available.
func (l *Limiter) Allow(key string) bool {
	ok, _ := l.b.Take(key)
	return ok
}

// Take is Allow that also says how long until a token is available.
func (l *Limiter) Take(key string) (ok bool, retryAfter time.Duration) {
	return l.b.Take(key)
}
