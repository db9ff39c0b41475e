// Package ratelimit is a token bucket per key, shared by the HTTP layer and
// live chat.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is a token bucket per key (an address, an account). It is kept per
// node: with several nodes the effective limit is per node, which is still a
// firm bound against guessing.
type Limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// Limit is a bucket size: tokens a minute, and at most burst at once.
type Limit struct{ PerMinute, Burst int }

// New allows l.PerMinute tokens a minute per key, l.Burst at once.
func New(l Limit) *Limiter {
	perMinute, burst := l.PerMinute, l.Burst
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes one token for key, reporting whether one was available.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 100_000 {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops full buckets; caller holds mu.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
