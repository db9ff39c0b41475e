package domain

import (
	"encoding/hex"
	"net/url"
	"strings"
)

// Brand is how the installation presents itself: in the workspace, the
// customer portal and outgoing mail alike.
type Brand struct {
	Name    string
	Color   string // #rrggbb, lower case
	LogoURL string // an http(s) URL, or a path on this site (an uploaded logo)
	Footer  string // closing line of outgoing mail; the name when empty
	// SupportEmail and SupportPhone are how customers reach the team; empty
	// when unset or not a valid address or number. SupportDial is the phone
	// number normalized for tel: links.
	SupportEmail string
	SupportPhone string
	SupportDial  string
}

// Defaults for an unbranded installation.
const (
	DefaultBrandName  = "Andon"
	DefaultBrandColor = "#2563eb"
)

// Normalized returns b with values trimmed and anything empty or unsafe
// replaced: the default name and colour, no logo unless it is an http(s)
// URL or a path on this site, no support contact that does not parse.
func (b Brand) Normalized() Brand {
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		b.Name = DefaultBrandName
	}
	b.Color = strings.ToLower(strings.TrimSpace(b.Color))
	if !ValidColor(b.Color) {
		b.Color = DefaultBrandColor
	}
	b.LogoURL = strings.TrimSpace(b.LogoURL)
	if !absoluteHTTP(b.LogoURL) && !sitePath(b.LogoURL) {
		b.LogoURL = ""
	}
	b.Footer = strings.TrimSpace(b.Footer)
	if e, ok := NormalizeEmail(b.SupportEmail); ok {
		b.SupportEmail = e
	} else {
		b.SupportEmail = ""
	}
	b.SupportPhone = strings.TrimSpace(b.SupportPhone)
	if p, ok := NormalizePhone(b.SupportPhone); ok {
		b.SupportDial = p
	} else {
		b.SupportPhone, b.SupportDial = "", ""
	}
	return b
}

// AbsoluteLogoURL returns the logo as an absolute URL, for places outside
// the site (mail): a site path is resolved against base, the site's own
// address. It is "" when there is no logo or a path cannot be resolved.
func (b Brand) AbsoluteLogoURL(base string) string {
	if absoluteHTTP(b.LogoURL) {
		return b.LogoURL
	}
	if !sitePath(b.LogoURL) || !absoluteHTTP(base) {
		return ""
	}
	return strings.TrimRight(base, "/") + b.LogoURL
}

// ValidColor reports whether s is a #rrggbb colour.
func ValidColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := hex.DecodeString(s[1:])
	return err == nil
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// sitePath reports whether s is a path on this site ("/brand/logo?v=1"),
// not a protocol-relative URL to another host ("//evil.test/x").
func sitePath(s string) bool {
	u, err := url.Parse(s)
	return err == nil && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && u.Scheme == "" && u.Host == ""
}
