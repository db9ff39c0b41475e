package domain

import (
	"mime"
	"path"
	"strings"
	"time"
	"unicode"
)

// Attachment is a file attached to a ticket entry. Its bytes are served only
// as a download, never rendered inline.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	EntryID     *int64    `json:"entry_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewAttachment is an uploaded file.
type NewAttachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Upload limits.
const (
	MaxAttachmentSize  = 10 << 20 // per file
	MaxAttachments     = 5        // per message
	MaxAttachmentTotal = 20 << 20 // per message
)

// Normalize cleans the file name and content type and checks the size.
func (a *NewAttachment) Normalize(field string, v Validation) {
	name := path.Base(strings.ReplaceAll(a.Filename, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	a.Filename = name
	mt, _, err := mime.ParseMediaType(a.ContentType)
	if err != nil || !strings.Contains(mt, "/") {
		mt = "application/octet-stream"
	}
	a.ContentType = strings.ToLower(mt)
	v.Check(len(a.Data) > 0, field, a.Filename+" is empty")
	v.Check(len(a.Data) <= MaxAttachmentSize, field, a.Filename+" is larger than 10 MB")
}
