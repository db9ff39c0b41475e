package store

import (
	"context"
	"strconv"
	"strings"

	"andon/internal/domain"
)

// NotifyRequest asks to tell every customer with a linked ticket that a
// countermeasure is in place.
type NotifyRequest struct {
	Template         string
	CountermeasureID int64 // 0: the most recent countermeasure in place
	Force            bool  // notify tickets already told about this countermeasure
}

// NotifySkip says why a linked ticket was not notified.
type NotifySkip struct {
	TicketID int64  `json:"ticket_id"`
	Reason   string `json:"reason"`
}

// NotifyUnreachable is a linked customer no notice could reach: no live
// channel and no email address. Nothing was written or queued for them.
type NotifyUnreachable struct {
	TicketID  int64  `json:"ticket_id"`
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Reason    string `json:"reason"` // the routing rule's sentence
}

// NotifyResult reports a proactive notification. Notified counts tickets
// whose customer was actually reached; ByChannel splits it by the way
// they were reached ("email": mails queued, "chat": live chats).
type NotifyResult struct {
	CountermeasureID int64               `json:"countermeasure_id"`
	Notified         int                 `json:"notified"`
	ByChannel        map[string]int      `json:"by_channel"`
	Emailed          int                 `json:"emailed"` // outbox rows queued
	EntryIDs         []int64             `json:"entry_ids"`
	Skipped          []NotifySkip        `json:"skipped"` // every ticket not notified, unreachable ones included
	Unreachable      []NotifyUnreachable `json:"unreachable"`
}

// DefaultNoticeTemplate is used when the agent gives none.
const DefaultNoticeTemplate = `Hello {{customer_name}},

About your request {{ticket_ref}} ({{ticket_subject}}): we found what caused it and have put a fix in place: {{countermeasure}}.

You should not meet this problem again. If you do, just reply and we will look at it straight away.

{{agent_name}}`

