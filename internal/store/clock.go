package store

import (
	"sync/atomic"
	"time"
)

// ManualClock is a clock that moves only when set, for writing history in
// the past (the demo, tests). It is safe for concurrent use: background
// workers read the store's clock while the history is being written.
type ManualClock struct{ ns atomic.Int64 }

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock {
	c := &ManualClock{}
	c.Set(t)
	return c
}

// Now is the time the clock stands at, in UTC.
func (c *ManualClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }
