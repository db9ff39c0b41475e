package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/testutil/testnode"
)

// totpCode is the current code of secret on the node's clock.
func (e *env) totpCode(secret string) string {
	e.t.Helper()
	c, err := auth.TOTPCode(secret, e.node.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// passwordStep signs in with the password and waits for the page that follows.
func (b *tab) passwordStep(email, path string) {
	b.t.Helper()
	b.open("/login")
	b.do(
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	b.waitFor("the page after the password", `location.pathname === `+quote(path))
}

func TestTOTPEnrolAndSignInInBrowser(t *testing.T) {
	e := newEnv(t)
	ann := e.agent("ann@acme.test", "Ann Agent", domain.RoleAgent)
	b := newTab(t, e.a().url, 0)
	b.login(ann.Email)

	// Enrol from the account menu: a QR code drawn by the server, the key
	// to type by hand, the first code, then the recovery codes once.
	b.open("/account/security")
	b.do(chromedp.Click(chromedp.ID("totp-begin")))
	b.waitFor("the QR code", `document.getElementById('totp-qr') && document.getElementById('totp-qr').naturalWidth > 0`)
	secret := b.text("#totp-secret")
	if len(secret) != 32 {
		t.Fatalf("manual key %q", secret)
	}
	b.do(chromedp.SendKeys(chromedp.ID("totp-code"), e.totpCode(secret)), chromedp.Click(chromedp.ID("totp-confirm")))
	b.waitFor("the recovery codes", `document.querySelectorAll('#recovery-codes li').length === 10`)
	recovery := b.text("#recovery-codes li")

	// Signing in now takes a code from the app after the password.
	e.node.Clock.Advance(30 * time.Second) // the confirming code's step is spent
	b2 := newTab(t, e.a().url, 0)
	b2.passwordStep(ann.Email, "/login/2fa")
	b2.do(chromedp.SendKeys(chromedp.ID("code"), e.totpCode(secret)), chromedp.Click(chromedp.ID("second-factor-submit")))
	b2.waitFor("the inbox after the code", `location.pathname === '/' && (document.getElementById('inbox') || document.getElementById('inbox-empty'))`)

	// A recovery code works in the same field.
	b3 := newTab(t, e.a().url, 0)
	b3.passwordStep(ann.Email, "/login/2fa")
	b3.do(chromedp.SendKeys(chromedp.ID("code"), recovery), chromedp.Click(chromedp.ID("second-factor-submit")))
	b3.waitFor("the inbox after a recovery code", `location.pathname === '/'`)
	st, err := e.a().db.TwoFactorStatus(context.Background(), ann.ID)
	if err != nil || st.RecoveryLeft != 9 {
		t.Fatalf("recovery codes left %d (%v)", st.RecoveryLeft, err)
	}
}

// virtualAuthenticator gives the tab a platform authenticator that keeps
// passkeys and verifies its user, over the DevTools protocol.
func (b *tab) virtualAuthenticator() webauthn.AuthenticatorID {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true, IsUserVerified: true,
			AutomaticPresenceSimulation: true},
	})
	if err != nil {
		b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

func TestPasskeyRegisterAndSignInInBrowser(t *testing.T) {
	// WebAuthn needs a domain as relying party id, and http is a secure
	// context only on localhost: the browser talks to localhost.
	e := newEnvWith(t, testnode.Options{Config: func(c *config.Config) {
		c.BaseURL = strings.Replace(c.BaseURL, "127.0.0.1", "localhost", 1)
	}})
	base := e.node.Config.BaseURL
	ann := e.agent("ann@acme.test", "Ann Agent", domain.RoleAgent)
	b := newTab(t, base, 0)
	laptop := b.virtualAuthenticator()
	b.login(ann.Email)

	// Register a passkey on each of two devices, rename the first, then
	// remove it.
	b.open("/account/security")
	b.waitFor("the passkey form", `!document.getElementById('passkey-add').closest('[hidden]')`)
	b.do(chromedp.SendKeys(chromedp.ID("passkey-new-name"), "Work laptop"), chromedp.Click(chromedp.ID("passkey-add")))
	b.waitFor("the new passkey in the list", `document.querySelectorAll('#passkey-list li').length === 1`)
	if got := b.text("#passkey-list .admin-title"); got != "Work laptop" {
		t.Fatalf("passkey name %q", got)
	}
	// The same device cannot register twice.
	b.do(chromedp.Click(chromedp.ID("passkey-add")))
	b.waitFor("the refusal", `!document.getElementById('passkey-error').hidden`)
	if _, err := chromedp.Call(b.ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: laptop}); err != nil {
		t.Fatal(err)
	}
	b.virtualAuthenticator()
	b.open("/account/security")
	b.waitFor("the passkey form", `!document.getElementById('passkey-add').closest('[hidden]')`)
	b.do(chromedp.SendKeys(chromedp.ID("passkey-new-name"), "Phone"), chromedp.Click(chromedp.ID("passkey-add")))
	b.waitFor("a second passkey", `document.querySelectorAll('#passkey-list li').length === 2`)
	ctx := context.Background()
	keys, err := e.a().db.Passkeys(ctx, ann.ID)
	if err != nil || len(keys) != 2 || keys[1].Name != "Phone" {
		t.Fatalf("stored passkeys %+v (%v)", keys, err)
	}
	first := itoa(keys[0].ID)
	js[chromedp.Void](b, `document.getElementById('passkey-name-`+first+`').value = 'Old laptop'`)
	b.do(chromedp.Click(chromedp.ID("passkey-rename-" + first)))
	b.waitFor("the renamed passkey", `document.body.innerText.includes('Passkey renamed.')`)
	if keys, _ = e.a().db.Passkeys(ctx, ann.ID); keys[0].Name != "Old laptop" {
		t.Fatalf("renamed to %q", keys[0].Name)
	}
	js[chromedp.Void](b, `window.confirm = () => true`)
	b.do(chromedp.Click(chromedp.ID("passkey-delete-" + first)))
	b.waitFor("one passkey left", `document.querySelectorAll('#passkey-list li').length === 1 && document.body.innerText.includes('Phone')`)

	// Sign out; sign in again with the passkey alone.
	b.do(chromedp.Click(chromedp.ID("user-menu")), chromedp.Click(chromedp.ID("logout-button")))
	b.waitFor("the sign-in page", `location.pathname === '/login'`)
	b.waitFor("the passkey button", `!document.getElementById('passkey-signin').hidden`)
	b.do(chromedp.Click(chromedp.ID("passkey-login")))
	b.waitFor("the inbox after a passkey sign-in", `location.pathname === '/' && (document.getElementById('inbox') || document.getElementById('inbox-empty'))`)
	if keys, _ = e.a().db.Passkeys(ctx, ann.ID); keys[0].LastUsedAt == nil {
		t.Fatal("passkey use not recorded")
	}

	// With a passkey, the password alone is not enough: the passkey is
	// the second factor.
	b.do(chromedp.Click(chromedp.ID("user-menu")), chromedp.Click(chromedp.ID("logout-button")))
	b.waitFor("the sign-in page", `location.pathname === '/login'`)
	b.passwordStep(ann.Email, "/login/2fa")
	b.waitFor("the passkey option", `document.querySelector('[data-passkey-second]') && !document.querySelector('[data-passkey-second]').hidden`)
	b.do(chromedp.Click(chromedp.ID("passkey-second")))
	b.waitFor("the inbox after password and passkey", `location.pathname === '/'`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
