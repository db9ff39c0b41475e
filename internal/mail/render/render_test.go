package render

import (
	"strings"
	"testing"

	"andon/internal/settings"
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
