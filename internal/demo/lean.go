package demo

import (
	"context"
	"fmt"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// The lean-service side of the demo: the value chain with its failure
// reasons, agents classifying the demand, customers chasing and answering
// surveys. Everything goes through the store as an agent would do it.

// valueChain lists the demo stages and their failure reasons in order.
var valueChain = []struct {
	stage   string
	reasons []string
}{
	{"Sales", []string{"Promised date not kept"}},
	{"Billing", []string{"Double charge", "Confusing invoice"}},
	{"Logistics", []string{"Late parcel", "Damaged in transit"}},
	{"Product", []string{"Broken part", "Unclear manual"}},
	{"Supplier", []string{"Wrong part shipped"}},
	{"Support", []string{"Chasing an earlier contact", "Reset email not arriving"}},
}

// Failure reason keys used below.
const (
	rLate     = "Logistics/Late parcel"
	rDamaged  = "Logistics/Damaged in transit"
	rDouble   = "Billing/Double charge"
	rInvoice  = "Billing/Confusing invoice"
	rBroken   = "Product/Broken part"
	rManual   = "Product/Unclear manual"
	rWrong    = "Supplier/Wrong part shipped"
	rChasing  = "Support/Chasing an earlier contact"
	rResetMsg = "Support/Reset email not arriving"
)

// demand says, per topic (its first tag), how often its tickets are failure
// demand (in percent) and which reasons they have, by weight. Late parcels
// lead the Pareto on purpose: that is the demo's story.
var demand = map[string]struct {
	failurePct int
	reasons    []weighted
}{
	"delivery": {90, []weighted{{rLate, 85}, {rDamaged, 15}}},
	"billing":  {65, []weighted{{rDouble, 60}, {rInvoice, 40}}},
	"defect":   {80, []weighted{{rBroken, 60}, {rWrong, 25}, {rManual, 15}}},
	"how-to":   {25, []weighted{{rManual, 100}}},
	"return":   {20, []weighted{{rDamaged, 100}}},
	"account":  {30, []weighted{{rResetMsg, 100}}},
}

type weighted struct {
	key string
	w   int
}

// played is what the lean steps need to know of a played ticket.
type played struct {
	id       int64
	subject  string
	created  time.Time
	tag      string // the topic's first tag
	st       domain.Status
	cust     customer
	demand   domain.DemandType // what the agent will classify it as
	reason   string
	reopened bool
	skip     bool // the agent never classified it
}

func (p *player) valueChain(ctx context.Context) error {
	for _, s := range valueChain {
		name := s.stage
		st, err := p.db.CreateStage(ctx, store.StageInput{Name: &name})
		if err != nil {
			return fmt.Errorf("stage %s: %w", name, err)
		}
		for _, r := range s.reasons {
			r := r
			fr, err := p.db.CreateFailureReason(ctx, store.FailureReasonInput{Name: &r, StageID: &st.ID})
			if err != nil {
				return fmt.Errorf("failure reason %s: %w", r, err)
			}
			p.reasons[s.stage+"/"+r] = fr.ID
		}
	}
	return nil
}

// begin decides, when a ticket arrives, how the agent will classify it.
func (p *player) begin(t *domain.Ticket, tp *topic, st domain.Status, cust customer) *played {
	pl := &played{id: t.ID, subject: t.Subject, created: t.CreatedAt, tag: tp.tags[0], st: st, cust: cust, demand: domain.DemandValue}
	d := demand[pl.tag]
	if p.lr.IntN(100) < d.failurePct {
		pl.demand, pl.reason = domain.DemandFailure, p.reasonOf(pl.tag)
	}
	pl.skip = st == domain.StatusNew || p.lr.IntN(100) < 7
	p.last = pl
	p.played = append(p.played, pl)
	return pl
}

func (p *player) reasonOf(tag string) string {
	rs := demand[tag].reasons
	total := 0
	for _, r := range rs {
		total += r.w
	}
	n := p.lr.IntN(total)
	for _, r := range rs {
		if n < r.w {
			return r.key
		}
		n -= r.w
	}
	return rs[0].key
}

// lwait is p.wait on the lean random source.
func (p *player) lwait(lo, hi time.Duration) bool {
	d := lo + time.Duration(p.lr.Int64N(int64(hi-lo)+1))
	if next := p.clock.Now().Add(d); !next.After(p.now.Add(-time.Minute)) {
		p.clock.Set(next)
		return true
	}
	return false
}

// finish classifies the ticket just played (a reopened ticket is failure
// demand: the first answer did not hold) and sometimes has its customer
// chase it with a new ticket. It returns how many tickets it added.
func (p *player) finish(ctx context.Context) (int, error) {
	pl := p.last
	if pl == nil {
		return 0, nil
	}
	p.last = nil
	if pl.reopened && pl.demand != domain.DemandFailure {
		pl.demand, pl.reason = domain.DemandFailure, p.reasonOf(pl.tag)
		if demand[pl.tag].failurePct < 50 {
			pl.reason = rChasing
		}
	}
	if !pl.skip {
		p.lwait(time.Minute, 10*time.Minute)
		if err := p.classify(ctx, pl); err != nil {
			return 0, err
		}
		if err := p.transfer(ctx, pl); err != nil {
			return 0, err
		}
	}
	if (pl.st != domain.StatusOpen && pl.st != domain.StatusOnHold) || p.lr.IntN(100) >= 25 {
		return 0, nil
	}
	return p.chase(ctx, pl)
}

// transfer: some tickets were first routed to the wrong team and are handed
// over, which costs the customer another wait.
func (p *player) transfer(ctx context.Context, pl *played) error {
	if pl.st != domain.StatusOpen && pl.st != domain.StatusPending || p.lr.IntN(100) >= 25 {
		return nil
	}
	team := Teams[p.lr.IntN(len(Teams))]
	agent := p.byTeam[team][p.lr.IntN(len(p.byTeam[team]))]
	tid := p.teams[team]
	_, err := p.db.UpdateTicket(ctx, pl.id, domain.TicketUpdate{AssigneeID: &agent, TeamID: &tid}, domain.Actor{UserID: p.admin, Name: "Alex Admin"})
	return err
}

func (p *player) classify(ctx context.Context, pl *played) error {
	d := pl.demand
	var reason *int64
	if d == domain.DemandFailure {
		id := p.reasons[pl.reason]
		reason = &id
	}
	_, err := p.db.ClassifyTicket(ctx, pl.id, &d, reason, nil, domain.Actor{UserID: p.admin, Name: "Alex Admin"})
	return err
}

// chase: the customer writes again, in a new ticket, about one still open.
func (p *player) chase(ctx context.Context, pl *played) (int, error) {
	if p.clock.Now().Before(pl.created.Add(24 * time.Hour)) {
		p.clock.Set(pl.created.Add(24 * time.Hour))
	}
	if !p.lwait(time.Hour, 2*24*time.Hour) {
		return 0, nil
	}
	ref := (&domain.Ticket{Number: pl.id}).Ref()
	t, err := p.db.CreateTicket(ctx, domain.NewTicket{
		Subject:     "Any news? " + pl.subject,
		Body:        fmt.Sprintf("Hello, I wrote to you about this a while ago (%s) and I am still waiting. Could someone please get back to me?", ref),
		RequesterID: pl.cust.id, Channel: domain.ChannelEmail, Tags: []string{"chaser"},
	})
	if err != nil {
		return 0, err
	}
	ch := &played{id: t.ID, subject: t.Subject, created: t.CreatedAt, tag: "chaser", st: domain.StatusSolved, cust: pl.cust,
		demand: domain.DemandFailure, reason: rChasing}
	p.played = append(p.played, ch)
	if !p.lwait(10*time.Minute, 3*time.Hour) {
		return 1, nil
	}
	if err := p.classify(ctx, ch); err != nil {
		return 1, err
	}
	agent := p.byTeam["Support"][p.lr.IntN(len(p.byTeam["Support"]))]
	_, err = p.db.AddEntry(ctx, domain.NewEntry{TicketID: t.ID, Kind: domain.EntryMessage, Direction: domain.Outbound,
		Body:  fmt.Sprintf("Hi %s, sorry for the wait. We are on it in %s and will answer you there.", pl.cust.name, ref),
		Actor: domain.Actor{UserID: agent}, Status: domain.StatusSolved})
	return 1, err
}

var csatComments = map[int][]string{
	1: {"Third time I had to write about the same parcel.", "Nobody told me anything until I chased you."},
	2: {"Took far too long, and I had to explain everything twice.", "Fixed in the end, but why did it break again?"},
	4: {"Friendly, but I should not have needed to ask.", "Good help once someone picked it up."},
	5: {"Quick and friendly, thank you!", "Solved in one reply. Great service.", "Tom sorted the refund in minutes."},
}

var cesComments = []string{
	"Had to switch from chat to email and repeat my order number.",
	"Easy: one message and it was done.",
	"I had to call because the email went unanswered.",
}

// survey: about half of the customers answer the survey after the solve;
// failure demand and reopened tickets cost them more effort.
func (p *player) survey(ctx context.Context, pl *played) error {
	if p.lr.IntN(100) >= 55 || !p.lwait(10*time.Minute, 20*time.Hour) {
		return nil
	}
	ces, csat := 6+p.lr.IntN(2), 4+p.lr.IntN(2) // value demand, answered well
	if pl.demand == domain.DemandFailure {
		ces, csat = 3+p.lr.IntN(4), 2+p.lr.IntN(4)
	}
	if pl.reopened {
		ces, csat = 1+p.lr.IntN(3), 1+p.lr.IntN(2)
	}
	comment := ""
	if cs := csatComments[csat]; len(cs) > 0 && p.lr.IntN(100) < 30 {
		comment = cs[p.lr.IntN(len(cs))]
	}
	if err := p.db.RecordSurvey(ctx, store.SurveyAnswer{TicketID: pl.id, Kind: store.SurveyCSAT, Score: csat, Comment: comment}); err != nil {
		return err
	}
	if p.lr.IntN(100) < 15 {
		return nil // answered only the first question
	}
	comment = ""
	if p.lr.IntN(100) < 10 {
		comment = cesComments[p.lr.IntN(len(cesComments))]
	}
	return p.db.RecordSurvey(ctx, store.SurveyAnswer{TicketID: pl.id, Kind: store.SurveyCES, Score: ces, Comment: comment})
}
