package workspace

import (
	"strings"
	"unicode/utf8"

	"andon/internal/domain"
)

// Attached messages on the ticket page: each message/rfc822 part of an
// inbound email (forwarded mail, digest entries) becomes a card, and other
// attachments are listed for download.

// attachedView is what the "entry-attached" partial shows under an entry.
// It rides in the page's copy of the entry's Meta (key metaAttachedView).
type attachedView struct {
	EntryID  int64
	Messages []attachedCard
	Files    []attachedFile
}

// attachedCard is one attached message. Index is its place in
// meta.email.attachments, which the download route takes.
type attachedCard struct {
	Index               int
	Name, Subject, From string
	Excerpt, Text       string
	More                bool // Text goes on after the excerpt
}

type attachedFile struct {
	Index             int
	Name, ContentType string
}

const (
	metaAttachedView = "andon_mail_attached"
	attachedMarker   = "---------- Attached message ----------"
	excerptLines     = 4
	excerptRunes     = 320
)

// addAttachedViews hangs the attachment cards on the inbound email entries
// of the page's timeline. Each card shows its message's text, so the copy
// of that text ingest appended to the body is cut from the page's body.
func addAttachedViews(t *domain.Ticket) {
	for i := range t.Timeline {
		e := &t.Timeline[i]
		if e.Channel != domain.ChannelEmail || e.Direction != domain.Inbound || e.Kind != domain.EntryMessage {
			continue
		}
		em, _ := e.Meta["email"].(map[string]any)
		list, _ := em["attachments"].([]any)
		v := &attachedView{EntryID: e.ID}
		for n, item := range list {
			a, _ := item.(map[string]any)
			name, _ := a["name"].(string)
			if m, ok := a["message"].(map[string]any); ok {
				v.Messages = append(v.Messages, newAttachedCard(n, name, m))
				continue
			}
			if inline, _ := a["inline"].(bool); inline {
				continue // shown in the HTML of the message
			}
			ct, _ := a["content_type"].(string)
			v.Files = append(v.Files, attachedFile{Index: n, Name: name, ContentType: ct})
		}
		if len(v.Messages) == 0 && len(v.Files) == 0 {
			continue
		}
		e.Body = cutAttachedText(e.Body, len(v.Messages))
		e.Meta[metaAttachedView] = v
	}
}

func newAttachedCard(n int, name string, m map[string]any) attachedCard {
	c := attachedCard{Index: n, Name: name}
	c.Subject, _ = m["subject"].(string)
	c.From, _ = m["from"].(string)
	c.Text, _ = m["text"].(string)
	c.Text = strings.TrimSpace(c.Text)
	c.Excerpt, c.More = excerpt(c.Text)
	return c
}

// excerpt is the first few lines of a text, at most excerptRunes runes,
// and whether the text goes on.
func excerpt(s string) (string, bool) {
	lines := strings.SplitAfterN(s, "\n", excerptLines+1)
	more := len(lines) > excerptLines
	if more {
		lines = lines[:excerptLines]
	}
	out := strings.TrimSpace(strings.Join(lines, ""))
	if utf8.RuneCountInString(out) > excerptRunes {
		out, more = strings.TrimSpace(string([]rune(out)[:excerptRunes]))+"…", true
	}
	return out, more
}

// cutAttachedText removes the last n attached-message sections from a
// body; earlier markers (the customer's own text) stay.
func cutAttachedText(body string, n int) string {
	if n == 0 {
		return body
	}
	var at []int
	for off := 0; ; {
		i := strings.Index(body[off:], attachedMarker)
		if i < 0 {
			break
		}
		at = append(at, off+i)
		off += i + len(attachedMarker)
	}
	if len(at) == 0 {
		return body
	}
	return strings.TrimSpace(body[:at[max(0, len(at)-n)]])
}
