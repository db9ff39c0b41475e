package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Live chat: a chat is a ticket with channel "chat"; the visitor is a contact
// with a "visitor" identity, recognised by a secret token kept in the browser.

// Chat limits.
const (
	MaxChatMessageLen = 4000 // bytes per visitor message
	MaxClientIDLen    = 64
	ChatUploadMax     = 5 << 20 // bytes per uploaded file
)

// Change kinds for chat; they carry ids only, like every change.
const (
	ChangeChatStarted = "chat.started" // Data: {"visitor": id}
	ChangeChatRead    = "chat.read"    // EntryID read; Data: {"by": "visitor"|"agent"}
	ChangeChatEnded   = "chat.ended"
)

// Agent availability for chat.
const (
	AgentAvailable = "available"
	AgentAway      = "away"
)

// ChatVisitor is a browser that chats with us.
type ChatVisitor struct {
	ID        string
	TokenHash string
	ContactID int64
	TeamID    *int64
	Name      string // the contact's name
	Email     string // the contact's email, if known (proven)
	// ClaimedEmail is what the visitor typed into the widget, not yet
	// proven; cleared once a confirmation link to it is opened.
	ClaimedEmail string
}

// ChatSession is one chat: its ticket and what each side has read.
type ChatSession struct {
	TicketID    int64
	VisitorID   string
	Offline     bool
	VisitorRead int64
	AgentRead   int64
	CreatedAt   time.Time
	EndedAt     *time.Time
}

// ChatFile is an attachment as the widget shows it.
type ChatFile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"type"`
	Size        int64  `json:"size"`
}

// ChatMessage is one message of a visitor's conversation. ID is the entry id:
// increasing, so a reconnecting client asks for what came after the last one.
type ChatMessage struct {
	ID       int64      `json:"id"`
	TicketID int64      `json:"ticket"`
	ClientID string     `json:"cid,omitempty"`
	From     string     `json:"from"` // "visitor" or "agent"
	Name     string     `json:"name,omitempty"`
	Body     string     `json:"body"`
	At       int64      `json:"at"` // unix ms
	Files    []ChatFile `json:"files,omitempty"`
}

// NewChatMessage is a visitor's message (with optional files) to store.
type NewChatMessage struct {
	VisitorID string
	ClientID  string
	Body      string
	Files     []NewAttachment
	// Online says an agent is available; when false the chat becomes an
	// offline ticket whose replies go by email.
	Online bool
}

// Validate trims the body and checks the limits.
func (n *NewChatMessage) Validate() error {
	v := Validation{}
	n.Body = strings.TrimSpace(n.Body)
	v.Check(n.Body != "" || len(n.Files) > 0, "body", "required")
	v.Check(len(n.Body) <= MaxChatMessageLen, "body", "at most 4000 bytes")
	v.Check(utf8.ValidString(n.Body), "body", "must be UTF-8 text")
	v.Check(n.ClientID != "" && len(n.ClientID) <= MaxClientIDLen, "cid", "required, at most 64 characters")
	for i := range n.Files {
		n.Files[i].Normalize("file", v)
	}
	return v.Err()
}

// ChatPosted says what storing a visitor message did.
type ChatPosted struct {
	Message   ChatMessage
	Created   bool // a new chat ticket was opened
	Duplicate bool // the client id was seen before: nothing was stored
	Offline   bool
}
