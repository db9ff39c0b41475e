package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// IdentityKind is a channel-specific way to recognise a person.
type IdentityKind string

const (
	IdentityEmail   IdentityKind = "email"
	IdentityPhone   IdentityKind = "phone"
	IdentityVisitor IdentityKind = "visitor" // a chat visitor id
)

// Valid reports whether k is a known identity kind.
func (k IdentityKind) Valid() bool {
	return k == IdentityEmail || k == IdentityPhone || k == IdentityVisitor
}

// Identity is one address at which a contact reaches us.
type Identity struct {
	ID    int64        `json:"id"`
	Kind  IdentityKind `json:"kind"`
	Value string       `json:"value"`
}

// Contact is one customer: one person across every channel.
type Contact struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	OrganizationID *int64     `json:"organization_id"`
	Organization   string     `json:"organization,omitempty"`
	Identities     []Identity `json:"identities"`
	CreatedAt      time.Time  `json:"created_at"`
	Tickets        []*Ticket  `json:"tickets,omitempty"`
}

// Email returns the contact's first email address, or "".
func (c *Contact) Email() string { return c.first(IdentityEmail) }

// Phone returns the contact's first phone number, or "".
func (c *Contact) Phone() string { return c.first(IdentityPhone) }

func (c *Contact) first(k IdentityKind) string {
	for _, id := range c.Identities {
		if id.Kind == k {
			return id.Value
		}
	}
	return ""
}

// DisplayName is the name, or the first identity when the name is empty.
func (c *Contact) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.Identities) > 0 {
		return c.Identities[0].Value
	}
	return "Contact " + itoa(c.ID)
}

// NormalizeEmail validates an address and returns it lowercased without a display name.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" && !strings.Contains(s, "<") {
		return "", false
	}
	addr := strings.ToLower(a.Address)
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return "", false
	}
	return addr, true
}

// NormalizePhone keeps a leading + and the digits of a phone number, so that
// "+1 (555) 010-2030" and "+15550102030" are the same identity.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case unicode.IsDigit(r):
			if r > unicode.MaxASCII {
				return "", false
			}
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			return "", false
		}
	}
	out := b.String()
	digits := strings.TrimPrefix(out, "+")
	if len(digits) < 5 || len(digits) > 15 {
		return "", false
	}
	return out, true
}

// NormalizeIdentity validates and normalizes an identity value by kind.
func NormalizeIdentity(kind IdentityKind, value string) (string, bool) {
	switch kind {
	case IdentityEmail:
		return NormalizeEmail(value)
	case IdentityPhone:
		return NormalizePhone(value)
	case IdentityVisitor:
		value = strings.TrimSpace(value)
		return value, value != "" && len(value) <= 100
	}
	return "", false
}

// ContactFilter searches contacts.
type ContactFilter struct {
	Query  string
	Limit  int
	Cursor string
}

// ContactPage is one keyset page of contacts.
type ContactPage struct {
	Contacts   []*Contact `json:"contacts"`
	NextCursor string     `json:"next_cursor"`
}
