// Package render turns the markdown an agent wrote into the two parts of an
// email: plain text and branded HTML.
package render

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"

	"andon/internal/domain"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Brand is how outgoing mail looks, from the brand.* settings.
type Brand struct {
	Name    string // brand.name
	Color   string // brand.color, a #rrggbb accent
	LogoURL string // brand.logo_url, absolute
	Footer  string // brand.footer
}

// BrandFrom reads the brand from settings, with safe defaults.
func BrandFrom(settings map[string]string) Brand {
	b := Brand{Name: settings["brand.name"], Color: settings["brand.color"], LogoURL: settings["brand.logo_url"], Footer: settings["brand.footer"]}
	if b.Name == "" {
		b.Name = "Support"
	}
	if !colorRe.MatchString(b.Color) {
		b.Color = "#b91c1c"
	}
	if !strings.HasPrefix(b.LogoURL, "https://") && !strings.HasPrefix(b.LogoURL, "http://") {
		b.LogoURL = ""
	}
	return b
}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// md renders markdown without raw HTML: agents write text, not markup.
var md = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table))

var page = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:6px;border-top:4px solid {{.Brand.Color}}">
<tr><td style="padding:20px 24px 0 24px">{{if .Brand.LogoURL}}<img src="{{.Brand.LogoURL}}" alt="{{.Brand.Name}}" height="32" style="height:32px">{{else}}<strong style="color:{{.Brand.Color}};font-size:18px">{{.Brand.Name}}</strong>{{end}}</td></tr>
<tr><td style="padding:16px 24px;font-size:15px;line-height:1.5">{{.Body}}</td></tr>
<tr><td style="padding:12px 24px 20px 24px;font-size:12px;color:#71717a;border-top:1px solid #e4e4e7">{{if .Ref}}Ticket {{.Ref}} · {{end}}{{if .Brand.Footer}}{{.Brand.Footer}}{{else}}{{.Brand.Name}}{{end}}</td></tr>
</table></td></tr></table></body></html>`))

// Render returns the text and HTML parts for markdown body. ref is the
// ticket reference shown in the footer ("#1042"), may be empty.
func Render(markdown string, b Brand, ref string) (text, html string, err error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(markdown), &buf); err != nil {
		return "", "", err
	}
	var out bytes.Buffer
	err = page.Execute(&out, struct {
		Brand Brand
		Body  template.HTML
		Ref   string
	}{b, template.HTML(buf.String()), ref}) // goldmark escapes raw HTML by default (no WithUnsafe)
	if err != nil {
		return "", "", err
	}
	// Untrusted text arrives backslash-escaped (domain.EscapeMarkdown); the
	// plain part shows it as written.
	text = domain.UnescapeMarkdown(strings.TrimSpace(markdown)) + "\n"
	if b.Footer != "" {
		text += "\n-- \n" + b.Footer + "\n"
	}
	return text, out.String(), nil
}
