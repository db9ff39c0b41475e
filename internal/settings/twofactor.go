package settings

import (
	"context"

	"andon/internal/domain"
)

// TwoFactorRoles is the key of the roles that must sign in with a second
// factor ("admin,agent"; empty: none).
const TwoFactorRoles = "twofactor.required_roles"

// RequiredTwoFactor reads which roles must use two-factor sign-in.
func RequiredTwoFactor(ctx context.Context, src Source) (map[domain.Role]bool, error) {
	m, err := src.Settings(ctx, TwoFactorRoles)
	if err != nil {
		return nil, err
	}
	return domain.RequiredRoles(m[TwoFactorRoles]), nil
}
