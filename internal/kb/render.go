// Package kb renders knowledge-base articles: Markdown to sanitized HTML for
// pages, and to plain text for search and snippets.
package kb

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Renderer turns article Markdown into safe HTML. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strip  *bluemonday.Policy
}

// NewRenderer builds the Markdown parser and the sanitizing policies.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	// Articles are written by agents but shown to the public: treat them as
	// user content. The UGC policy keeps formatting, links and images and
	// drops scripts, styles, event handlers and javascript: URLs.
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{md: md, policy: p, strip: bluemonday.StrictPolicy()}
}

// HTML renders Markdown to sanitized HTML.
func (r *Renderer) HTML(markdown string) string {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(markdown), &buf); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		return "<p>" + html.EscapeString(markdown) + "</p>"
	}
	return r.policy.Sanitize(buf.String())
}

// blockEnd puts a space where block elements end so words of adjacent
// paragraphs, list items and cells do not run together in plain text.
var blockEnd = regexp.MustCompile(`(?i)</(p|h[1-6]|li|td|th|pre|blockquote|tr)>|<br\s*/?>`)

// Text renders Markdown to plain text: what a reader sees, without markup.
func (r *Renderer) Text(markdown string) string {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(markdown), &buf); err != nil {
		return markdown
	}
	s := blockEnd.ReplaceAllString(buf.String(), "$0 ")
	s = html.UnescapeString(r.strip.Sanitize(s))
	return strings.Join(strings.Fields(s), " ")
}
