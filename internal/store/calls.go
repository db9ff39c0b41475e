package store

import (
	"context"
	"strings"

	"andon/internal/domain"
)

// CallReport is a call reported by a telephony system.
type CallReport struct {
	From         string
	To           string
	Direction    domain.Direction
	Duration     int // seconds
	RecordingURL string
	Notes        string
	ReportedBy   int64 // the API user
}

// Validate normalizes the numbers and checks the fields.
func (c *CallReport) Validate() error {
	v := domain.Validation{}
	v.Check(c.Direction.Valid(), "direction", "must be inbound or outbound")
	for _, f := range []struct {
		name string
		val  *string
	}{{"from", &c.From}, {"to", &c.To}} {
		if strings.TrimSpace(*f.val) == "" {
			v.Add(f.name, "required")
			continue
		}
		p, ok := domain.NormalizePhone(*f.val)
		if !ok {
			v.Add(f.name, "not a valid phone number")
			continue
		}
		*f.val = p
	}
	v.Check(c.Duration >= 0 && c.Duration <= domain.MaxCallSeconds, "duration", "must be between 0 and 86400")
	c.RecordingURL = strings.TrimSpace(c.RecordingURL)
	if c.RecordingURL != "" {
		v.Check(len(c.RecordingURL) <= 2000 && (strings.HasPrefix(c.RecordingURL, "https://") || strings.HasPrefix(c.RecordingURL, "http://")),
			"recording_url", "must be an http(s) URL")
	}
	c.Notes = strings.TrimSpace(c.Notes)
	v.Check(len(c.Notes) <= domain.MaxBodyLen, "notes", "at most 100000 bytes")
	return v.Err()
}

// Customer is the customer's number: the caller of an inbound call, the
// callee of an outbound one.
func (c *CallReport) Customer() string {
	if c.Direction == domain.Outbound {
		return c.To
	}
	return c.From
}

// LogCall matches the customer's number to a contact (creating one for an
// unknown number) and attaches the call to their most recently updated open
// ticket, or opens a phone ticket. It reports whether the ticket is new.
func (db *DB) LogCall(ctx context.Context, c CallReport) (*domain.Ticket, bool, error) {
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	call := &domain.CallInfo{Direction: c.Direction, DurationSeconds: c.Duration, From: c.From, To: c.To, RecordingURL: c.RecordingURL}
	var ticketID, entryID int64
	var created, statusChanged bool
	err := db.Update(ctx, func(tx *Tx) error {
		cid, err := tx.findOrCreateContact(ctx, "", []domain.Identity{{Kind: domain.IdentityPhone, Value: c.Customer()}})
		if err != nil {
			return err
		}
		err = tx.queryRow(ctx, `SELECT id FROM tickets WHERE requester_id = ? AND status NOT IN ('solved', 'closed')
			ORDER BY updated_at DESC, id DESC LIMIT 1`, cid).Scan(&ticketID)
		if err != nil && !isNoRows(err) {
			return err
		}
		if ticketID != 0 {
			// An inbound call is the customer getting in touch (it reopens
			// "pending"); an outbound one is the team answering.
			actor := domain.Actor{ContactID: cid}
			if c.Direction == domain.Outbound {
				actor = domain.Actor{UserID: c.ReportedBy}
			}
			n := domain.NewEntry{TicketID: ticketID, Kind: domain.EntryCall, Body: c.Notes, Call: call, Actor: actor}
			if err := n.Validate(); err != nil {
				return err
			}
			entryID, statusChanged, err = tx.AddEntry(ctx, n)
			return err
		}
		created = true
		subject := "Phone call from " + c.Customer()
		if c.Direction == domain.Outbound {
			subject = "Phone call to " + c.Customer()
		}
		n := domain.NewTicket{Subject: subject, Body: c.Notes, RequesterID: cid, Channel: domain.ChannelPhone, Call: call, AuthorUserID: c.ReportedBy}
		if err := n.Validate(); err != nil {
			return err
		}
		ticketID, err = tx.CreateTicket(ctx, n)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		db.publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: ticketID, UserID: c.ReportedBy})
	} else {
		db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: ticketID, EntryID: entryID, UserID: c.ReportedBy})
		if statusChanged {
			db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: ticketID, UserID: c.ReportedBy})
		}
	}
	t, err := db.Ticket(ctx, ticketID)
	return t, created, err
}

// DraftFromTicket creates a draft article from a ticket: its subject as the
// title and the last public agent reply as the body, so a solved answer is
// written once and reused. EUnprocessable when no agent has replied.
func (db *DB) DraftFromTicket(ctx context.Context, ticketID, by int64) (*domain.Article, error) {
	t, err := db.TicketWithTimeline(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	reply := t.LastAgentReply()
	if reply == nil {
		return nil, domain.Errorf(domain.EUnprocessabl, "This ticket has no reply from an agent to turn into an article.")
	}
	title := t.Subject
	body := reply.Body
	return db.CreateArticle(ctx, NewArticle{
		ArticleInput:   domain.ArticleInput{Title: &title, Body: &body, Tags: &t.Tags},
		AuthorID:       by,
		SourceTicketID: ticketID,
	})
}
