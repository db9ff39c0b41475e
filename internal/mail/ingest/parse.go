// Package ingest turns one raw RFC 5322 message into a ticket entry: parse
// (enmime), find the ticket (References, In-Reply-To, [#N] in the subject),
// match the customer, and store entry + raw message in one transaction.
// Every receiving path (SMTP, IMAP, HTTP) goes through Ingester.Ingest.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/dsn"

	"andon/internal/domain"
)

// Message is what ingestion needs from a parsed email.
type Message struct {
	MessageID   string   // with angle brackets
	InReplyTo   []string // Message-IDs
	References  []string
	From        string // normalized address
	FromName    string
	To, Cc      []string
	Subject     string
	Text        string // full plain text (from HTML when there is no text part)
	HTML        string // sanitized
	Attachments []Attachment
	// AttachmentData holds the decoded bytes of Attachments, same order.
	AttachmentData [][]byte
	// Loop protection: true for auto-replies, lists, bulk, daemons.
	Automated bool
	// AutoReply is an out-of-office or similar answer: shown on the
	// ticket, but it changes no status and gets no acknowledgement.
	AutoReply bool
	// Bounce is set for delivery status notifications; BounceOf holds the
	// Message-IDs of the mail that bounced.
	Bounce      bool
	BounceOf    []string
	BounceError string
}

// Attachment describes one attached or inline part; the bytes stay in the
// raw message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	// Message summarises an attached email (content type message/rfc822).
	Message *AttachedMessage `json:"message,omitempty"`
}

var msgIDRe = regexp.MustCompile(`<[^<>\s]+@[^<>\s]+>`)

// MessageIDs extracts every <id@host> from a header value.
// Ids that could not be stored (invalid UTF-8, NUL, absurd length) are left out.
func MessageIDs(v string) []string {
	var out []string
	for _, id := range msgIDRe.FindAllString(v, 50) {
		if len(id) <= 500 && utf8.ValidString(id) && !strings.ContainsRune(id, 0) {
			out = append(out, id)
		}
	}
	return out
}

// ErrUnparseable marks mail that goes to the failed list.
var ErrUnparseable = errors.New("unparseable message")

var parser = enmime.NewParser(enmime.SkipMalformedParts(true), enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy), enmime.StripMediaTypeInvalidCharacters(true))

// Parse reads a raw message under DefaultLimits.
func Parse(raw []byte) (*Message, error) {
	return ParseLimited(raw, DefaultLimits())
}

// ParseLimited reads a raw message. Mail without a usable sender is
// unparseable: there is nobody to attach it to. Mail over a limit is
// ErrLimit (and ErrUnparseable).
func ParseLimited(raw []byte, lim Limits) (*Message, error) {
	lim = lim.orDefault()
	ctx, cancel := context.WithTimeout(context.Background(), lim.deadline(len(raw)))
	defer cancel()
	env, err := readEnvelope(ctx, raw, lim)
	if err != nil {
		return nil, err
	}
	env = trustDeclaredUTF8(ctx, raw, env)
	m := &Message{Subject: strings.TrimSpace(env.GetHeader("Subject"))}
	from, err := env.AddressList("From")
	if err != nil || len(from) == 0 {
		// Sender header broken: try the envelope sender the MTA recorded.
		from, _ = mail.ParseAddressList(env.GetHeader("Return-Path"))
	}
	for _, a := range from {
		if e, ok := domain.NormalizeEmail(a.Address); ok {
			m.From, m.FromName = e, strings.TrimSpace(a.Name)
			break
		}
	}
	if m.From == "" {
		return nil, fmt.Errorf("%w: no valid From address", ErrUnparseable)
	}
	m.To = addrs(env, "To")
	m.Cc = addrs(env, "Cc")
	m.MessageID = firstOr(MessageIDs(env.GetHeader("Message-Id")), "")
	if m.MessageID == "" {
		// No Message-ID: derive one from the bytes, so the same mail fetched
		// twice still deduplicates.
		sum := sha256.Sum256(raw)
		m.MessageID = "<" + hex.EncodeToString(sum[:16]) + "@andon.generated>"
	}
	m.InReplyTo = MessageIDs(env.GetHeader("In-Reply-To"))
	m.References = MessageIDs(env.GetHeader("References"))
	m.Text = strings.ReplaceAll(env.Text, "\r\n", "\n")
	if env.HTML != "" {
		m.HTML = SanitizeHTML(env.HTML)
	}
	m.addParts(ctx, env, lim)
	m.Automated = automated(env, m.From)
	m.AutoReply = autoReply(env, m.Subject)
	m.Automated = m.Automated || m.AutoReply
	m.readBounce(env)
	m.clean()
	return m, nil
}

