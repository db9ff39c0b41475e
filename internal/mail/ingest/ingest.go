package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"andon/internal/domain"
	"andon/internal/store"
)

// Sources of inbound mail.
const (
	SourceSMTP = "smtp"
	SourceIMAP = "imap"
	SourceAPI  = "api"
)

// Settings keys for the acknowledgement template.
const (
	SettingAckSubject = domain.SettingAckSubject
	SettingAckBody    = domain.SettingAckBody
	DefaultAckBody    = domain.DefaultAckBody
)

// AutoReplyLimit is how many acknowledgements one address gets per hour
// unless Ingester.AckPerHour says otherwise.
const AutoReplyLimit = domain.AckLimitPerHour

// Input is one raw message as received.
type Input struct {
	Raw    []byte
	Source string
	// Recipients from the SMTP envelope, when known; else To/Cc decide.
	Recipients []string
	// MailboxID forces the mailbox (IMAP knows where it fetched from).
	MailboxID int64
}

// Result says what became of a message.
type Result struct {
	TicketID  int64
	EntryID   int64
	NewTicket bool
	Duplicate bool // already stored: nothing was written
	// AckLimited: a new ticket whose sender had all the acknowledgements
	// AckPerHour allows; none was sent (logged and counted "ack_limited").
	AckLimited bool
	FailedID   int64 // kept in the failed-mail list instead
}

// Ingester stores inbound mail. Safe for concurrent use.
type Ingester struct {
	DB  *store.DB
	Log *slog.Logger
	// Count, when set, is told what became of each message: "received",
	// "duplicate" or "failed" (kept in the failed list); also "ack_limited"
	// for a new ticket whose acknowledgement was held back. For metrics.
	Count func(outcome string)
	// AckPerHour bounds acknowledgements per sender address and hour
	// (ANDON_ACK_PER_HOUR); 0 means AutoReplyLimit.
	AckPerHour int

	// Limits bound parsing; zero fields take DefaultLimits.
	Limits Limits
}

// Ingest parses and stores one message. A nil error means the message is
// durably stored: as an entry, as a known duplicate, or in the failed list.
func (g *Ingester) Ingest(ctx context.Context, in Input) (Result, error) {
	mb, err := g.mailbox(ctx, in)
	if err != nil {
		return Result{}, err
	}
	msg, err := ParseLimited(in.Raw, g.Limits)
	if err == nil {
		var res Result
		res, err = g.store(ctx, in, mb, msg)
		if err == nil {
			if res.Duplicate {
				g.count("duplicate")
			} else {
				g.count("received")
			}
			return res, nil
		}
		if !errors.Is(err, ErrUnparseable) && domain.ErrorCode(err) != domain.EInvalid {
			return Result{}, err // storage trouble: let the sender retry
		}
	}
	id, ferr := g.DB.AddFailedMail(ctx, &mb.ID, in.Source, in.Raw, clip(cleanText(err.Error()), 1000))
	if ferr != nil {
		return Result{}, ferr
	}
	g.Log.Warn("mail: kept in failed list", "failed_id", id, "err", err)
	g.count("failed")
	return Result{FailedID: id}, nil
}

func (g *Ingester) count(outcome string) {
	if g.Count != nil {
		g.Count(outcome)
	}
}

