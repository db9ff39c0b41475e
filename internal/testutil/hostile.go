package testutil

import (
	"regexp"
	"testing"
)

// HostileText is untrusted text that must never become a link, an image or
// markup in a mail we send: Markdown links and images, autolinks, bare URLs
// and addresses (the renderer linkifies), raw HTML, javascript: links and
// reference-style links.
var HostileText = []string{
	"[Claim your refund](https://evil.test/refund)",
	"![x](http://evil.test/pixel.png)",
	"<https://evil.test/auto>",
	"<victim@evil.test>",
	"https://evil.test/bare and www.evil.test and ftp://evil.test/f",
	"mail me: boss@evil.test",
	`<a href="https://evil.test/html">click</a>`,
	`<img src="http://evil.test/img.png">`,
	"<script>alert(1)</script>",
	"[click](javascript:alert(1))",
	"[x][1]\n\n[1]: http://evil.test/ref",
	"[x]\n\n[x]: http://evil.test/ref2",
	"**bold** _em_ `code` # heading",
}

var linkish = regexp.MustCompile(`(?i)<a[\s>]|<img[\s>]|<script|\shref="|\ssrc="`)

// AssertNoLinks fails when html (a mail's HTML part, rendered without a
// logo) has a link, an image or a script.
func AssertNoLinks(t testing.TB, what, html string) {
	t.Helper()
	if m := linkish.FindString(html); m != "" {
		t.Errorf("%s: HTML part has %q:\n%s", what, m, html)
	}
}