// NotifyProblem adds an outbound public message, rendered from the
// template, to every linked ticket, routed like a reply (domain.RouteMessage:
// a live chat, else email to the customer's address). Customers the rule
// cannot reach get nothing and are listed in Unreachable. Each
// notice is recorded so a customer is never told twice about the same
// countermeasure unless forced. One transaction: all or nothing.
func (db *DB) NotifyProblem(ctx context.Context, problemID int64, req NotifyRequest, by domain.Actor) (*NotifyResult, error) {
	p, err := db.Problem(ctx, problemID)
	if err != nil {
		return nil, err
	}
	tpl := strings.TrimSpace(req.Template)
	if tpl == "" {
		tpl = DefaultNoticeTemplate
	}
	if len(tpl) > domain.MaxBodyLen {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "template too long", Fields: map[string]string{"template": "at most 100000 bytes"}}
	}
	var cm *domain.Countermeasure
	for _, c := range p.Countermeasures {
		if req.CountermeasureID != 0 && c.ID == req.CountermeasureID {
			cm = c
		}
		if req.CountermeasureID == 0 && c.Status == domain.CMInPlace && (cm == nil || c.InPlaceAt.After(*cm.InPlaceAt)) {
			cm = c
		}
	}
	switch {
	case req.CountermeasureID != 0 && cm == nil:
		return nil, &domain.Error{Code: domain.EInvalid, Message: "no such countermeasure on this problem", Fields: map[string]string{"countermeasure_id": "not a countermeasure of this problem"}}
	case cm == nil || cm.Status != domain.CMInPlace:
		return nil, &domain.Error{Code: domain.EUnprocessabl, Message: "notify customers once a countermeasure is in place",
			Fields: map[string]string{"countermeasure_id": "no countermeasure in place"}}
	}
	vars := func(t *domain.Ticket) map[string]string {
		name := "there"
		if t.Requester != nil && t.Requester.Name != "" {
			name = t.Requester.Name
		}
		// Values are text, not Markdown: the template alone may format.
		esc := domain.EscapeMarkdown
		return map[string]string{"customer_name": esc(name), "ticket_ref": t.Ref(), "ticket_subject": esc(t.Subject),
			"problem_title": esc(p.Title), "countermeasure": esc(cm.What), "agent_name": esc(by.Name)}
	}
	// Check the template before touching anything.
	if _, err := domain.RenderNotice(tpl, vars(&domain.Ticket{})); err != nil {
		return nil, err
	}
	res := &NotifyResult{CountermeasureID: cm.ID, ByChannel: map[string]int{}, EntryIDs: []int64{}, Skipped: []NotifySkip{},
		Unreachable: []NotifyUnreachable{}}
	var statusChanged []int64
	err = db.Update(ctx, func(tx *Tx) error {
		for _, t := range p.Tickets {
			var told int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM problem_notices WHERE countermeasure_id = ? AND ticket_id = ?`, cm.ID, t.ID).Scan(&told); err != nil {
				return err
			}
			if told > 0 && !req.Force {
				res.Skipped = append(res.Skipped, NotifySkip{TicketID: t.ID, Reason: "already notified about this countermeasure"})
				continue
			}
			route, err := tx.MessageRoute(ctx, t.ID, domain.SendNotice)
			if err != nil {
				return err
			}
			if route.Unreachable {
				u := NotifyUnreachable{TicketID: t.ID, ContactID: t.RequesterID, Reason: route.Note}
				if t.Requester != nil {
					u.Name = t.Requester.DisplayName()
				}
				res.Unreachable = append(res.Unreachable, u)
				res.Skipped = append(res.Skipped, NotifySkip{TicketID: t.ID, Reason: route.Note})
				continue
			}
			body, err := domain.RenderNotice(tpl, vars(t))
			if err != nil {
				return err
			}
			n := domain.NewEntry{TicketID: t.ID, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: body, Actor: by,
				Meta: map[string]any{"notice": true, "problem_id": p.ID, "countermeasure_id": cm.ID}}
			if err := n.Validate(); err != nil {
				return err
			}
			id, changed, err := tx.AddEntry(ctx, n)
			if err != nil {
				return err
			}
			if err := res.count(ctx, tx, id, route); err != nil {
				return err
			}
			if changed {
				statusChanged = append(statusChanged, t.ID)
			}
			if _, err := tx.insert(ctx, `INSERT INTO problem_notices (problem_id, countermeasure_id, ticket_id, entry_id, created_at) VALUES (?, ?, ?, ?, ?)`,
				p.ID, cm.ID, t.ID, id, ms(db.Now())); err != nil {
				return err
			}
			res.EntryIDs = append(res.EntryIDs, id)
		}
		if res.Notified == 0 {
			return nil
		}
		return tx.problemEvent(ctx, p.ID, domain.Event{Field: "notified", To: strconv.Itoa(res.Notified) + " customers"},
			"countermeasure: "+domain.Preview(cm.What), by, false)
	})
	if err != nil {
		return nil, err
	}
	for _, id := range res.EntryIDs {
		e, err := db.Entry(ctx, id)
		if err == nil {
			db.publish(domain.Change{Kind: domain.ChangeEntryCreated, TicketID: e.TicketID, EntryID: id, UserID: by.UserID})
		}
	}
	for _, t := range statusChanged {
		db.publish(domain.Change{Kind: domain.ChangeTicketUpdated, TicketID: t, UserID: by.UserID})
	}
	if res.Notified > 0 {
		db.publish(domain.Change{Kind: domain.ChangeProblemUpdated, UserID: by.UserID, Data: map[string]int64{"problem_id": p.ID}})
	}
	return res, nil
}

// count adds what one notice actually did: the mail rows queued for its
// entry and the live chat it appeared in.
func (res *NotifyResult) count(ctx context.Context, tx *Tx, entryID int64, r domain.Route) error {
	var mails int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE entry_id = ?`, entryID).Scan(&mails); err != nil {
		return err
	}
	res.Emailed += mails
	if mails > 0 {
		res.ByChannel[string(domain.ChannelEmail)]++
	}
	if r.ByChat() {
		res.ByChannel[string(domain.ChannelChat)]++
	}
	if mails > 0 || r.ByChat() {
		res.Notified++
	}
	return nil
}
