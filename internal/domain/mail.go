package domain

import (
	"mime"
	"strings"
	"time"
	"unicode/utf8"
)

// TLSMode says how a mail connection is secured.
type TLSMode string

const (
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (IMAPS 993, SMTPS 465)
	TLSStart    TLSMode = "starttls" // plain, upgraded with STARTTLS
	TLSNone     TLSMode = "none"     // plain text: tests and local relays only
)

// Valid reports whether m is a known mode.
func (m TLSMode) Valid() bool { return m == TLSImplicit || m == TLSStart || m == TLSNone }

// Mailbox is an address customers write to; mail to it becomes tickets
// routed to its team. Passwords are never returned to clients.
type Mailbox struct {
	ID          int64   `json:"id"`
	Address     string  `json:"address"`
	DisplayName string  `json:"display_name"`
	TeamID      *int64  `json:"team_id"`
	IsDefault   bool    `json:"is_default"`
	IMAPHost    string  `json:"imap_host"`
	IMAPPort    int     `json:"imap_port"`
	IMAPUser    string  `json:"imap_user"`
	IMAPTLS     TLSMode `json:"imap_tls"`
	IMAPFolder  string  `json:"imap_folder"`
	SMTPHost    string  `json:"smtp_host"`
	SMTPPort    int     `json:"smtp_port"`
	SMTPUser    string  `json:"smtp_user"`
	SMTPTLS     TLSMode `json:"smtp_tls"`
	// Set tells whether a password is stored, without revealing it.
	IMAPPasswordSet bool      `json:"imap_password_set"`
	SMTPPasswordSet bool      `json:"smtp_password_set"`
	UIDValidity     uint32    `json:"-"`
	LastUID         uint32    `json:"-"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	// Decrypted secrets, filled only for the workers that connect.
	IMAPPassword string `json:"-"`
	SMTPPassword string `json:"-"`
}

// FromHeader is the mailbox as a From: address.
func (m *Mailbox) FromHeader() string {
	if m.DisplayName == "" {
		return m.Address
	}
	return quoteName(m.DisplayName) + " <" + m.Address + ">"
}

func quoteName(s string) string {
	if strings.ContainsAny(s, `"(),.:;<>@[\]`) || !isASCII(s) {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// MailboxInput creates or changes a mailbox. Nil pointers leave a field
// unchanged on update; an empty password leaves the stored one.
type MailboxInput struct {
	Address      *string  `json:"address"`
	DisplayName  *string  `json:"display_name"`
	TeamID       *int64   `json:"team_id"`
	IsDefault    *bool    `json:"is_default"`
	IMAPHost     *string  `json:"imap_host"`
	IMAPPort     *int     `json:"imap_port"`
	IMAPUser     *string  `json:"imap_user"`
	IMAPPassword *string  `json:"imap_password"`
	IMAPTLS      *TLSMode `json:"imap_tls"`
	IMAPFolder   *string  `json:"imap_folder"`
	SMTPHost     *string  `json:"smtp_host"`
	SMTPPort     *int     `json:"smtp_port"`
	SMTPUser     *string  `json:"smtp_user"`
	SMTPPassword *string  `json:"smtp_password"`
	SMTPTLS      *TLSMode `json:"smtp_tls"`
}

// Apply validates in and writes it over m.
func (in *MailboxInput) Apply(m *Mailbox) error {
	v := Validation{}
	if in.Address != nil {
		if a, ok := NormalizeEmail(*in.Address); ok {
			m.Address = a
		} else {
			v.Add("address", "not a valid email address")
		}
	}
	if m.Address == "" && in.Address == nil {
		v.Add("address", "required")
	}
	set := func(dst *string, src *string, field string, max int) {
		if src != nil {
			s := strings.TrimSpace(*src)
			v.Check(utf8.RuneCountInString(s) <= max, field, "too long")
			*dst = s
		}
	}
	set(&m.DisplayName, in.DisplayName, "display_name", 200)
	set(&m.IMAPHost, in.IMAPHost, "imap_host", 255)
	set(&m.IMAPUser, in.IMAPUser, "imap_user", 255)
	set(&m.IMAPFolder, in.IMAPFolder, "imap_folder", 255)
	set(&m.SMTPHost, in.SMTPHost, "smtp_host", 255)
	set(&m.SMTPUser, in.SMTPUser, "smtp_user", 255)
	if in.TeamID != nil {
		if *in.TeamID == 0 {
			m.TeamID = nil
		} else {
			id := *in.TeamID
			m.TeamID = &id
		}
	}
	if in.IsDefault != nil {
		m.IsDefault = *in.IsDefault
	}
	port := func(dst *int, src *int, field string) {
		if src != nil {
			v.Check(*src > 0 && *src < 65536, field, "must be between 1 and 65535")
			*dst = *src
		}
	}
	port(&m.IMAPPort, in.IMAPPort, "imap_port")
	port(&m.SMTPPort, in.SMTPPort, "smtp_port")
	if in.IMAPTLS != nil {
		v.Check(in.IMAPTLS.Valid(), "imap_tls", "must be tls, starttls or none")
		m.IMAPTLS = *in.IMAPTLS
	}
	if in.SMTPTLS != nil {
		v.Check(in.SMTPTLS.Valid(), "smtp_tls", "must be tls, starttls or none")
		m.SMTPTLS = *in.SMTPTLS
	}
	if in.IMAPPassword != nil && *in.IMAPPassword != "" {
		m.IMAPPassword = *in.IMAPPassword
	}
	if in.SMTPPassword != nil && *in.SMTPPassword != "" {
		m.SMTPPassword = *in.SMTPPassword
	}
	if m.IMAPFolder == "" {
		m.IMAPFolder = "INBOX"
	}
	if m.IMAPPort == 0 {
		m.IMAPPort = 993
	}
	if m.SMTPPort == 0 {
		m.SMTPPort = 587
	}
	if m.IMAPTLS == "" {
		m.IMAPTLS = TLSImplicit
	}
	if m.SMTPTLS == "" {
		m.SMTPTLS = TLSStart
	}
	return v.Err()
}

// FailedMail is an inbound message that could not become a ticket entry.
type FailedMail struct {
	ID         int64      `json:"id"`
	MailboxID  *int64     `json:"mailbox_id"`
	Source     string     `json:"source"`
	Error      string     `json:"error"`
	Size       int        `json:"size"`
	Subject    string     `json:"subject"` // best effort, for the admin list
	CreatedAt  time.Time  `json:"created_at"`
	RetriedAt  *time.Time `json:"retried_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Raw        []byte     `json:"-"`
}

// Outbox kinds and statuses.
const (
	OutboxReply  = "reply"  // an agent's public reply
	OutboxAck    = "ack"    // acknowledgement of a new ticket
	OutboxNotify = "notify" // a notification to an agent

	OutboxQueued  = "queued"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed" // gave up; an admin may retry
)

// ChangeMailStatus tells live ticket pages that an outgoing email of the
// ticket changed state (sent, failed, queued again).
const ChangeMailStatus = "mail.status"

// OutboxMessage is one email waiting to be sent, or sent.
type OutboxMessage struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	TicketID      *int64     `json:"ticket_id"`
	EntryID       *int64     `json:"entry_id"`
	MailboxID     *int64     `json:"mailbox_id"`
	To            []string   `json:"to"`
	Cc            []string   `json:"cc"`
	Bcc           []string   `json:"bcc"`
	Subject       string     `json:"subject"`
	Body          string     `json:"body"` // markdown
	MessageID     string     `json:"message_id"`
	InReplyTo     string     `json:"in_reply_to"`
	References    []string   `json:"references"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error"`
	SentAt        *time.Time `json:"sent_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// RawSubject reads the Subject header of a raw message that may not parse
// as a whole (failed mail), decoding encoded words; "" when there is none.
func RawSubject(raw []byte) string {
	head := raw[:min(len(raw), 64<<10)]
	var subj string
	found := false
	for _, line := range strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n") {
		if line == "" {
			break // end of the header block
		}
		folded := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		if found {
			if !folded {
				break
			}
			subj += " " + strings.TrimSpace(line)
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok && !folded && strings.EqualFold(strings.TrimSpace(k), "Subject") {
			subj, found = strings.TrimSpace(v), true
		}
	}
	if d, err := (&mime.WordDecoder{}).DecodeHeader(subj); err == nil {
		subj = d
	}
	subj = strings.ReplaceAll(strings.ToValidUTF8(strings.Join(strings.Fields(subj), " "), "\uFFFD"), "\x00", "")
	if r := []rune(subj); len(r) > 300 {
		subj = string(r[:300])
	}
	return subj
}
