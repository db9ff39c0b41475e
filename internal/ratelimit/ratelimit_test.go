package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucketRefusesPastBurstAndRefills(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	b := NewBuckets(20, time.Minute, func() time.Time { return now })
	for i := range 20 {
		if ok, _ := b.Take("peer"); !ok {
			t.Fatalf("message %d refused", i+1)
		}
	}
	ok, wait := b.Take("peer")
	if ok || wait < 3*time.Second || wait > 5*time.Second {
		t.Fatalf("21st: ok=%v wait=%s, want refused with about 3s to wait", ok, wait)
	}
	if ok, _ := b.Take("other"); !ok {
		t.Fatal("another key is limited too")
	}
	now = now.Add(wait)
	if ok, _ := b.Take("peer"); !ok {
		t.Fatal("refused after waiting the retry hint")
	}
	if ok, _ := b.Take("peer"); ok {
		t.Fatal("one token refilled, two spent")
	}
	now = now.Add(time.Hour)
	for i := range 20 {
		if ok, _ := b.Take("peer"); !ok {
			t.Fatalf("after an hour, message %d refused", i+1)
		}
	}
	if ok, _ := NewBuckets(0, time.Minute, nil).Take("x"); !ok {
		t.Fatal("burst 0 is no limit")
	}
}

func TestMemoryIsBounded(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBuckets(2, time.Minute, func() time.Time { return now })
	for i := range MaxKeys + 500 {
		b.Take(fmt.Sprint(i))
	}
	if n := b.Len(); n > MaxKeys {
		t.Fatalf("%d keys kept", n)
	}
	now = now.Add(time.Hour)
	for i := range 1000 {
		b.Take(fmt.Sprint("new", i))
	}
	if n := b.Len(); n > 1000 {
		t.Fatalf("%d refilled keys still kept", n)
	}
}
