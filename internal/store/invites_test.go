package store_test

import (
	"context"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestInviteWorksOnceAndExpires(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })

	in, err := db.CreateInvite(ctx, store.NewInvite{Email: "New@Example.com", Name: "Nia", Role: domain.RoleAgent, TokenHash: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Email != "new@example.com" {
		t.Fatalf("email not normalized: %q", in.Email)
	}
	if _, err := db.InviteByTokenHash(ctx, "h1"); err != nil {
		t.Fatalf("fresh invite: %v", err)
	}
	u, err := db.AcceptInvite(ctx, "h1", "Nia N", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "new@example.com" || u.Name != "Nia N" || u.Role != domain.RoleAgent || !u.Active {
		t.Fatalf("user %+v", u)
	}
	if _, err := db.AcceptInvite(ctx, "h1", "Again", "hash"); !domain.IsNotFound(err) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := db.InviteByTokenHash(ctx, "h1"); !domain.IsNotFound(err) {
		t.Fatalf("used invite still loads: %v", err)
	}
	// An existing account cannot be invited again.
	if _, err := db.CreateInvite(ctx, store.NewInvite{Email: "new@example.com", Name: "X", Role: domain.RoleAgent, TokenHash: "h2"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("invite existing user: %v", err)
	}

	if _, err := db.CreateInvite(ctx, store.NewInvite{Email: "late@example.com", Name: "Late", Role: domain.RoleAdmin, TokenHash: "h3"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(domain.InviteTTL + time.Minute)
	if _, err := db.AcceptInvite(ctx, "h3", "Late", "hash"); !domain.IsNotFound(err) {
		t.Fatalf("expired invite accepted: %v", err)
	}
	if _, _, err := db.UserByEmail(ctx, "late@example.com"); !domain.IsNotFound(err) {
		t.Fatalf("expired invite created an account: %v", err)
	}
}

func TestInviteValidation(t *testing.T) {
	db := testutil.OpenDB(t)
	_, err := db.CreateInvite(context.Background(), store.NewInvite{Email: "nope", Name: "", Role: "boss", TokenHash: "h"})
	f := domain.ErrorFields(err)
	if f["email"] == "" || f["name"] == "" || f["role"] == "" {
		t.Fatalf("fields %v", f)
	}
}
