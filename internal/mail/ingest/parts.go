package ingest

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// AttachedMessage summarises a message/rfc822 part (a forwarded mail, a
// digest entry) so agents can read it without downloading the .eml.
type AttachedMessage struct {
	Subject string `json:"subject"`
	From    string `json:"from"`
	Text    string `json:"text"`
}

// maxAttachedText bounds the text kept per attached message.
const maxAttachedText = 20_000

// trustingParser keeps the declared charset: used again when detection
// overrode a declared UTF-8 label.
var trustingParser = enmime.NewParser(enmime.SkipMalformedParts(true), enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy), enmime.StripMediaTypeInvalidCharacters(true),
	enmime.DisableCharacterDetection(true))

// utf8Overridden lists the text parts declared UTF-8 that charset detection
// decoded as something else.
func utf8Overridden(root *enmime.Part) []string {
	var ids []string
	for _, p := range root.DepthMatchAll(func(p *enmime.Part) bool { return isUTF8(p.OrigCharset) && !isUTF8(p.Charset) }) {
		ids = append(ids, p.PartID)
	}
	return ids
}

func isUTF8(cs string) bool {
	cs = strings.ToLower(cs)
	return cs == "utf-8" || cs == "utf8"
}

// trustDeclaredUTF8 parses again without detection when a declared UTF-8
// label was overridden, and keeps that reading when every such part is
// valid UTF-8: a correct label beats a statistical guess.
func trustDeclaredUTF8(ctx context.Context, raw []byte, env *enmime.Envelope) *enmime.Envelope {
	ids := utf8Overridden(env.Root)
	if len(ids) == 0 {
		return env
	}
	type result struct{ env *enmime.Envelope }
	done := make(chan result, 1)
	go func() {
		e, err := trustingParser.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			e = nil
		}
		done <- result{e}
	}()
	var alt *enmime.Envelope
	select {
	case r := <-done:
		alt = r.env
	case <-ctx.Done():
	}
	if alt == nil {
		return env
	}
	for _, id := range ids {
		p := alt.Root.DepthMatchFirst(func(p *enmime.Part) bool { return p.PartID == id })
		if p == nil || !utf8.Valid(p.Content) {
			return env
		}
	}
	return alt
}

// isMessagePart reports parts that hold a whole email: message/rfc822, or
// a part without headers inside multipart/digest (its default type).
func isMessagePart(p *enmime.Part) bool {
	ct := strings.ToLower(p.ContentType)
	if ct == "message/rfc822" || ct == "message/global" {
		return true
	}
	return ct == "" && p.Parent != nil && strings.EqualFold(p.Parent.ContentType, "multipart/digest")
}

// headerless reports a part that came without any MIME header: RFC 2046
// makes it text/plain, enmime leaves it unclassified.
func headerless(p *enmime.Part) bool {
	return p.ContentType == "" && len(p.Header) == 0
}

// addMessagePart stores an attached message: listed as "<subject>.eml"
// with its bytes, and summarised (subject, sender, text) for the page.
func (m *Message) addMessagePart(ctx context.Context, p *enmime.Part, lim Limits) {
	am := attachedMessage(ctx, p.Content, lim)
	m.Attachments = append(m.Attachments, Attachment{Name: emlName(am.Subject), ContentType: "message/rfc822",
		Size: len(p.Content), Message: &am})
	m.AttachmentData = append(m.AttachmentData, p.Content)
}

func attachedMessage(ctx context.Context, raw []byte, lim Limits) AttachedMessage {
	env, err := readEnvelope(ctx, raw, lim)
	if err != nil {
		// Unreadable inside: show what the headers say, keep the bytes.
		am := AttachedMessage{Text: clipBytes(strings.ToValidUTF8(string(raw), "\uFFFD"), maxAttachedText)}
		if h, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
			am.Subject, am.From = h.Header.Get("Subject"), h.Header.Get("From")
		}
		return am
	}
	am := AttachedMessage{Subject: strings.TrimSpace(env.GetHeader("Subject")), From: strings.TrimSpace(env.GetHeader("From"))}
	// enmime fills Text from the HTML when there is no text part.
	am.Text = clipBytes(strings.TrimSpace(strings.ReplaceAll(env.Text, "\r\n", "\n")), maxAttachedText)
	return am
}

// addHeaderlessPart lists a part without headers as a text attachment.
func (m *Message) addHeaderlessPart(p *enmime.Part) {
	m.Attachments = append(m.Attachments, Attachment{Name: "part-" + p.PartID + ".txt", ContentType: "text/plain", Size: len(p.Content)})
	m.AttachmentData = append(m.AttachmentData, p.Content)
}

// emlName makes a download name from a subject.
func emlName(subject string) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.Join(strings.Fields(subject), " "))
	name = clip(strings.Trim(name, ". _"), 100)
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}

// attachedText is the text agents read in the timeline for attached
// messages, each marked with its subject and sender.
func attachedText(atts []Attachment) string {
	var b strings.Builder
	for _, a := range atts {
		if a.Message == nil {
			continue
		}
		fmt.Fprintf(&b, "\n\n---------- Attached message ----------\nFrom: %s\nSubject: %s\n\n%s", a.Message.From, a.Message.Subject, a.Message.Text)
	}
	return strings.TrimSpace(b.String())
}
