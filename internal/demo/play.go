package demo

import (
	"context"
	"time"

	"andon/internal/domain"
)

// target picks the status a ticket ends in, by its age: young tickets are
// mostly new or in progress, old ones mostly solved or closed.
func (p *player) target(age time.Duration) domain.Status {
	day := 24 * time.Hour
	var w []int // new, open, pending, on_hold, solved, closed
	switch {
	case age < day:
		w = []int{45, 30, 14, 5, 6, 0}
	case age < 7*day:
		w = []int{6, 28, 20, 12, 34, 0}
	case age < 30*day:
		w = []int{0, 8, 6, 5, 41, 40}
	default:
		w = []int{0, 2, 2, 2, 14, 80}
	}
	total := 0
	for _, x := range w {
		total += x
	}
	n := p.r.IntN(total)
	for i, x := range w {
		if n < x {
			return domain.Statuses[i]
		}
		n -= x
	}
	return domain.StatusClosed
}

// wait moves the clock forward by between lo and hi; it reports false (and
// leaves the clock) when that would pass the present.
func (p *player) wait(lo, hi time.Duration) bool {
	d := lo + time.Duration(p.r.Int64N(int64(hi-lo)+1))
	next := p.clock.Now().Add(d)
	if next.After(p.now.Add(-time.Minute)) {
		return false
	}
	p.clock.Set(next)
	return true
}

var channelWeights = []struct {
	ch domain.Channel
	w  int
}{{domain.ChannelEmail, 40}, {domain.ChannelChat, 20}, {domain.ChannelPortal, 15}, {domain.ChannelPhone, 17}, {domain.ChannelAPI, 8}}

func (p *player) channel() domain.Channel {
	n := p.r.IntN(100)
	for _, c := range channelWeights {
		if n < c.w {
			return c.ch
		}
		n -= c.w
	}
	return domain.ChannelEmail
}

func (p *player) priority() domain.Priority {
	switch n := p.r.IntN(100); {
	case n < 15:
		return domain.PriorityLow
	case n < 75:
		return domain.PriorityNormal
	case n < 93:
		return domain.PriorityHigh
	}
	return domain.PriorityUrgent
}

