package store

import (
	"context"
	"strings"

	"andon/internal/domain"
)

// ChatPost is one visitor message to store.
type ChatPost struct {
	Visitor *domain.ChatVisitor
	Msg     domain.NewChatMessage
}

// ChatPostResult is what storing one ChatPost did.
type ChatPostResult struct {
	Posted *domain.ChatPosted
	Err    error
}

// PostChatMessage stores a visitor's message, opening a chat ticket when the
// visitor has no open chat. A client id seen before stores nothing and
// returns the message stored the first time, so resends are harmless.
func (db *DB) PostChatMessage(ctx context.Context, v *domain.ChatVisitor, n domain.NewChatMessage) (*domain.ChatPosted, error) {
	r := db.PostChatMessages(ctx, []ChatPost{{Visitor: v, Msg: n}})[0]
	return r.Posted, r.Err
}

// PostChatMessages stores several visitors' messages in one transaction
// (group commit: one fsync for many messages), in order, with the same
// de-duplication as one at a time: a repeated client id later in the batch
// sees the earlier one. Invalid messages fail alone; if the transaction
// fails, each message is retried in its own, so one bad message cannot
// lose the others. Events are published only after the commit.
func (db *DB) PostChatMessages(ctx context.Context, posts []ChatPost) []ChatPostResult {
	out := make([]ChatPostResult, len(posts))
	valid := make([]int, 0, len(posts))
	for i := range posts {
		posts[i].Msg.VisitorID = posts[i].Visitor.ID
		if err := posts[i].Msg.Validate(); err != nil {
			out[i].Err = err
			continue
		}
		valid = append(valid, i)
	}
	if len(valid) == 0 {
		return out
	}
	done := make([]chatPostDone, len(posts))
	err := db.Update(ctx, func(tx *Tx) error {
		for _, i := range valid {
			d, err := tx.postChatMessage(ctx, posts[i].Visitor, posts[i].Msg)
			if err != nil {
				return err
			}
			done[i] = d
		}
		return nil
	})
	if err != nil {
		if len(valid) == 1 {
			out[valid[0]].Err = err
			return out
		}
		for _, i := range valid {
			out[i] = db.PostChatMessages(ctx, posts[i:i+1])[0]
		}
		return out
	}
	for _, i := range valid {
		d := done[i]
		if !d.posted.Duplicate {
			if d.posted.Created {
				db.publish(domain.Change{Kind: domain.ChangeTicketCreated, TicketID: d.posted.Message.TicketID})
				db.publish(domain.Change{Kind: domain.ChangeChatStarted, TicketID: d.posted.Message.TicketID, Data: map[string]any{"visitor": posts[i].Visitor.ID}})
			}
			db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: d.posted.Message.TicketID, EntryID: d.posted.Message.ID})
			if d.statusChanged {
				db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: d.posted.Message.TicketID})
			}
		}
		out[i].Posted = d.posted
	}
	return out
}

type chatPostDone struct {
	posted        *domain.ChatPosted
	statusChanged bool
}

// postChatMessage is one validated message inside a transaction.
func (tx *Tx) postChatMessage(ctx context.Context, v *domain.ChatVisitor, n domain.NewChatMessage) (chatPostDone, error) {
	out := &domain.ChatPosted{}
	var entryID, ticketID int64
	var statusChanged bool
	err := tx.queryRow(ctx, `SELECT m.entry_id, e.ticket_id FROM chat_client_messages m JOIN entries e ON e.id = m.entry_id
		WHERE m.visitor_id = ? AND m.client_id = ?`, n.VisitorID, n.ClientID).Scan(&entryID, &ticketID)
	if err == nil {
		out.Duplicate = true
		out.Message = domain.ChatMessage{ID: entryID, TicketID: ticketID, ClientID: n.ClientID, From: "visitor"}
		return chatPostDone{posted: out}, nil
	}
	if !isNoRows(err) {
		return chatPostDone{}, err
	}
	body := n.Body
	if body == "" {
		names := make([]string, len(n.Files))
		for i, f := range n.Files {
			names[i] = f.Filename
		}
		body = "Sent " + strings.Join(names, ", ")
	}
	meta := map[string]any{"chat_client_id": n.ClientID}
	// The socket's copy of the visitor may be stale: a proven address or an
	// agent's merge moves the visitor to another contact.
	var contactID int64
	if err := tx.queryRow(ctx, `SELECT contact_id FROM chat_visitors WHERE id = ?`, n.VisitorID).Scan(&contactID); err != nil {
		return chatPostDone{}, err
	}
	err = tx.queryRow(ctx, `SELECT ticket_id, offline FROM chat_sessions WHERE visitor_id = ? AND ended_at IS NULL ORDER BY ticket_id DESC LIMIT 1`,
		n.VisitorID).Scan(&ticketID, &out.Offline)
	switch {
	case isNoRows(err):
		nt := domain.NewTicket{Subject: chatSubject(v, body), Body: body, RequesterID: contactID, Channel: domain.ChannelChat,
			TeamID: v.TeamID, Meta: meta}
		if err := nt.Validate(); err != nil {
			return chatPostDone{}, err
		}
		if ticketID, err = tx.CreateTicket(ctx, nt); err != nil {
			return chatPostDone{}, err
		}
		if entryID, err = tx.FirstEntryID(ctx, ticketID); err != nil {
			return chatPostDone{}, err
		}
		out.Created, out.Offline = true, !n.Online
		if _, err := tx.exec(ctx, `INSERT INTO chat_sessions (ticket_id, visitor_id, offline, created_at) VALUES (?, ?, ?, ?)`,
			ticketID, n.VisitorID, out.Offline, ms(tx.db.Now())); err != nil {
			return chatPostDone{}, err
		}
	case err != nil:
		return chatPostDone{}, err
	default:
		ne := domain.NewEntry{TicketID: ticketID, Kind: domain.EntryMessage, Direction: domain.Inbound, Body: body,
			Actor: domain.Actor{ContactID: contactID, Name: v.Name}, Meta: meta}
		if entryID, statusChanged, err = tx.AddEntry(ctx, ne); err != nil {
			return chatPostDone{}, err
		}
	}
	if err := tx.addAttachments(ctx, ticketID, entryID, n.Files); err != nil {
		return chatPostDone{}, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO chat_client_messages (visitor_id, client_id, entry_id, created_at) VALUES (?, ?, ?, ?)`,
		n.VisitorID, n.ClientID, entryID, ms(tx.db.Now())); err != nil {
		return chatPostDone{}, err
	}
	// Only what the ack needs; the message itself reaches the client by the
	// same path as every other (ChatMessagesSince), in order.
	out.Message = domain.ChatMessage{ID: entryID, TicketID: ticketID, ClientID: n.ClientID, From: "visitor"}
	return chatPostDone{posted: out, statusChanged: statusChanged}, nil
}
