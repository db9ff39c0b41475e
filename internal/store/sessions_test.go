package store_test

import (
	"context"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

type sessionEnv struct {
	db  *store.DB
	now time.Time
	u   *domain.User
}

func newSessionEnv(t *testing.T) *sessionEnv {
	t.Helper()
	e := &sessionEnv{db: testutil.OpenDB(t), now: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)}
	e.db.SetClock(func() time.Time { return e.now })
	u, err := e.db.CreateUser(context.Background(), store.NewUser{Email: "ann@acme.test", Name: "Ann", Role: domain.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	e.u = u
	return e
}

func (e *sessionEnv) open(t *testing.T, id string) {
	t.Helper()
	if err := e.db.CreateSession(context.Background(), domain.Session{ID: id, UserID: e.u.ID, CSRF: "c", CreatedAt: e.now, ExpiresAt: e.now.Add(365 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

func (e *sessionEnv) live(id string) bool {
	_, _, err := e.db.SessionUser(context.Background(), id)
	return err == nil
}

func TestSessionIdleTimeoutAndLifetime(t *testing.T) {
	e := newSessionEnv(t)
	e.db.SetSessionLimits(2*time.Hour, 24*time.Hour)
	e.open(t, "busy")
	e.open(t, "idle")
	// "busy" is used every 90 minutes; "idle" only at the start.
	for i := 0; i < 15; i++ {
		if !e.live("busy") {
			t.Fatalf("busy session ended after %s", time.Duration(i)*90*time.Minute)
		}
		if i == 1 && !e.live("idle") {
			t.Fatal("session idle for 90 minutes ended")
		}
		if i == 3 && e.live("idle") {
			t.Fatal("session idle for 3 hours still works")
		}
		e.now = e.now.Add(90 * time.Minute)
	}
	// 22.5 h in: still live; past 24 h it ends however busy.
	e.now = e.now.Add(-90*time.Minute + 2*time.Hour) // 23 h
	if !e.live("busy") {
		t.Fatal("busy session ended before its lifetime")
	}
	e.now = e.now.Add(90 * time.Minute)
	if e.live("busy") {
		t.Fatal("session outlived its absolute lifetime")
	}
	n, err := e.db.DeleteExpiredSessions(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("cleanup removed %d sessions, want 2 (%v)", n, err)
	}
}

func TestSessionDefaults(t *testing.T) {
	e := newSessionEnv(t)
	e.open(t, "s")
	e.now = e.now.Add(11 * time.Hour)
	if !e.live("s") {
		t.Fatal("ended within 12 h idle")
	}
	e.now = e.now.Add(12*time.Hour + time.Minute)
	if e.live("s") {
		t.Fatal("lives after 12 h idle")
	}
	e.open(t, "t")
	for i := 0; i < 14*2; i++ {
		e.now = e.now.Add(12 * time.Hour)
		e.live("t")
	}
	e.now = e.now.Add(time.Hour)
	if e.live("t") {
		t.Fatal("lives after 14 days")
	}
}

func TestSessionsEndOnPasswordRoleAndDeactivation(t *testing.T) {
	e := newSessionEnv(t)
	ctx := context.Background()
	e.open(t, "a")
	e.open(t, "b")
	if err := e.db.SetPasswordKeepSession(ctx, e.u.ID, "new", "a"); err != nil {
		t.Fatal(err)
	}
	if !e.live("a") || e.live("b") {
		t.Fatal("password change: the changing session must stay, the others end")
	}
	if err := e.db.SetPassword(ctx, e.u.ID, "newer"); err != nil || e.live("a") {
		t.Fatalf("SetPassword keeps a session (%v)", err)
	}
	e.open(t, "c")
	if err := e.db.UpdateUser(ctx, e.u.ID, "Ann B.", domain.RoleAgent); err != nil || !e.live("c") {
		t.Fatalf("a rename ended the session (%v)", err)
	}
	if err := e.db.UpdateUser(ctx, e.u.ID, "Ann B.", domain.RoleAdmin); err != nil || e.live("c") {
		t.Fatalf("role change kept the session (%v)", err)
	}
	e.open(t, "d")
	e.open(t, "e")
	if n, err := e.db.EndUserSessions(ctx, e.u.ID, ""); err != nil || n != 2 || e.live("d") {
		t.Fatalf("EndUserSessions: %d %v", n, err)
	}
	e.open(t, "f")
	if err := e.db.SetUserActive(ctx, e.u.ID, false); err != nil || e.live("f") {
		t.Fatalf("deactivation kept the session (%v)", err)
	}
}
