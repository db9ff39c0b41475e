package account

import (
	"context"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
)

// Sealer encrypts secrets at rest (mail.Box: AES-GCM under the
// installation's secret key).
type Sealer interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// TwoFactor enrols, checks and removes TOTP authenticator apps and their
// recovery codes. Secrets are sealed before they reach the store.
type TwoFactor struct {
	DB  *store.DB
	Box Sealer
}

// TOTPSetup is what a person needs to add the account to an app.
type TOTPSetup struct {
	Secret string // base32, to type by hand
	URL    string // otpauth:// URL, for the QR code
}

// BeginTOTP makes a new, unconfirmed secret for u; issuer names the
// installation in the app.
func (t *TwoFactor) BeginTOTP(ctx context.Context, u *domain.User, issuer string) (*TOTPSetup, error) {
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	sealed, err := t.Box.Seal(secret)
	if err != nil {
		return nil, err
	}
	if err := t.DB.BeginTOTP(ctx, u.ID, sealed); err != nil {
		return nil, err
	}
	return t.setup(secret, issuer, u)
}

// PendingTOTP is the unconfirmed secret of u (to show the QR code again);
// ENotFound when there is none, EConflict when it is already confirmed.
func (t *TwoFactor) PendingTOTP(ctx context.Context, u *domain.User, issuer string) (*TOTPSetup, error) {
	sealed, confirmed, err := t.DB.TOTPSecret(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if confirmed {
		return nil, domain.Errorf(domain.EConflict, "An authenticator app is already set up.")
	}
	secret, err := t.Box.Open(sealed)
	if err != nil {
		return nil, err
	}
	return t.setup(secret, issuer, u)
}

func (t *TwoFactor) setup(secret, issuer string, u *domain.User) (*TOTPSetup, error) {
	url, err := auth.TOTPKey(secret, issuer, u.Email)
	if err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: secret, URL: url}, nil
}

// ConfirmTOTP checks the first code of the pending secret and, when right,
// confirms it and returns the recovery codes (shown once; only their
// hashes are kept). A wrong code is domain.ErrCodeRefused.
func (t *TwoFactor) ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	sealed, confirmed, err := t.DB.TOTPSecret(ctx, userID)
	if err != nil {
		return nil, err
	}
	if confirmed {
		return nil, domain.Errorf(domain.EConflict, "An authenticator app is already set up.")
	}
	secret, err := t.Box.Open(sealed)
	if err != nil {
		return nil, err
	}
	step, ok := auth.MatchTOTP(secret, code, t.DB.Now())
	if !ok {
		return nil, domain.ErrCodeRefused()
	}
	codes, hashes, err := auth.NewRecoveryCodes(domain.RecoveryCodeCount)
	if err != nil {
		return nil, err
	}
	return codes, t.DB.ConfirmTOTP(ctx, userID, step, hashes)
}

// Verify checks a code typed at sign-in: six digits are a TOTP code (each
// time step works once), anything else a recovery code (each works once).
// It reports whether a recovery code was spent. Wrong, expired and reused
// codes are all domain.ErrCodeRefused.
func (t *TwoFactor) Verify(ctx context.Context, userID int64, code string) (recovery bool, err error) {
	if !auth.LooksLikeTOTP(code) {
		if len(code) > 64 {
			return true, domain.ErrCodeRefused()
		}
		return true, t.DB.UseRecoveryCode(ctx, userID, auth.HashRecoveryCode(code))
	}
	sealed, confirmed, err := t.DB.TOTPSecret(ctx, userID)
	if domain.IsNotFound(err) || err == nil && !confirmed {
		return false, domain.ErrCodeRefused()
	}
	if err != nil {
		return false, err
	}
	secret, err := t.Box.Open(sealed)
	if err != nil {
		return false, err
	}
	step, ok := auth.MatchTOTP(secret, code, t.DB.Now())
	if !ok {
		return false, domain.ErrCodeRefused()
	}
	return false, t.DB.UseTOTPStep(ctx, userID, step)
}

// NewRecoveryCodes replaces the user's recovery codes; the old ones stop
// working.
func (t *TwoFactor) NewRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	codes, hashes, err := auth.NewRecoveryCodes(domain.RecoveryCodeCount)
	if err != nil {
		return nil, err
	}
	return codes, t.DB.ReplaceRecoveryCodes(ctx, userID, hashes)
}
