package workspace

import (
	"encoding/json"
	"net/http"
	"strconv"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/http/httpx"
	"andon/internal/settings"
	"andon/internal/web"
)

// The second step of signing in. After the right password a user with a
// second factor gets a short pending step (a challenge row named by a
// cookie of this browser), never a session; the session starts only when a
// TOTP code, a recovery code or a passkey proves the second factor. A user
// whose role requires two-factor sign-in but who has none enrols first.

// pendingCookie names this browser's pending sign-in step; it is sent only
// to /login/*.
const pendingCookie = "andon_2fa"

type pendingData struct {
	Next     string `json:"next"`
	WebAuthn string `json:"webauthn,omitempty"` // a passkey ceremony in progress
}

// afterPassword decides what follows a right password: the second factor,
// enrolment, or the session.
func (s *Handler) afterPassword(w http.ResponseWriter, r *http.Request, u *domain.User, next string) {
	st, err := s.db.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if st.Enrolled() {
		if err := s.startPending(w, r, u, domain.ChallengeSecondFactor, next); err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
		return
	}
	if s.mustEnrol(w, r, u, next) {
		return
	}
	s.finishSignIn(w, r, u, next, "password")
}

// mustEnrol starts enrolment when u's role requires a second factor and u
// has none; it reports whether it answered the request.
func (s *Handler) mustEnrol(w http.ResponseWriter, r *http.Request, u *domain.User, next string) bool {
	roles, err := settings.RequiredTwoFactor(r.Context(), s.db)
	if err != nil {
		s.pageError(w, r, err)
		return true
	}
	if !roles[u.Role] {
		return false
	}
	st, err := s.db.TwoFactorStatus(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return true
	}
	if st.Enrolled() {
		return false
	}
	if err := s.startPending(w, r, u, domain.ChallengeEnrol, next); err != nil {
		s.pageError(w, r, err)
		return true
	}
	http.Redirect(w, r, "/login/2fa/setup", http.StatusSeeOther)
	return true
}

func (s *Handler) startPending(w http.ResponseWriter, r *http.Request, u *domain.User, purpose domain.ChallengePurpose, next string) error {
	ttl := domain.SecondFactorTTL
	if purpose == domain.ChallengeEnrol {
		ttl = domain.EnrolTTL
	}
	token, err := auth.NewToken("")
	if err != nil {
		return err
	}
	data, _ := json.Marshal(pendingData{Next: next})
	c := domain.AuthChallenge{ID: auth.HashToken(token), UserID: u.ID, Purpose: purpose, Data: string(data), ExpiresAt: s.db.Now().Add(ttl)}
	if err := s.db.CreateChallenge(r.Context(), c); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: token, Path: "/login", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
	return nil
}

func (s *Handler) clearPending(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteStrictMode})
}

// pendingStep is this browser's live pending step of purpose and its user.
type pendingStep struct {
	c    *domain.AuthChallenge
	u    *domain.User
	data pendingData
}

func (s *Handler) pending(r *http.Request, purpose domain.ChallengePurpose) (*pendingStep, error) {
	ck, err := r.Cookie(pendingCookie)
	if err != nil || ck.Value == "" {
		return nil, domain.NotFound("sign-in step")
	}
	c, err := s.db.Challenge(r.Context(), auth.HashToken(ck.Value), purpose)
	if err != nil {
		return nil, err
	}
	u, err := s.db.User(r.Context(), c.UserID)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, domain.NotFound("sign-in step")
	}
	p := &pendingStep{c: c, u: u}
	_ = json.Unmarshal([]byte(c.Data), &p.data)
	p.data.Next = httpx.SafeNext(p.data.Next)
	return p, nil
}

// secondFactorData is what login_2fa.html shows.
type secondFactorData struct {
	Expired  bool // the step is gone: sign in again
	TOTP     bool
	Passkeys bool
}

