package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"andon/internal/account"
	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/testutil"
)

func TestTOTPEnrolSignInReplayAndRecovery(t *testing.T) {
	ctx := context.Background()
	db := testutil.OpenDB(t)
	now := time.Date(2026, 5, 4, 9, 0, 10, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	box, err := mail.NewBox("test key", "")
	if err != nil {
		t.Fatal(err)
	}
	tf := &account.TwoFactor{DB: db, Box: box}
	u, err := db.CreateUser(ctx, domain.NewUser{Email: "ann@acme.test", Name: "Ann", Role: domain.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := tf.BeginTOTP(ctx, u, "Acme Help")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(setup.URL, "otpauth://totp/Acme%20Help:ann@acme.test?") || !strings.Contains(setup.URL, "secret="+setup.Secret) {
		t.Fatalf("otpauth URL %q", setup.URL)
	}
	sealed, confirmed, err := db.TOTPSecret(ctx, u.ID)
	if err != nil || confirmed || strings.Contains(sealed, setup.Secret) {
		t.Fatalf("stored secret %q confirmed=%v err=%v: must be sealed and pending", sealed, confirmed, err)
	}
	// Not enrolled yet: a code does not sign in.
	code := func(at time.Time) string {
		c, err := auth.TOTPCode(setup.Secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := tf.Verify(ctx, u.ID, code(now)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("code before confirming: %v", err)
	}
	if _, err := tf.ConfirmTOTP(ctx, u.ID, "000000"); domain.ErrorCode(err) != domain.EInvalid && code(now) != "000000" {
		t.Fatalf("wrong confirmation code accepted: %v", err)
	}
	codes, err := tf.ConfirmTOTP(ctx, u.ID, code(now))
	if err != nil || len(codes) != domain.RecoveryCodeCount {
		t.Fatalf("confirm: %d codes, %v", len(codes), err)
	}
	// The confirming code cannot sign in afterwards: its step is used.
	if _, err := tf.Verify(ctx, u.ID, code(now)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("confirmation code replayed at sign-in: %v", err)
	}
	now = now.Add(30 * time.Second)
	if _, err := tf.Verify(ctx, u.ID, code(now)); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
	if _, err := tf.Verify(ctx, u.ID, code(now)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("replayed code accepted: %v", err)
	}
	// An older step (the one before, still within skew) is refused too.
	if _, err := tf.Verify(ctx, u.ID, code(now.Add(-30*time.Second))); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("older code accepted after a newer one: %v", err)
	}
	now = now.Add(5 * time.Minute)
	if _, err := tf.Verify(ctx, u.ID, code(now.Add(-5*time.Minute))); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("expired code accepted: %v", err)
	}
	// Recovery codes: each once, typed any case, with or without dashes.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	if rec, err := tf.Verify(ctx, u.ID, typed); err != nil || !rec {
		t.Fatalf("recovery code: rec=%v err=%v", rec, err)
	}
	if _, err := tf.Verify(ctx, u.ID, codes[3]); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("recovery code used twice: %v", err)
	}
	st, err := db.TwoFactorStatus(ctx, u.ID)
	if err != nil || !st.TOTP || st.RecoveryLeft != domain.RecoveryCodeCount-1 {
		t.Fatalf("status %+v %v", st, err)
	}
	// New codes replace the old ones.
	fresh, err := tf.NewRecoveryCodes(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tf.Verify(ctx, u.ID, codes[4]); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("old recovery code works after regenerating: %v", err)
	}
	if _, err := tf.Verify(ctx, u.ID, fresh[0]); err != nil {
		t.Fatalf("new recovery code: %v", err)
	}
	// Enrolling again needs removing first.
	if _, err := tf.BeginTOTP(ctx, u, "Acme Help"); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second enrolment over a confirmed one: %v", err)
	}
	if err := db.RemoveTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tf.Verify(ctx, u.ID, fresh[1]); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("recovery code works after removal: %v", err)
	}
}
