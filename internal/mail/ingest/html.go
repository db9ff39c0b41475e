package ingest

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// maxHTML bounds the sanitized HTML kept on an entry; the full message stays
// in the raw store.
const maxHTML = 512 << 10

var (
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https", "mailto", "cid")
		p.AllowAttrs("data-src").OnElements("img")
		p.AllowStyling()
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
	remoteImg = regexp.MustCompile(`(?i)(<img\b[^>]*?\s)src=("https?://[^"]*"|'https?://[^']*')`)
)

// SanitizeHTML makes customer HTML safe to show: no scripts, no event
// handlers, and remote images parked in data-src so they load only when the
// agent agrees. cid: images keep working.
func SanitizeHTML(s string) string {
	out := policy.Sanitize(s)
	out = remoteImg.ReplaceAllString(out, `${1}data-src=${2}`)
	if len(out) > maxHTML {
		out = out[:maxHTML]
		if i := strings.LastIndexByte(out, '<'); i > 0 {
			out = out[:i]
		}
	}
	return out
}
