package workspace

import (
	"io"
	"net/http"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/http/httpx"
)

// Adding a passkey from the security page (static/passkey.js): begin gives
// the browser its options, finish checks its answer and stores the
// passkey. The ceremony is bound to this browser's session.

func registerChallengeID(r *http.Request) (string, error) {
	sess := httpx.SessionFrom(r.Context())
	if sess == nil {
		return "", domain.Errorf(domain.EUnauthorized, "Sign in with a browser to add a passkey.")
	}
	return auth.HashToken("passkey-register:" + sess.ID), nil
}

// passkeyRegisterBegin is POST /account/passkeys/begin.
func (s *Handler) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if s.passkeys == nil {
		return errNoPasskeys()
	}
	id, err := registerChallengeID(r)
	if err != nil {
		return err
	}
	options, state, err := s.passkeys.BeginRegistration(r.Context(), u)
	if err != nil {
		return err
	}
	if _, err := s.db.DeleteChallenge(r.Context(), id); err != nil {
		return err
	}
	c := domain.AuthChallenge{ID: id, UserID: u.ID, Purpose: domain.ChallengePasskeyCreate, Data: state, ExpiresAt: s.db.Now().Add(domain.CeremonyTTL)}
	if err := s.db.CreateChallenge(r.Context(), c); err != nil {
		return err
	}
	writeOptions(w, options)
	return nil
}

// passkeyRegisterFinish is POST /account/passkeys/finish?name=...: the
// browser's answer.
func (s *Handler) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if s.passkeys == nil {
		return errNoPasskeys()
	}
	id, err := registerChallengeID(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return domain.Errorf(domain.ETooLarge, "The answer is too large.")
	}
	c, err := s.db.Challenge(r.Context(), id, domain.ChallengePasskeyCreate)
	if err != nil || c.UserID != u.ID {
		return domain.Errorf(domain.EUnprocessabl, "Adding this passkey took too long. Try again.")
	}
	if used, err := s.db.DeleteChallenge(r.Context(), id); err != nil || !used {
		return domain.Errorf(domain.EUnprocessabl, "Adding this passkey took too long. Try again.")
	}
	p, err := s.passkeys.FinishRegistration(r.Context(), u, c.Data, body, r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	s.log.Info("passkey added", "user", u.ID, "passkey", p.ID)
	httpx.WriteJSON(w, http.StatusCreated, p)
	return nil
}
