// Package render turns the markdown an agent wrote into the two parts of an
// email: plain text and branded HTML.
package render

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"andon/internal/domain"
)

// md renders markdown without raw HTML: agents write text, not markup.
var md = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table))

var page = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:6px;border-top:4px solid {{.Brand.Color}}">
<tr><td style="padding:20px 24px 0 24px">{{if .Logo}}<img src="{{.Logo}}" alt="{{.Brand.Name}}" height="32" style="height:32px">{{else}}<strong style="color:{{.Brand.Color}};font-size:18px">{{.Brand.Name}}</strong>{{end}}</td></tr>
<tr><td style="padding:16px 24px;font-size:15px;line-height:1.5">{{.Body}}</td></tr>
<tr><td style="padding:12px 24px 20px 24px;font-size:12px;color:#71717a;border-top:1px solid #e4e4e7">{{if .Ref}}Ticket {{.Ref}} · {{end}}{{if .Brand.Footer}}{{.Brand.Footer}}{{else}}{{.Brand.Name}}{{end}}</td></tr>
</table></td></tr></table></body></html>`))

// Render returns the text and HTML parts for markdown body. ref is the
// ticket reference shown in the footer ("#1042"), may be empty. The logo is
// shown only when it is an absolute URL (see domain.Brand.AbsoluteLogoURL):
// a mail client cannot resolve a path on the site.
func Render(markdown string, b domain.Brand, ref string) (text, html string, err error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(markdown), &buf); err != nil {
		return "", "", err
	}
	var out bytes.Buffer
	err = page.Execute(&out, struct {
		Brand domain.Brand
		Logo  string
		Body  template.HTML
		Ref   string
	}{b, b.AbsoluteLogoURL(""), template.HTML(buf.String()), ref}) // goldmark escapes raw HTML by default (no WithUnsafe)
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
