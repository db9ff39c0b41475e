package web

import (
	"html/template"
	"net/url"

	"andon/internal/domain"
)

// PortalPage is what every customer portal template (portal_*.html, framed
// by "portal_layout") receives. It carries no agent data.
type PortalPage struct {
	Title    string
	Brand    domain.Brand
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

// SupportOf returns the ways to reach the team that the brand carries.
func SupportOf(b domain.Brand) Support {
	s := Support{ChatURL: "/help#chat", Email: b.SupportEmail, Phone: b.SupportPhone}
	if b.SupportDial != "" {
		s.PhoneTo = template.URL("tel:" + b.SupportDial)
	}
	return s
}
