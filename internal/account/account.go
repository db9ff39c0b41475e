// Package account changes and resets agents' passwords: the rules of
// domain.ValidatePassword, argon2id hashes, and sessions ended on change.
// The HTTP layer calls it; it speaks only in domain errors.
package account

import (
	"context"
	"fmt"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/settings"
	"andon/internal/store"
)

// Service changes and resets passwords.
type Service struct {
	DB *store.DB
	// ResetLink turns a reset token into the URL mailed to the agent,
	// e.g. BaseURL + "/password/reset/" + token.
	ResetLink func(token string) string
	// Brand names the product in the reset mail; when empty, the brand
	// name an admin set (settings), itself "Andon" by default.
	Brand string
}

// ChangePassword sets a new password for a signed-in user who proves the
// current one. Every other session of the user ends; keepSessionID (the
// caller's) stays. Errors: EInvalid on "current_password" or "password".
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, keepSessionID string) error {
	u, err := s.DB.User(ctx, userID)
	if err != nil {
		return err
	}
	hash, err := s.DB.UserPasswordHash(ctx, userID)
	if err != nil {
		return err
	}
	if !auth.CheckPassword(hash, current) {
		return &domain.Error{Code: domain.EInvalid, Message: "current password is wrong",
			Fields: map[string]string{"current_password": "This is not your current password."}}
	}
	if err := domain.ValidatePassword(next, u.Email, u.Name); err != nil {
		return err
	}
	if current == next {
		return &domain.Error{Code: domain.EInvalid, Message: "same password",
			Fields: map[string]string{"password": "Use a password different from the current one."}}
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.SetPasswordKeepSession(ctx, userID, newHash, keepSessionID)
}

// RequestReset mails a single-use reset link (valid store.PasswordResetTTL)
// to the account with this email, through the outbox. It returns nil
// whether or not such an account exists, so the answer reveals nothing;
// only a failure of the system is an error.
func (s *Service) RequestReset(ctx context.Context, email string) error {
	token, err := auth.NewToken("")
	if err != nil {
		return err
	}
	link := s.ResetLink(token)
	brand := s.Brand
	if brand == "" {
		b, err := settings.Brand(ctx, s.DB)
		if err != nil {
			return err
		}
		brand = b.Name
	}
	return s.DB.CreatePasswordReset(ctx, email, auth.HashToken(token), func(u *domain.User) (string, string) {
		mins := int(store.PasswordResetTTL.Minutes())
		body := fmt.Sprintf("Hello %s,\n\nsomeone (we hope you) asked to reset your %s password. Choose a new one here; the link works once, for %d minutes:\n\n%s\n\n"+
			"If you did not ask, ignore this mail: your password stays as it is.", domain.EscapeMarkdown(u.Name), domain.EscapeMarkdown(brand), mins, "<"+link+">")
		return "Reset your " + brand + " password", body
	})
}

// ResetUser is the account a reset token is for, to greet it on the reset
// page; ENotFound when the link is invalid, used or expired.
func (s *Service) ResetUser(ctx context.Context, token string) (*domain.User, error) {
	return s.DB.PasswordResetUser(ctx, auth.HashToken(token))
}

// ResetPassword sets a new password through a reset token, once. Every
// session of the account ends (sign in afresh). Errors: ENotFound for a
// dead link, EInvalid on "password".
func (s *Service) ResetPassword(ctx context.Context, token, next string) (*domain.User, error) {
	hash := auth.HashToken(token)
	u, err := s.DB.PasswordResetUser(ctx, hash)
	if err != nil {
		return nil, err
	}
	if err := domain.ValidatePassword(next, u.Email, u.Name); err != nil {
		return nil, err
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return nil, err
	}
	return s.DB.UsePasswordReset(ctx, hash, newHash)
}
