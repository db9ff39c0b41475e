package workspace

import (
	"net/http"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/settings"
	"andon/internal/web"
)

// The signed-in user's own security page: authenticator app (enrol,
// remove), recovery codes (regenerate) and passkeys (add, rename, remove).

// securityData is what account_security.html shows.
type securityData struct {
	Status   domain.TwoFactorStatus
	Required bool     // the user's role must sign in with a second factor
	Setup    bool     // an authenticator app is being set up:
	Secret   string   // its key,
	QR       any      // QR code
	Action   string   // and confirming form
	Codes    []string // new recovery codes, shown once
	Passkeys bool     // passkeys can be used on this server
}

func (s *Handler) securityPage(w http.ResponseWriter, r *http.Request, u *domain.User, status int, p *web.Page, setup bool) error {
	st, err := s.db.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		return err
	}
	roles, err := settings.RequiredTwoFactor(r.Context(), s.db)
	if err != nil {
		return err
	}
	d, _ := p.Data.(securityData)
	d.Status, d.Required, d.Passkeys = st, roles[u.Role], s.passkeys != nil
	if setup && !st.TOTP {
		secret, qr, err := s.totpSetup(r, u)
		if err != nil {
			return err
		}
		d.Setup, d.Secret, d.QR, d.Action = true, secret.Secret, qr, "/account/security/totp/confirm"
	}
	p.Title, p.Data = "Sign-in security", d
	return s.render(w, r, status, "account_security", p)
}

// securityForm is GET /account/security; ?setup=totp shows the QR code of
// a new authenticator app.
func (s *Handler) securityForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.securityPage(w, r, u, http.StatusOK, &web.Page{}, r.URL.Query().Get("setup") == "totp")
}

// confirmTOTP is POST /account/security/totp/confirm: the first code of the
// new app. Right, it shows the recovery codes once.
func (s *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if ok, wait := s.codes.Allow(codeKey(u), httpx.ClientAddr(r)); !ok {
		return httpx.TooMany(w, wait)
	}
	codes, err := s.twoFactor.ConfirmTOTP(r.Context(), u.ID, r.PostFormValue("code"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			s.codes.Failed(codeKey(u), httpx.ClientAddr(r))
			return s.securityPage(w, r, u, http.StatusUnprocessableEntity, &web.Page{Errors: domain.ErrorFields(err)}, true)
		}
		return err
	}
	s.codes.Succeeded(codeKey(u), httpx.ClientAddr(r))
	s.log.Info("two-factor enrolled", "user", u.ID)
	return s.securityPage(w, r, u, http.StatusOK, &web.Page{Flash: "Authenticator app set up. Save your recovery codes now.",
		Data: securityData{Codes: codes}}, false)
}

// removeTOTP is POST /account/security/totp/remove; it takes the password,
// and is refused when the role requires a second factor and no passkey
// would be left.
func (s *Handler) removeTOTP(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	hash, err := s.db.UserPasswordHash(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if !auth.CheckPassword(hash, r.PostFormValue("password")) {
		return s.securityPage(w, r, u, http.StatusUnprocessableEntity,
			&web.Page{Errors: map[string]string{"password": "That password is wrong."}}, false)
	}
	if err := s.keepsAFactor(r, u, false); err != nil {
		return s.securityPage(w, r, u, http.StatusConflict, &web.Page{Errors: map[string]string{"_": domain.ErrorMessage(err)}}, false)
	}
	if err := s.db.RemoveTOTP(r.Context(), u.ID); err != nil {
		return err
	}
	s.log.Info("two-factor removed", "user", u.ID, "factor", "totp")
	httpx.Redirect(w, r, "/account/security", "Authenticator app removed; its recovery codes no longer work.")
	return nil
}

// keepsAFactor refuses removing the last second factor of a user whose
// role requires one. passkey says which kind is being removed.
func (s *Handler) keepsAFactor(r *http.Request, u *domain.User, passkey bool) error {
	roles, err := settings.RequiredTwoFactor(r.Context(), s.db)
	if err != nil || !roles[u.Role] {
		return err
	}
	st, err := s.db.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		return err
	}
	left := len(st.Passkeys)
	if st.TOTP {
		left++
	}
	if left <= 1 {
		what := "authenticator app"
		if passkey {
			what = "passkey"
		}
		return domain.Errorf(domain.EConflict, "Your role must sign in with a second factor: add another one before removing this %s.", what)
	}
	return nil
}

// newRecoveryCodes is POST /account/security/recovery: fresh codes, shown
// once; the old ones stop working.
func (s *Handler) newRecoveryCodes(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	codes, err := s.twoFactor.NewRecoveryCodes(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.log.Info("recovery codes regenerated", "user", u.ID)
	return s.securityPage(w, r, u, http.StatusOK, &web.Page{Flash: "New recovery codes made; the old ones no longer work.",
		Data: securityData{Codes: codes}}, false)
}

// renamePasskey is POST /account/passkeys/{id}/rename.
func (s *Handler) renamePasskey(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "passkey")
	if err != nil {
		return err
	}
	name, err := domain.PasskeyName(r.PostFormValue("name"), "")
	if err == nil {
		err = s.db.RenamePasskey(r.Context(), u.ID, id, name)
	}
	if domain.ErrorCode(err) == domain.EInvalid {
		return s.securityPage(w, r, u, http.StatusUnprocessableEntity, &web.Page{Errors: map[string]string{"_": "Passkey name: " + domain.ErrorFields(err)["name"]}}, false)
	}
	if err != nil {
		return err
	}
	httpx.Redirect(w, r, "/account/security", "Passkey renamed.")
	return nil
}

// deletePasskey is POST /account/passkeys/{id}/delete.
func (s *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "passkey")
	if err != nil {
		return err
	}
	if err := s.keepsAFactor(r, u, true); err != nil {
		return s.securityPage(w, r, u, http.StatusConflict, &web.Page{Errors: map[string]string{"_": domain.ErrorMessage(err)}}, false)
	}
	if err := s.db.DeletePasskey(r.Context(), u.ID, id); err != nil {
		return err
	}
	s.log.Info("passkey removed", "user", u.ID, "passkey", id)
	httpx.Redirect(w, r, "/account/security", "Passkey removed.")
	return nil
}