// Retry ingests a failed message again and resolves it on success.
func (g *Ingester) Retry(ctx context.Context, id int64) (Result, error) {
	f, err := g.DB.FailedMail(ctx, id)
	if err != nil {
		return Result{}, err
	}
	in := Input{Raw: f.Raw, Source: f.Source}
	if f.MailboxID != nil {
		in.MailboxID = *f.MailboxID
	}
	mb, err := g.mailbox(ctx, in)
	if err != nil {
		return Result{}, err
	}
	msg, err := ParseLimited(f.Raw, g.Limits)
	var res Result
	if err == nil {
		res, err = g.store(ctx, in, mb, msg)
	}
	if merr := g.DB.MarkFailedMailRetried(ctx, id, err == nil, clip(cleanText(errText(err)), 1000)); merr != nil {
		return res, merr
	}
	if err != nil {
		return res, &domain.Error{Code: domain.EUnprocessabl, Message: "still cannot ingest: " + errText(err)}
	}
	return res, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// mailbox picks the mailbox a message was sent to, falling back to the
// default one (created on first use) so no mail is ever refused for lack
// of configuration.
func (g *Ingester) mailbox(ctx context.Context, in Input) (*domain.Mailbox, error) {
	if in.MailboxID != 0 {
		if mb, err := g.DB.Mailbox(ctx, in.MailboxID); err == nil {
			return mb, nil
		}
	}
	cands := in.Recipients
	if len(cands) == 0 {
		cands = headerRecipients(in.Raw)
	}
	for _, a := range cands {
		if mb, err := g.DB.MailboxByAddress(ctx, a); err == nil {
			return mb, nil
		} else if !domain.IsNotFound(err) {
			return nil, err
		}
	}
	mb, err := g.DB.DefaultMailbox(ctx)
	if domain.IsNotFound(err) {
		return g.DB.EnsureDefaultMailbox(ctx, "support@localhost", "Support")
	}
	return mb, err
}

// store writes the message in one transaction.
func (g *Ingester) store(ctx context.Context, in Input, mb *domain.Mailbox, m *Message) (Result, error) {
	var res Result
	var changes []domain.Change
	err := g.DB.Update(ctx, func(tx *store.Tx) error {
		res, changes = Result{}, nil
		if t, seen, err := tx.MailSeen(ctx, m.MessageID); err != nil || seen {
			res.TicketID, res.Duplicate = t, seen
			return err
		}
		ticketID, err := g.thread(ctx, tx, m)
		if err != nil {
			return err
		}
		if m.Bounce && ticketID == 0 {
			return fmt.Errorf("%w: bounce for a message Andon did not send", ErrUnparseable)
		}
		contactID, err := tx.FindOrCreateContact(ctx, clip(m.FromName, 200), domain.Identity{Kind: domain.IdentityEmail, Value: m.From})
		if err != nil {
			return err
		}
		body := entryBody(m)
		meta := entryMeta(m, in, mb)
		if ticketID == 0 {
			nt := domain.NewTicket{
				Subject: ticketSubject(m.Subject), Body: body, RequesterID: contactID,
				Channel: domain.ChannelEmail, TeamID: mb.TeamID, Meta: meta,
			}
			if err := nt.Validate(); err != nil {
				return err
			}
			if ticketID, err = tx.CreateTicket(ctx, nt); err != nil {
				return err
			}
			res.NewTicket = true
			if res.EntryID, err = tx.FirstEntryID(ctx, ticketID); err != nil {
				return err
			}
			changes = append(changes, domain.Change{Kind: domain.ChangeTicketCreated, TicketID: ticketID})
		} else {
			ne := domain.NewEntry{TicketID: ticketID, Kind: domain.EntryMessage, Direction: domain.Inbound, Body: body,
				Channel: domain.ChannelEmail, Actor: domain.Actor{ContactID: contactID, Name: m.FromName}, Meta: meta}
			if m.Bounce {
				// A bounce is for the agents, not a customer message: it must
				// not reopen the ticket or count as the customer's answer.
				ne.Kind, ne.Direction, ne.Actor, ne.Channel = domain.EntryNote, "", domain.System, ""
				ne.Body = "Delivery failed: " + body
			}
			if m.AutoReply && !m.Bounce {
				// An out-of-office answer is not the customer's reply: shown,
				// but the ticket keeps its status.
				if ne.Status, err = tx.TicketStatus(ctx, ticketID); err != nil {
					return err
				}
			}
			if err := ne.Validate(); err != nil {
				return err
			}
			var changed bool
			if res.EntryID, changed, err = tx.AddEntry(ctx, ne); err != nil {
				return err
			}
			changes = append(changes, domain.Change{Kind: domain.ChangeEntryCreated, TicketID: ticketID, EntryID: res.EntryID})
			if changed {
				changes = append(changes, domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: ticketID})
			}
		}
		res.TicketID = ticketID
		mbID := mb.ID
		if err := tx.InsertInboundMail(ctx, store.InboundMail{MailboxID: &mbID, MessageID: m.MessageID, TicketID: ticketID,
			EntryID: res.EntryID, Source: in.Source, Raw: in.Raw}); err != nil {
			return err
		}
		if !m.Bounce {
			if err := tx.AddThreadID(ctx, m.MessageID, ticketID, res.EntryID, domain.Inbound); err != nil {
				return err
			}
		}
		return g.autoMail(ctx, tx, mb, m, &res)
	})
	if domain.ErrorCode(err) == domain.EConflict {
		// Lost a race with the same message arriving by another path.
		return Result{Duplicate: true}, nil
	}
	if err != nil {
		return Result{}, err
	}
	for _, c := range changes {
		g.DB.Publish(c)
	}
	return res, nil
}

// thread finds the ticket a message belongs to: by our own or earlier
// Message-IDs first (most reliable), then by [#N] in the subject.
func (g *Ingester) thread(ctx context.Context, tx *store.Tx, m *Message) (int64, error) {
	ids := append(append(append([]string{}, m.BounceOf...), m.InReplyTo...), m.References...)
	if t, ok, err := tx.TicketByMessageIDs(ctx, ids); err != nil || ok {
		return t, err
	}
	if n := SubjectTicket(m.Subject); n != 0 {
		ok, err := tx.TicketExists(ctx, n)
		if err != nil || ok {
			return n, err
		}
	}
	return 0, nil
}

