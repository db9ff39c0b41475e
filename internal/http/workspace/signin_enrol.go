package workspace

import (
	"net/http"

	"andon/internal/account"
	"andon/internal/domain"
	"andon/internal/web"
)

// Enrolment at sign-in: the role requires two-factor sign-in and the user
// has no second factor. The pending step (not a session) lets them set up
// an authenticator app; the session starts when its first code is right.

// totpSetupData is what the enrolment forms (at sign-in and on the
// security page) show.
type totpSetupData struct {
	Expired bool
	Secret  string
	QR      any // data: URL of the QR code (template.URL)
	Action  string
	Codes   []string // recovery codes, shown once after confirming
	Next    string
}

// totpSetup loads (or makes) u's pending secret and draws its QR code.
func (s *Handler) totpSetup(r *http.Request, u *domain.User) (*account.TOTPSetup, any, error) {
	issuer := s.Brand(r.Context()).Name
	setup, err := s.twoFactor.PendingTOTP(r.Context(), u, issuer)
	if domain.IsNotFound(err) {
		setup, err = s.twoFactor.BeginTOTP(r.Context(), u, issuer)
	}
	if err != nil {
		return nil, nil, err
	}
	qr, err := web.QRCodeSVG(setup.URL)
	return setup, qr, err
}

// enrolForm is GET /login/2fa/setup.
func (s *Handler) enrolForm(w http.ResponseWriter, r *http.Request) {
	s.renderEnrol(w, r, http.StatusOK, nil)
}

func (s *Handler) renderEnrol(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	p := &web.Page{Title: "Set up two-factor sign-in", Errors: errs}
	step, err := s.pending(r, domain.ChallengeEnrol)
	if err != nil {
		if !domain.IsNotFound(err) {
			s.pageError(w, r, err)
			return
		}
		p.Data = totpSetupData{Expired: true}
		s.renderBare(w, r, max(status, http.StatusUnauthorized), "login_2fa_setup", p)
		return
	}
	setup, qr, err := s.totpSetup(r, step.u)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = totpSetupData{Secret: setup.Secret, QR: qr, Action: "/login/2fa/setup"}
	s.renderBare(w, r, status, "login_2fa_setup", p)
}

// enrol is POST /login/2fa/setup: the first code confirms the app; the
// session starts and the recovery codes are shown, once.
func (s *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	if !s.anonymousForm(w, r) {
		return
	}
	step, err := s.pending(r, domain.ChallengeEnrol)
	if err != nil {
		s.renderEnrol(w, r, http.StatusUnauthorized, nil)
		return
	}
	if !s.allowCode(w, r, step.u) {
		s.renderEnrol(w, r, http.StatusTooManyRequests, map[string]string{"_": "Too many wrong codes. Wait a minute, then try again."})
		return
	}
	codes, err := s.twoFactor.ConfirmTOTP(r.Context(), step.u.ID, r.PostFormValue("code"))
	if err != nil {
		s.codeFailed(w, r, step, err, s.renderEnrol)
		return
	}
	if !s.usePending(w, r, step) {
		return
	}
	if err := s.startSession(w, r, step.u); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.log.Info("two-factor enrolled at sign-in", "user", step.u.ID)
	s.log.Info("signed in", "user", step.u.ID, "with", "totp enrolment")
	p := &web.Page{Title: "Save your recovery codes", Data: totpSetupData{Codes: codes, Next: landing(step.u, step.data.Next)}}
	s.renderBare(w, r, http.StatusOK, "login_2fa_codes", p)
}
