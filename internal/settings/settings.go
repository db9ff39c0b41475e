// Package settings reads typed installation settings from the store's
// key/value table, with one set of defaults for every reader. The rules for
// each value (defaults, what is safe) live in domain; this package only
// knows the keys.
package settings

import (
	"context"

	"andon/internal/domain"
)

// Keys of the branding settings.
const (
	BrandPrefix  = "brand."
	BrandName    = "brand.name"
	BrandColor   = "brand.color"
	BrandLogoURL = "brand.logo_url"
	BrandFooter  = "brand.footer"
	SupportEmail = "brand.support_email"
	SupportPhone = "brand.support_phone"
)

// Source is where settings are kept: *store.DB. An interface so store itself
// can read through this package without an import cycle.
type Source interface {
	Settings(ctx context.Context, prefix string) (map[string]string, error)
}

// Brand reads the branding settings in one query. On error it returns the
// defaults together with the error, so a caller may still render.
func Brand(ctx context.Context, src Source) (domain.Brand, error) {
	m, err := src.Settings(ctx, BrandPrefix)
	if err != nil {
		return BrandFrom(nil), err
	}
	return BrandFrom(m), nil
}

// BrandFrom builds the brand from settings already read (keys with their
// "brand." prefix).
func BrandFrom(m map[string]string) domain.Brand {
	return domain.Brand{
		Name: m[BrandName], Color: m[BrandColor], LogoURL: m[BrandLogoURL], Footer: m[BrandFooter],
		SupportEmail: m[SupportEmail], SupportPhone: m[SupportPhone],
	}.Normalized()
}
