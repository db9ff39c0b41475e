package render

import (
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/settings"
	"andon/internal/testutil"
)

func TestRenderEscapesHTMLAndBrands(t *testing.T) {
	b := settings.BrandFrom(map[string]string{"brand.name": "Acme Help", "brand.color": "#123456", "brand.logo_url": "javascript:alert(1)"})
	text, html, err := Render("Hello **there**\n\n<script>alert(1)</script>\n\n- one\n- two", b, "#1042")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<strong>there</strong>", "<li>one</li>", "#123456", "Acme Help", "Ticket #1042"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "javascript:") {
		t.Errorf("html not safe: %s", html)
	}
	if !strings.Contains(text, "Hello **there**") {
		t.Errorf("text = %q", text)
	}
}

func TestEscapedUntrustedTextIsNeverALink(t *testing.T) {
	b := settings.BrandFrom(nil)
	for _, p := range testutil.HostileText {
		for _, tpl := range []string{"Hello %s,\n\nthanks.", "**%s**", "%s replied:\n\n%s", "- %s", "[%s]", "> %s"} {
			md := strings.ReplaceAll(tpl, "%s", domain.EscapeMarkdown(p))
			text, html, err := Render(md, b, "#1")
			if err != nil {
				t.Fatal(err)
			}
			testutil.AssertNoLinks(t, md, html)
			if !strings.Contains(text, p) {
				t.Errorf("text part of %q lacks the payload as written:\n%s", md, text)
			}
		}
	}
	// The same payloads unescaped do make links: the check can fail.
	_, html, _ := Render(strings.Join(testutil.HostileText, "\n\n"), b, "")
	if !strings.Contains(html, "<a href") || !strings.Contains(html, "<img") {
		t.Errorf("unescaped payloads made no link or image: %s", html)
	}
}
