package web

import (
	"html/template"
	"net/url"
	"strings"

	"andon/internal/domain"
)

// PortalPage is what every customer portal template (portal_*.html, framed
// by "portal_layout") receives. It carries no agent data.
type PortalPage struct {
	Title    string
	Brand    Brand
	Support  Support
	Customer *domain.Contact // nil when not signed in
	CSRF     string
	Flash    string
	Errors   map[string]string
	Form     url.Values
	Query    string
	Data     any
}

// Err returns the error text for a form field, or "".
func (p *PortalPage) Err(field string) string { return p.Errors[field] }

// Value returns the submitted value of a form field, or "".
func (p *PortalPage) Value(field string) string { return p.Form.Get(field) }

// Support is every way to reach the team, from the "brand." settings.
type Support struct {
	Email   string
	Phone   string       // as the admin wrote it
	PhoneTo template.URL // "tel:+digits", built from the normalized number
	ChatURL string       // where "start a live chat" leads
}

// SupportFrom reads brand.support_email and brand.support_phone, dropping
// values that are not a valid address or number.
func SupportFrom(settings map[string]string) Support {
	s := Support{ChatURL: "/help#chat"}
	if e, ok := domain.NormalizeEmail(settings["brand.support_email"]); ok {
		s.Email = e
	}
	phone := strings.TrimSpace(settings["brand.support_phone"])
	if p, ok := domain.NormalizePhone(phone); ok {
		s.Phone, s.PhoneTo = phone, template.URL("tel:"+p)
	}
	return s
}