// secondFactorForm is GET /login/2fa.
func (s *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	s.renderSecondFactor(w, r, http.StatusOK, nil)
}

func (s *Handler) renderSecondFactor(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	p := &web.Page{Title: "Two-factor sign-in", Errors: errs}
	step, err := s.pending(r, domain.ChallengeSecondFactor)
	if err != nil {
		if !domain.IsNotFound(err) {
			s.pageError(w, r, err)
			return
		}
		p.Data = secondFactorData{Expired: true}
		s.renderBare(w, r, max(status, http.StatusUnauthorized), "login_2fa", p)
		return
	}
	st, err := s.db.TwoFactorStatus(r.Context(), step.u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = secondFactorData{TOTP: st.TOTP, Passkeys: len(st.Passkeys) > 0}
	s.renderBare(w, r, status, "login_2fa", p)
}

// secondFactor is POST /login/2fa: a TOTP or recovery code.
func (s *Handler) secondFactor(w http.ResponseWriter, r *http.Request) {
	if !s.anonymousForm(w, r) {
		return
	}
	step, err := s.pending(r, domain.ChallengeSecondFactor)
	if err != nil {
		s.renderSecondFactor(w, r, http.StatusUnauthorized, nil)
		return
	}
	if !s.allowCode(w, r, step.u) {
		s.renderSecondFactor(w, r, http.StatusTooManyRequests, map[string]string{"_": "Too many wrong codes. Wait a minute, then try again."})
		return
	}
	recovery, err := s.twoFactor.Verify(r.Context(), step.u.ID, r.PostFormValue("code"))
	if err != nil {
		s.codeFailed(w, r, step, err, s.renderSecondFactor)
		return
	}
	if !s.usePending(w, r, step) {
		return
	}
	how := "totp"
	if recovery {
		how = "recovery code"
	}
	s.finishSignIn(w, r, step.u, step.data.Next, how)
}

// allowCode applies the code limiter (per account, and per address).
func (s *Handler) allowCode(w http.ResponseWriter, r *http.Request, u *domain.User) bool {
	ok, wait := s.codes.Allow(codeKey(u), httpx.ClientAddr(r))
	if !ok {
		s.log.Warn("second factor rate limited", "ip", httpx.ClientIP(r), "user", u.ID)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
	}
	return ok
}

func codeKey(u *domain.User) string { return "user:" + strconv.FormatInt(u.ID, 10) }

// codeFailed counts a wrong code against the limiter and the pending step
// (which ends after domain.MaxCodeFailures) and answers.
func (s *Handler) codeFailed(w http.ResponseWriter, r *http.Request, step *pendingStep, err error,
	again func(http.ResponseWriter, *http.Request, int, map[string]string)) {
	if domain.ErrorCode(err) != domain.EInvalid {
		s.pageError(w, r, err)
		return
	}
	s.codes.Failed(codeKey(step.u), httpx.ClientAddr(r))
	alive, derr := s.db.ChallengeFailed(r.Context(), step.c.ID, domain.MaxCodeFailures)
	if derr != nil {
		s.pageError(w, r, derr)
		return
	}
	if !alive {
		s.log.Warn("second factor: too many wrong codes", "user", step.u.ID)
		s.clearPending(w)
	}
	again(w, r, http.StatusUnprocessableEntity, domain.ErrorFields(err))
}

// usePending ends the pending step once; a second request racing with the
// same step loses.
func (s *Handler) usePending(w http.ResponseWriter, r *http.Request, step *pendingStep) bool {
	gone, err := s.db.DeleteChallenge(r.Context(), step.c.ID)
	if err != nil {
		s.pageError(w, r, err)
		return false
	}
	s.clearPending(w)
	if !gone {
		s.renderSecondFactor(w, r, http.StatusUnauthorized, nil)
		return false
	}
	s.codes.Succeeded(codeKey(step.u), httpx.ClientAddr(r))
	return true
}
