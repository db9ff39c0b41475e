package kb

import (
	"strings"
	"testing"
)

func TestHTMLSanitizes(t *testing.T) {
	r := NewRenderer()
	out := r.HTML("## Steps\n\n<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\">x</a> <img src=\"/a.png\" onerror=\"alert(1)\"> ![shot](/a.png)\n\n[site](https://example.com) **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |")
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(out, bad) {
			t.Errorf("kept %q: %s", bad, out)
		}
	}
	for _, good := range []string{`<h2 id="steps">Steps</h2>`, "<strong>bold</strong>", `href="https://example.com"`, `rel="nofollow noopener"`, "<table>", `<img src="/a.png" alt="shot">`} {
		if !strings.Contains(out, good) {
			t.Errorf("lost %q: %s", good, out)
		}
	}
}

func TestTextIsWhatAReaderSees(t *testing.T) {
	got := NewRenderer().Text("# Title\n\nFirst *para*.\n\n- one\n- two & three\n\n<b>x</b>")
	if got != "Title First para. one two & three x" {
		t.Errorf("text %q", got)
	}
}