// ticket plays one ticket's life from its first message at start.
func (p *player) ticket(ctx context.Context, start time.Time) error {
	p.clock.Set(start)
	st := p.target(p.now.Sub(start))
	ch := p.channel()
	cust := pick(p.r, p.customerList)
	if ch == domain.ChannelPhone && cust.phone == "" {
		ch = domain.ChannelEmail
	}
	tp := pickTopic(p.r)
	f := newFiller(p.r, cust.name)
	team := p.teams[tp.team]
	agent := pick(p.r, p.byTeam[tp.team])
	tags := append([]string{}, tp.tags...)
	if cust.org {
		tags = append(tags, "b2b")
	}
	if p.r.IntN(100) < 6 {
		tags = append(tags, "vip")
	}
	nt := domain.NewTicket{
		Subject: f.fill(pick(p.r, tp.subjects)), Body: f.fill(pick(p.r, tp.bodies)),
		RequesterID: cust.id, Channel: ch, Priority: p.priority(), Tags: tags,
	}
	if ch == domain.ChannelPhone {
		// An agent took the call and logged it as the first entry.
		nt.AuthorUserID = agent
		nt.Call = &domain.CallInfo{Direction: domain.Inbound, DurationSeconds: 60 + p.r.IntN(900), From: cust.phone}
		nt.Body = "Customer called. " + nt.Body
	}
	if ch == domain.ChannelAPI {
		nt.Meta = map[string]any{"source": "shop-backend"}
	}
	if p.r.IntN(100) < 50 {
		nt.TeamID = &team // routed by the channel's rules
	}
	t, err := p.db.CreateTicket(ctx, nt)
	if err != nil {
		return err
	}
	pl := p.begin(t, tp, st, cust)
	if st == domain.StatusNew {
		return nil
	}
	agentActor := domain.Actor{UserID: agent}
	customerSays := func(body string, via domain.Channel) error {
		_, err := p.db.AddEntry(ctx, domain.NewEntry{TicketID: t.ID, Kind: domain.EntryMessage, Channel: via,
			Direction: domain.Inbound, Body: body, Actor: domain.Actor{ContactID: cust.id}})
		return err
	}
	agentReplies := func(body string, next domain.Status) error {
		ne := domain.NewEntry{TicketID: t.ID, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: body, Actor: agentActor, Status: next}
		if ch == domain.ChannelPhone || p.r.IntN(100) < 8 {
			ne.Kind = domain.EntryCall
			ne.Call = &domain.CallInfo{Direction: domain.Outbound, DurationSeconds: 90 + p.r.IntN(600), To: cust.phone}
		}
		_, err := p.db.AddEntry(ctx, ne)
		return err
	}
	note := func() error {
		_, err := p.db.AddEntry(ctx, domain.NewEntry{TicketID: t.ID, Kind: domain.EntryNote, Body: f.fill(pick(p.r, tp.notes)), Actor: agentActor})
		return err
	}

	firstWait := 10 * time.Minute
	if ch == domain.ChannelChat {
		firstWait = time.Minute
	}
	if !p.wait(firstWait, 6*time.Hour) {
		return nil
	}
	if _, err := p.db.UpdateTicket(ctx, t.ID, domain.TicketUpdate{AssigneeID: &agent, TeamID: &team}, agentActor); err != nil {
		return err
	}
	if p.r.IntN(100) < 30 {
		if err := note(); err != nil {
			return err
		}
	}
	first := domain.Status("")
	if st == domain.StatusPending {
		first = domain.StatusPending
	}
	if !p.wait(2*time.Minute, 3*time.Hour) {
		return nil
	}
	if err := agentReplies(f.fill(pick(p.r, tp.replies)), first); err != nil {
		return err
	}
	switch st {
	case domain.StatusPending:
		return nil
	case domain.StatusOpen:
		if p.r.IntN(100) < 60 && p.wait(time.Hour, 2*24*time.Hour) {
			return customerSays(f.fill(pick(p.r, tp.followups)), p.replyChannel(ch))
		}
		return nil
	case domain.StatusOnHold:
		if !p.wait(30*time.Minute, 24*time.Hour) {
			return nil
		}
		if err := note(); err != nil {
			return err
		}
		on := domain.StatusOnHold
		_, err := p.db.UpdateTicket(ctx, t.ID, domain.TicketUpdate{Status: &on}, agentActor)
		return err
	}
	// Solved or closed: maybe a follow-up round, then solved, maybe reopened.
	if p.r.IntN(100) < 40 && p.wait(time.Hour, 2*24*time.Hour) {
		if err := customerSays(f.fill(pick(p.r, tp.followups)), p.replyChannel(ch)); err != nil {
			return err
		}
		if !p.wait(20*time.Minute, 8*time.Hour) {
			return nil
		}
		if err := agentReplies(f.fill(pick(p.r, tp.replies)), ""); err != nil {
			return err
		}
	}
	if !p.wait(time.Hour, 2*24*time.Hour) {
		return nil
	}
	if err := customerSays(pick(p.r, thanks), p.replyChannel(ch)); err != nil {
		return err
	}
	solved := domain.StatusSolved
	if !p.wait(5*time.Minute, 4*time.Hour) {
		return nil
	}
	if _, err := p.db.UpdateTicket(ctx, t.ID, domain.TicketUpdate{Status: &solved}, agentActor); err != nil {
		return err
	}
	if p.r.IntN(100) < 12 && p.wait(24*time.Hour, 5*24*time.Hour) {
		// The problem came back: the customer's message reopens the ticket.
		pl.reopened = true
		if err := customerSays(pick(p.r, reopeners), p.replyChannel(ch)); err != nil {
			return err
		}
		if !p.wait(30*time.Minute, 6*time.Hour) {
			return nil
		}
		if err := agentReplies(f.fill(pick(p.r, tp.replies)), domain.StatusSolved); err != nil {
			return err
		}
	}
	if err := p.survey(ctx, pl); err != nil {
		return err
	}
	if st == domain.StatusClosed && p.wait(4*24*time.Hour, 5*24*time.Hour) {
		closed := domain.StatusClosed
		_, err := p.db.UpdateTicket(ctx, t.ID, domain.TicketUpdate{Status: &closed}, domain.System)
		return err
	}
	return nil
}

// replyChannel is how the customer answers: mostly where they started,
// sometimes by email (a chat that continues by mail, say).
func (p *player) replyChannel(ch domain.Channel) domain.Channel {
	if ch == domain.ChannelPhone || ch == domain.ChannelAPI || p.r.IntN(100) < 25 {
		return domain.ChannelEmail
	}
	return ch
}