// autoMail queues the acknowledgement for a new ticket and the "customer
// replied" notice for the assignee, never answering machines or ourselves.
func (g *Ingester) autoMail(ctx context.Context, tx *store.Tx, mb *domain.Mailbox, m *Message, res *Result) error {
	if m.Automated || m.Bounce {
		return nil
	}
	if own, err := g.ownAddress(ctx, m.From); err != nil || own {
		return err
	}
	ticketID, mbID := res.TicketID, mb.ID
	if !res.NewTicket {
		return g.notifyAssignee(ctx, tx, mb, m, ticketID)
	}
	limit := g.AckPerHour
	if limit <= 0 {
		limit = AutoReplyLimit
	}
	n, err := tx.CountMailSince(ctx, domain.OutboxAck, m.From, tx.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	if n >= limit {
		// The ticket stands; only the automatic answer is held back, so a
		// forged sender cannot turn us into a mail cannon.
		res.AckLimited = true
		g.Log.Warn("ingest: acknowledgement not sent, sender over its hourly limit", "ticket", ticketID, "from", m.From, "limit", limit)
		g.count("ack_limited")
		return nil
	}
	tmpl, err := tx.Setting(ctx, SettingAckBody, DefaultAckBody)
	if err != nil {
		return err
	}
	name := m.FromName
	if name == "" {
		name = m.From
	}
	ref := fmt.Sprintf("#%d", ticketID)
	// The sender is unverified: their name and subject are text, never Markdown.
	esc := domain.EscapeMarkdown
	body := strings.NewReplacer("{{name}}", esc(name), "{{ticket}}", ref, "{{subject}}", esc(m.Subject)).Replace(tmpl)
	subj, err := tx.Setting(ctx, SettingAckSubject, "")
	if err != nil {
		return err
	}
	if subj == "" {
		subj = store.ReplySubject(ticketSubject(m.Subject), ticketID)
	} else {
		subj = strings.NewReplacer("{{ticket}}", ref, "{{subject}}", m.Subject).Replace(subj)
	}
	_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{
		Kind: domain.OutboxAck, TicketID: &ticketID, MailboxID: &mbID, To: []string{m.From},
		Subject: subj, Body: body, InReplyTo: m.MessageID, References: append(append([]string{}, m.References...), m.MessageID),
	})
	return err
}

func (g *Ingester) notifyAssignee(ctx context.Context, tx *store.Tx, mb *domain.Mailbox, m *Message, ticketID int64) error {
	agent, err := tx.TicketAssigneeEmail(ctx, ticketID)
	if err != nil || agent == "" {
		return err
	}
	mbID := mb.ID
	body := fmt.Sprintf("%s replied on ticket #%d:\n\n%s", domain.EscapeMarkdown(displayFrom(m)), ticketID,
		domain.EscapeMarkdown(clip(entryBody(m), 2000)))
	_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{
		Kind: domain.OutboxNotify, TicketID: &ticketID, MailboxID: &mbID, To: []string{agent},
		Subject: fmt.Sprintf("[#%d] Customer replied: %s", ticketID, clip(m.Subject, 150)), Body: body,
	})
	return err
}

func (g *Ingester) ownAddress(ctx context.Context, addr string) (bool, error) {
	_, err := g.DB.MailboxByAddress(ctx, addr)
	if domain.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func displayFrom(m *Message) string {
	if m.FromName != "" {
		return m.FromName + " <" + m.From + ">"
	}
	return m.From
}

func ticketSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no subject)"
	}
	return clip(s, domain.MaxSubjectLen)
}

// entryBody is the display text: the new part of the message, bounded.
func entryBody(m *Message) string {
	body := StripQuoted(m.Text)
	if m.Bounce && m.BounceError != "" {
		body = m.BounceError + "\n\n" + body
	}
	if att := attachedText(m.Attachments); att != "" {
		body = strings.TrimSpace(body + "\n\n" + att)
	}
	if strings.TrimSpace(body) == "" {
		if len(m.Attachments) > 0 {
			body = "(attachments only)"
		} else {
			body = "(empty message)"
		}
	}
	return clipBytes(body, domain.MaxBodyLen-100)
}

func entryMeta(m *Message, in Input, mb *domain.Mailbox) map[string]any {
	meta := map[string]any{
		"email": map[string]any{
			"message_id": m.MessageID, "from": m.From, "from_name": m.FromName, "to": m.To, "cc": m.Cc,
			"subject": m.Subject, "source": in.Source, "mailbox_id": mb.ID, "automated": m.Automated,
		},
	}
	e := meta["email"].(map[string]any)
	if full := clipBytes(strings.TrimSpace(m.Text), 200_000); full != entryBody(m) && full != "" {
		e["full_text"] = full // the original, one click away
	}
	if m.HTML != "" {
		e["html"] = m.HTML
	}
	if len(m.Attachments) > 0 {
		e["attachments"] = m.Attachments
	}
	if m.Bounce {
		e["bounce"] = true
	}
	return meta
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "\n[…]"
}

// headerRecipients reads Delivered-To, To and Cc for mailbox routing when
// the envelope is unknown (HTTP inbound).
func headerRecipients(raw []byte) []string {
	var out []string
	head := raw
	if i := strings.Index(string(raw[:min(len(raw), 64<<10)]), "\r\n\r\n"); i > 0 {
		head = raw[:i]
	} else if i := strings.Index(string(raw[:min(len(raw), 64<<10)]), "\n\n"); i > 0 {
		head = raw[:i]
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "delivered-to", "x-original-to", "to", "cc":
			for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '<' || r == '>' }) {
				if a, ok := domain.NormalizeEmail(f); ok {
					out = append(out, a)
				}
			}
		}
	}
	return out
}