// readBounce recognises delivery status notifications and finds the
// Message-ID of the mail that bounced: in the returned message
// (message/rfc822) or in its headers alone (text/rfc822-headers, RFC 6522).
func (m *Message) readBounce(env *enmime.Envelope) {
	rep, err := dsn.ParseReport(env.Root)
	if err != nil || rep == nil {
		if isDaemon(m.From) && len(m.InReplyTo)+len(m.References) > 0 {
			m.Bounce = true // non-standard bounce that still threads by headers
		}
		return
	}
	m.Bounce, m.Automated = true, true
	orig := rep.OriginalMessage
	if len(orig) == 0 {
		if p := env.Root.BreadthMatchFirst(func(p *enmime.Part) bool {
			ct := strings.ToLower(p.ContentType)
			return ct == "text/rfc822-headers" || ct == "message/global-headers"
		}); p != nil {
			orig = p.Content
		}
	}
	if len(orig) > 0 {
		if h, err := mail.ReadMessage(bytes.NewReader(append(orig, '\n', '\n'))); err == nil {
			m.BounceOf = MessageIDs(h.Header.Get("Message-Id"))
		}
		if len(m.BounceOf) == 0 {
			m.BounceOf = MessageIDs(headerBlock(orig, "Message-Id"))
		}
	}
	for _, r := range rep.DeliveryStatus.RecipientDSNs {
		if s := r.Get("Diagnostic-Code"); s != "" {
			m.BounceError = s
		}
	}
	if m.Text == "" {
		m.Text = rep.Explanation.Text
	}
}

// clean makes every text field storable on both engines: valid UTF-8 and
// no NUL bytes (PostgreSQL TEXT rejects both).
func (m *Message) clean() {
	for _, p := range []*string{&m.FromName, &m.Subject, &m.Text, &m.HTML, &m.BounceError} {
		*p = cleanText(*p)
	}
	for i := range m.Attachments {
		m.Attachments[i].Name = cleanText(m.Attachments[i].Name)
		m.Attachments[i].ContentID = cleanText(m.Attachments[i].ContentID)
		m.Attachments[i].ContentType = cleanText(m.Attachments[i].ContentType)
		if am := m.Attachments[i].Message; am != nil {
			am.Subject, am.From, am.Text = cleanText(am.Subject), cleanText(am.From), cleanText(am.Text)
		}
	}
}

func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

func headerBlock(b []byte, name string) string {
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return v
		}
	}
	return ""
}

// addParts lists every part agents should see: attachments, inline
// images, attached messages and parts that came without headers.
func (m *Message) addParts(ctx context.Context, env *enmime.Envelope, lim Limits) {
	for _, p := range env.Attachments {
		switch {
		case isMessagePart(p):
			m.addMessagePart(ctx, p, lim)
		case m.Text == "" && m.HTML == "" && p.FileName == "" && brokenText(p):
			// Broken MIME (e.g. multipart without boundary): the "attachment"
			// is really the message text.
			m.Text = strings.ReplaceAll(string(p.Content), "\r\n", "\n")
		default:
			m.addPart(p, false)
		}
	}
	for _, p := range env.Inlines {
		if isMessagePart(p) {
			m.addMessagePart(ctx, p, lim)
			continue
		}
		m.addPart(p, true)
	}
	for _, p := range env.OtherParts {
		switch {
		case isMessagePart(p):
			m.addMessagePart(ctx, p, lim)
		case headerless(p):
			if m.Text == "" && utf8.Valid(p.Content) {
				m.Text = strings.ReplaceAll(string(p.Content), "\r\n", "\n")
			}
			m.addHeaderlessPart(p)
		case p.ContentID != "" || p.FileName != "":
			m.addPart(p, p.ContentID != "")
		}
	}
}

