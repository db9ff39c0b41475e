package ingest

import (
	"regexp"
	"strings"
)

var (
	// "On Tue, 3 Mar 2026 at 10:00, Ann <ann@x> wrote:" and localized kin;
	// the attribution may wrap over two lines.
	wroteRe    = regexp.MustCompile(`(?i)^(on|am|le|el|il|op|den)\s.{0,200}(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev)\s*:\s*$`)
	headerRe   = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}`)
	outlookRe  = regexp.MustCompile(`(?i)^(from|von|de):\s.+$`)
	mobileSigs = regexp.MustCompile(`(?i)^(sent from my \w+|envoyé de mon \w+|von meinem \w+ gesendet)`)
)

// StripQuoted returns the new part of a reply: the text above the quoted
// history and the signature. When stripping would leave nothing, the full
// text is returned.
func StripQuoted(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	cut := len(lines)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		joined := t
		if i+1 < len(lines) {
			joined = t + " " + strings.TrimSpace(lines[i+1])
		}
		switch {
		case l == "-- " || t == "--" && i > 0:
			cut = i
		case headerRe.MatchString(t), mobileSigs.MatchString(t):
			cut = i
		case wroteRe.MatchString(t) || (strings.HasPrefix(strings.ToLower(t), "on ") && wroteRe.MatchString(joined)):
			cut = i
		case outlookRe.MatchString(t) && i+1 < len(lines) && strings.Contains(strings.ToLower(strings.Join(lines[i+1:min(i+4, len(lines))], " ")), "sent:"):
			cut = i
		case strings.HasPrefix(t, ">") && allQuoted(lines[i:]):
			cut = i
		}
		if cut != len(lines) {
			break
		}
	}
	out := strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

// allQuoted reports whether the rest is quoted or blank lines.
func allQuoted(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, ">") {
			return false
		}
	}
	return true
}
