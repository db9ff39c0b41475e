package store_test

import (
	"context"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/settings"
)

func TestChallengesExpireAndCountFailures(t *testing.T) {
	e := newSessionEnv(t)
	ctx := context.Background()
	c := domain.AuthChallenge{ID: "h1", UserID: e.u.ID, Purpose: domain.ChallengeSecondFactor, ExpiresAt: e.now.Add(domain.SecondFactorTTL)}
	if err := e.db.CreateChallenge(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Challenge(ctx, "h1", domain.ChallengeEnrol); !domain.IsNotFound(err) {
		t.Fatalf("challenge answered for another purpose: %v", err)
	}
	for i := 1; i < domain.MaxCodeFailures; i++ {
		if alive, err := e.db.ChallengeFailed(ctx, "h1", domain.MaxCodeFailures); err != nil || !alive {
			t.Fatalf("failure %d ended the challenge (%v)", i, err)
		}
	}
	if alive, err := e.db.ChallengeFailed(ctx, "h1", domain.MaxCodeFailures); err != nil || alive {
		t.Fatalf("challenge alive after %d failures (%v)", domain.MaxCodeFailures, err)
	}
	if _, err := e.db.Challenge(ctx, "h1", domain.ChallengeSecondFactor); !domain.IsNotFound(err) {
		t.Fatalf("challenge after too many failures: %v", err)
	}
	c.ID = "h2"
	if err := e.db.CreateChallenge(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(domain.SecondFactorTTL + time.Second)
	if _, err := e.db.Challenge(ctx, "h2", domain.ChallengeSecondFactor); !domain.IsNotFound(err) {
		t.Fatalf("expired challenge still works: %v", err)
	}
	c.ID, c.ExpiresAt = "h3", e.now.Add(time.Minute)
	if err := e.db.CreateChallenge(ctx, c); err != nil {
		t.Fatal(err)
	}
	if gone, _ := e.db.DeleteChallenge(ctx, "h2"); gone {
		t.Fatal("expired challenge was not swept when a new one was made")
	}
	if gone, _ := e.db.DeleteChallenge(ctx, "h3"); !gone {
		t.Fatal("live challenge not deleted")
	}
	if gone, _ := e.db.DeleteChallenge(ctx, "h3"); gone {
		t.Fatal("a challenge was used twice")
	}
}

func TestPasskeysAndTwoFactorReset(t *testing.T) {
	e := newSessionEnv(t)
	ctx := context.Background()
	p, err := e.db.AddPasskey(ctx, e.u.ID, "cred-1", "Laptop", `{"id":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddPasskey(ctx, e.u.ID, "cred-1", "Again", `{}`); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("same credential twice: %v", err)
	}
	if err := e.db.RenamePasskey(ctx, e.u.ID, p.ID, "Work laptop"); err != nil {
		t.Fatal(err)
	}
	if err := e.db.RenamePasskey(ctx, e.u.ID+1, p.ID, "Stolen"); !domain.IsNotFound(err) {
		t.Fatalf("renamed someone else's passkey: %v", err)
	}
	if err := e.db.PasskeyUsed(ctx, e.u.ID, "cred-1", `{"id":"y"}`); err != nil {
		t.Fatal(err)
	}
	st, err := e.db.TwoFactorStatus(ctx, e.u.ID)
	if err != nil || !st.Enrolled() || st.TOTP || len(st.Passkeys) != 1 || st.Passkeys[0].Name != "Work laptop" || st.Passkeys[0].LastUsedAt == nil {
		t.Fatalf("status %+v %v", st, err)
	}
	if creds, _ := e.db.PasskeyCredentials(ctx, e.u.ID); len(creds) != 1 || creds[0] != `{"id":"y"}` {
		t.Fatalf("credentials %v", creds)
	}
	e.open(t, "s1")
	if err := e.db.ResetTwoFactor(ctx, e.u.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.db.TwoFactorStatus(ctx, e.u.ID); st.Enrolled() {
		t.Fatalf("still enrolled after reset: %+v", st)
	}
	if e.live("s1") {
		t.Fatal("session survived a two-factor reset")
	}
	if err := e.db.DeletePasskey(ctx, e.u.ID, p.ID); !domain.IsNotFound(err) {
		t.Fatalf("deleting a reset passkey: %v", err)
	}
}

func TestRequireTwoFactorEndsSessionsOfTheUnenrolled(t *testing.T) {
	e := newSessionEnv(t) // Ann, an agent without a second factor
	ctx := context.Background()
	bea, err := e.db.CreateUser(ctx, domain.NewUser{Email: "bea@acme.test", Name: "Bea", Role: domain.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddPasskey(ctx, bea.ID, "bea-key", "Phone", `{}`); err != nil {
		t.Fatal(err)
	}
	e.open(t, "ann")
	if err := e.db.CreateSession(ctx, domain.Session{ID: "bea", UserID: bea.ID, CSRF: "c", CreatedAt: e.now, ExpiresAt: e.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	n, err := e.db.RequireTwoFactor(ctx, map[domain.Role]bool{domain.RoleAgent: true}, "")
	if err != nil || n != 1 {
		t.Fatalf("ended %d sessions (%v), want Ann's one", n, err)
	}
	if e.live("ann") || !e.live("bea") {
		t.Fatal("wrong sessions ended")
	}
	roles, err := settings.RequiredTwoFactor(ctx, e.db)
	if err != nil || !roles[domain.RoleAgent] || roles[domain.RoleAdmin] {
		t.Fatalf("required roles %v %v", roles, err)
	}
}