func (m *Message) addPart(p *enmime.Part, inline bool) {
	m.Attachments = append(m.Attachments, attachment(p, inline))
	m.AttachmentData = append(m.AttachmentData, p.Content)
}

func attachment(p *enmime.Part, inline bool) Attachment {
	name := p.FileName
	if name == "" {
		name = "attachment"
	}
	return Attachment{Name: name, ContentType: p.ContentType, Size: len(p.Content), ContentID: strings.Trim(p.ContentID, "<>"), Inline: inline}
}

func addrs(env *enmime.Envelope, h string) []string {
	list, _ := env.AddressList(h)
	var out []string
	for _, a := range list {
		if e, ok := domain.NormalizeEmail(a.Address); ok {
			out = append(out, e)
		}
	}
	return out
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// automated reports whether mail must never get an automatic answer
// (RFC 3834 and the de-facto headers of list servers and autoresponders).
func automated(env *enmime.Envelope, from string) bool {
	if v := strings.ToLower(strings.TrimSpace(env.GetHeader("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(env.GetHeader("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return true
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe", "X-Auto-Response-Suppress"} {
		if env.GetHeader(h) != "" {
			return true
		}
	}
	return isDaemon(from)
}

// autoReplyPrefixes are subject starts of vacation and auto-responder
// mail in the languages customers most often write in.
var autoReplyPrefixes = []string{"out of office", "automatic reply", "auto-reply", "autoreply", "auto reply",
	"abwesenheitsnotiz", "automatische antwort", "réponse automatique", "respuesta automática", "risposta automatica",
	"automatisch antwoord", "autosvar", "fuera de la oficina", "absence du bureau"}

// autoReply reports an automatic answer to a person's mail (RFC 3834
// auto-replied, the X-Autoreply family, or a vacation subject).
func autoReply(env *enmime.Envelope, subject string) bool {
	if strings.EqualFold(strings.TrimSpace(env.GetHeader("Auto-Submitted")), "auto-replied") ||
		env.GetHeader("X-Autoreply") != "" || env.GetHeader("X-Autorespond") != "" ||
		strings.EqualFold(strings.TrimSpace(env.GetHeader("Precedence")), "auto_reply") {
		return true
	}
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range autoReplyPrefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			// "Out of Office: …", "Automatic reply", not "Out of office hours?"
			rest = strings.TrimSpace(rest)
			if rest == "" || strings.ContainsRune(":-([", rune(rest[0])) || strings.HasPrefix(rest, "reply") {
				return true
			}
		}
	}
	return false
}

func isDaemon(from string) bool {
	local, _, _ := strings.Cut(from, "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply", "bounce", "bounces":
		return true
	}
	return strings.HasPrefix(local, "bounce+") || strings.HasPrefix(local, "bounces+")
}

var ticketRefRe = regexp.MustCompile(`\[#(\d{1,18})\]`)

// SubjectTicket returns the ticket number in "[#1042]", or 0.
func SubjectTicket(subject string) int64 {
	m := ticketRefRe.FindStringSubmatch(subject)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func brokenText(p *enmime.Part) bool {
	ct := strings.ToLower(p.ContentType)
	return (ct == "" || strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "text/")) && utf8.Valid(p.Content)
}

// readEnvelope runs enmime on a message that passed the pre-scan, in its
// own goroutine so the caller is never held past the deadline.
func readEnvelope(ctx context.Context, raw []byte, lim Limits) (*enmime.Envelope, error) {
	if err := lim.check(raw); err != nil {
		return nil, err
	}
	type result struct {
		env *enmime.Envelope
		err error
	}
	done := make(chan result, 1)
	go func() {
		env, err := parser.ReadEnvelope(bytes.NewReader(raw))
		done <- result{env, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnparseable, r.err)
		}
		return r.env, nil
	case <-ctx.Done():
		return nil, limitErr("parsing took longer than %s", lim.deadline(len(raw)))
	}
}
