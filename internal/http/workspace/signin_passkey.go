package workspace

import (
	"encoding/json"
	"io"
	"net/http"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/http/httpx"
)

// Passkeys at sign-in, by the browser's WebAuthn API (static/passkey.js):
// alone (passwordless: the passkey's user verification is the second
// factor) or after the password as the second factor. Each ceremony's
// state stays on the server, named by a cookie of this browser.

// ceremonyCookie names a passwordless passkey sign-in in progress.
const ceremonyCookie = "andon_webauthn"

func errNoPasskeys() error {
	return domain.Errorf(domain.EUnprocessabl, "Passkeys are not available on this server (it needs ANDON_BASE_URL).")
}

// passkeyJSON checks a script's call from this site's own page and reads
// its body (the browser's WebAuthn answer), or answers.
func (s *Handler) passkeyJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if !httpx.SameOrigin(r) || r.Header.Get("Origin") == "" {
		httpx.WriteError(s.log, w, r, domain.Errorf(domain.EForbidden, "Use this site's own page."))
		return nil, false
	}
	if s.passkeys == nil {
		httpx.WriteError(s.log, w, r, errNoPasskeys())
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		httpx.WriteError(s.log, w, r, domain.Errorf(domain.ETooLarge, "The answer is too large."))
		return nil, false
	}
	return body, true
}

func writeOptions(w http.ResponseWriter, options []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(options)
}

// passkeyLoginBegin is POST /login/passkey: options for a passwordless
// sign-in with any passkey of this site.
func (s *Handler) passkeyLoginBegin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.passkeyJSON(w, r); !ok {
		return
	}
	options, state, err := s.passkeys.BeginLogin(r.Context(), nil)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	token, err := auth.NewToken("")
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	c := domain.AuthChallenge{ID: auth.HashToken(token), Purpose: domain.ChallengePasskeyLogin, Data: state,
		ExpiresAt: s.db.Now().Add(domain.CeremonyTTL)}
	if err := s.db.CreateChallenge(r.Context(), c); err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: token, Path: "/login/passkey", MaxAge: int(domain.CeremonyTTL.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
	writeOptions(w, options)
}

// passkeyLoginFinish is POST /login/passkey/finish: the browser's answer;
// a right one starts the session of the passkey's owner.
func (s *Handler) passkeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	body, ok := s.passkeyJSON(w, r)
	if !ok {
		return
	}
	gone := domain.Errorf(domain.EUnauthorized, "This passkey sign-in has expired. Try again.")
	ck, err := r.Cookie(ceremonyCookie)
	if err != nil {
		httpx.WriteError(s.log, w, r, gone)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: "", Path: "/login/passkey", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
	c, err := s.db.Challenge(r.Context(), auth.HashToken(ck.Value), domain.ChallengePasskeyLogin)
	if err == nil {
		var used bool
		if used, err = s.db.DeleteChallenge(r.Context(), c.ID); err == nil && !used {
			err = gone
		}
	}
	if err != nil {
		if domain.IsNotFound(err) {
			err = gone
		}
		httpx.WriteError(s.log, w, r, err)
		return
	}
	u, err := s.passkeys.FinishLogin(r.Context(), nil, c.Data, body)
	if err != nil {
		s.log.Warn("passkey sign-in refused", "ip", httpx.ClientIP(r), "err", err)
		httpx.WriteError(s.log, w, r, err)
		return
	}
	s.sessionJSON(w, r, u, r.URL.Query().Get("next"), "passkey")
}

// sessionJSON starts u's session and tells the script where to go.
func (s *Handler) sessionJSON(w http.ResponseWriter, r *http.Request, u *domain.User, next, how string) {
	if err := s.startSession(w, r, u); err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	s.log.Info("signed in", "user", u.ID, "with", how)
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"redirect": landing(u, httpx.SafeNext(next))})
}

// secondFactorPasskeyBegin is POST /login/2fa/passkey: options to check one
// of the pending user's passkeys.
func (s *Handler) secondFactorPasskeyBegin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.passkeyJSON(w, r); !ok {
		return
	}
	step, err := s.pending(r, domain.ChallengeSecondFactor)
	if err != nil {
		httpx.WriteError(s.log, w, r, domain.Errorf(domain.EUnauthorized, "This sign-in step has expired. Sign in again."))
		return
	}
	options, state, err := s.passkeys.BeginLogin(r.Context(), step.u)
	if err == nil {
		step.data.WebAuthn = state
		data, _ := json.Marshal(step.data)
		err = s.db.SetChallengeData(r.Context(), step.c.ID, string(data))
	}
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	writeOptions(w, options)
}

// secondFactorPasskeyFinish is POST /login/2fa/passkey/finish.
func (s *Handler) secondFactorPasskeyFinish(w http.ResponseWriter, r *http.Request) {
	body, ok := s.passkeyJSON(w, r)
	if !ok {
		return
	}
	step, err := s.pending(r, domain.ChallengeSecondFactor)
	if err != nil || step.data.WebAuthn == "" {
		httpx.WriteError(s.log, w, r, domain.Errorf(domain.EUnauthorized, "This sign-in step has expired. Sign in again."))
		return
	}
	if _, err := s.passkeys.FinishLogin(r.Context(), step.u, step.data.WebAuthn, body); err != nil {
		s.codes.Failed(codeKey(step.u), httpx.ClientAddr(r))
		if _, ferr := s.db.ChallengeFailed(r.Context(), step.c.ID, domain.MaxCodeFailures); ferr != nil {
			err = ferr
		}
		httpx.WriteError(s.log, w, r, err)
		return
	}
	used, err := s.db.DeleteChallenge(r.Context(), step.c.ID)
	s.clearPending(w)
	if err == nil && !used {
		err = domain.Errorf(domain.EUnauthorized, "This sign-in step has expired. Sign in again.")
	}
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	s.codes.Succeeded(codeKey(step.u), httpx.ClientAddr(r))
	s.sessionJSON(w, r, step.u, step.data.Next, "password and passkey")
}
