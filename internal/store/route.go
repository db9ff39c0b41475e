package store

import (
	"context"
	"database/sql"
	"time"

	"andon/internal/domain"
)

// Routing: the store gathers the facts and domain.RouteMessage decides
// where a message to the customer goes.

type rowQuerier interface {
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// routeFacts loads what the routing rule needs about a ticket's customer.
// A chat visitor with no proven address is answered at the one they claimed:
// the agent writes that mail, and the ticket page shows the claim unverified.
func routeFacts(ctx context.Context, q rowQuerier, ticketID int64) (domain.RouteFacts, error) {
	var f domain.RouteFacts
	var live int
	err := q.queryRow(ctx, `SELECT t.channel, c.name,
		COALESCE((SELECT i.value FROM identities i WHERE i.contact_id = c.id AND i.kind = 'email' ORDER BY i.id LIMIT 1),
			NULLIF((SELECT v.claimed_email FROM chat_sessions s JOIN chat_visitors v ON v.id = s.visitor_id WHERE s.ticket_id = t.id), ''), ''),
		COALESCE((SELECT CASE WHEN s.ended_at IS NULL AND NOT s.offline THEN 1 ELSE 0 END FROM chat_sessions s WHERE s.ticket_id = t.id), 0)
		FROM tickets t JOIN contacts c ON c.id = t.requester_id WHERE t.id = ?`, ticketID).Scan(&f.Channel, &f.Name, &f.Email, &live)
	if isNoRows(err) {
		return f, domain.NotFound("ticket")
	}
	f.ChatLive = live == 1
	return f, err
}

// ReplyRoute says where a public reply on the ticket would go if sent now:
// the composer shows Route.Note and warns when Route.Unreachable.
func (db *DB) ReplyRoute(ctx context.Context, ticketID int64) (domain.Route, error) {
	return db.MessageRoute(ctx, ticketID, domain.SendReply)
}

// MessageRoute is ReplyRoute for any kind of message.
func (db *DB) MessageRoute(ctx context.Context, ticketID int64, kind domain.MessageKind) (domain.Route, error) {
	f, err := routeFacts(ctx, db, ticketID)
	if err != nil {
		return domain.Route{}, err
	}
	return domain.RouteMessage(kind, f), nil
}

// MessageRoute is the in-transaction form.
func (tx *Tx) MessageRoute(ctx context.Context, ticketID int64, kind domain.MessageKind) (domain.Route, error) {
	f, err := routeFacts(ctx, tx, ticketID)
	if err != nil {
		return domain.Route{}, err
	}
	return domain.RouteMessage(kind, f), nil
}

// entryRoute decides where an agent's outbound message goes; nil for any
// other entry (notes, customer messages, calls).
func (tx *Tx) entryRoute(ctx context.Context, t *domain.Ticket, n domain.NewEntry) (*domain.Route, error) {
	if n.Kind != domain.EntryMessage || n.Direction != domain.Outbound || n.Actor.UserID == 0 {
		return nil, nil
	}
	kind := domain.SendReply
	if n.Meta["notice"] == true {
		kind = domain.SendNotice
	}
	r, err := tx.MessageRoute(ctx, t.ID, kind)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// withDelivery returns meta (copied) with the route recorded on it.
func withDelivery(meta map[string]any, r *domain.Route) map[string]any {
	if r == nil {
		return meta
	}
	out := make(map[string]any, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	out[domain.MetaDelivery] = *r
	return out
}

// enqueueRouted queues the email of an agent's message when its route says
// so. Called by Tx.AddEntry, so the entry and its email commit together.
func (tx *Tx) enqueueRouted(ctx context.Context, t *domain.Ticket, entryID int64, n domain.NewEntry, r *domain.Route) error {
	if r == nil || !r.ByEmail() {
		return nil
	}
	mc, err := tx.TicketMailContext(ctx, t.ID)
	if err != nil {
		return err
	}
	ticketID := t.ID
	o := &domain.OutboxMessage{
		Kind: domain.OutboxReply, TicketID: &ticketID, EntryID: &entryID, MailboxID: mc.MailboxID,
		To: []string{r.Email}, Cc: metaAddrs(n.Meta, "cc"), Bcc: metaAddrs(n.Meta, "bcc"),
		Subject: domain.ReplySubject(t.Subject, t.ID), Body: n.Body, InReplyTo: mc.InReplyTo, References: mc.References,
	}
	_, err = tx.EnqueueMail(ctx, o)
	return err
}

// enqueueAck queues the acknowledgement of a new ticket (portal form) by
// the same templates as email acknowledgements, when the rule says it can
// be mailed and the address has not had too many this hour.
func (tx *Tx) enqueueAck(ctx context.Context, ticketID int64, subject string) error {
	r, err := tx.MessageRoute(ctx, ticketID, domain.SendAck)
	if err != nil || !r.ByEmail() {
		return err
	}
	n, err := tx.CountMailSince(ctx, domain.OutboxAck, r.Email, tx.Now().Add(-time.Hour))
	if err != nil || n >= domain.AckLimitPerHour {
		return err
	}
	f, err := routeFacts(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	name := f.Name
	if name == "" {
		name = r.Email
	}
	subjTpl, err := tx.Setting(ctx, domain.SettingAckSubject, "")
	if err != nil {
		return err
	}
	bodyTpl, err := tx.Setting(ctx, domain.SettingAckBody, domain.DefaultAckBody)
	if err != nil {
		return err
	}
	subj, body := domain.RenderAck(subjTpl, bodyTpl, name, ticketID, subject)
	mc, err := tx.TicketMailContext(ctx, ticketID)
	if err != nil {
		return err
	}
	_, err = tx.EnqueueMail(ctx, &domain.OutboxMessage{Kind: domain.OutboxAck, TicketID: &ticketID, MailboxID: mc.MailboxID,
		To: []string{r.Email}, Subject: subj, Body: body, InReplyTo: mc.InReplyTo, References: mc.References})
	return err
}
