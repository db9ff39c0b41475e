package domain

import "strings"

// EscapeMarkdown makes untrusted text (a sender's name, a subject, a
// customer's message) literal inside a Markdown template: a backslash goes
// before every character that can start a link, image, autolink, reference
// definition, raw HTML, code or emphasis, and before the ':' of "://", the
// '.' inside a word and every '@', so the renderer linkifies no bare URL or
// address. Sentence punctuation is left alone to keep the text readable;
// UnescapeMarkdown undoes it for the plain-text part of a mail.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		next := byte(' ')
		if i+1 < len(s) {
			next = s[i+1]
		}
		switch {
		case strings.IndexByte("\\`*_[]<>!&#~|@", c) >= 0,
			c == ':' && next == '/',
			c == '.' && next != ' ' && next != '\n' && next != '\r' && next != '\t':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// UnescapeMarkdown drops the backslash of each backslash escape (CommonMark:
// a backslash before ASCII punctuation), giving the text a reader sees.
func UnescapeMarkdown(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isMarkdownPunct(s[i+1]) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isMarkdownPunct(c byte) bool {
	return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}
