package demo

import (
	"context"
	"fmt"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// The demo's problems: the andon pulled on the defects behind the tickets,
// in every state a team lead meets on the board. Each step runs when the
// clock reaches it, between the tickets, so the links, findings and
// countermeasures happen in the order an agent would do them.

type step struct {
	at time.Time
	do func(ctx context.Context) error
}

// runSteps runs the steps due by until and returns the rest.
func (p *player) runSteps(ctx context.Context, steps []step, until time.Time) ([]step, error) {
	for len(steps) > 0 && !steps[0].at.After(until) {
		p.clock.Set(steps[0].at)
		if err := steps[0].do(ctx); err != nil {
			return nil, err
		}
		steps = steps[1:]
	}
	return steps, nil
}

// demoProblem is one problem the steps build up.
type demoProblem struct {
	id int64
}

func (p *player) daysAgo(d float64) time.Time {
	return p.now.Add(-time.Duration(d * float64(24*time.Hour)))
}

// pickPlayed returns up to n played tickets of a topic created in
// [from, to) and not on a problem yet, failure demand first.
func (p *player) pickPlayed(tag string, from, to time.Time, n int) []*played {
	var out []*played
	for _, want := range []domain.DemandType{domain.DemandFailure, domain.DemandValue} {
		for i := len(p.played) - 1; i >= 0 && len(out) < n; i-- {
			pl := p.played[i]
			if pl.tag != tag || pl.demand != want || p.linked[pl.id] || pl.created.Before(from) || !pl.created.Before(to) {
				continue
			}
			out = append(out, pl)
		}
	}
	return out
}

// link attaches tickets to the problem as failure demand of the reason.
func (p *player) link(ctx context.Context, pr *demoProblem, reason string, tickets []*played, by domain.Actor) error {
	failure, rid, pid := domain.DemandFailure, p.reasons[reason], pr.id
	for _, pl := range tickets {
		if _, err := p.db.ClassifyTicket(ctx, pl.id, &failure, &rid, &pid, by); err != nil {
			return fmt.Errorf("link ticket %d: %w", pl.id, err)
		}
		pl.demand, pl.reason, pl.skip = failure, reason, false
		p.linked[pl.id] = true
		p.clock.Set(p.clock.Now().Add(time.Duration(2+p.lr.IntN(20)) * time.Minute))
	}
	return nil
}

func (p *player) stageID(ctx context.Context, name string) (*int64, error) {
	stages, err := p.db.Stages(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		if s.Name == name {
			return &s.ID, nil
		}
	}
	return nil, fmt.Errorf("no stage %s", name)
}

func (p *player) open(ctx context.Context, pr *demoProblem, title, desc, stage string, owner, team *int64, by domain.Actor) error {
	sid, err := p.stageID(ctx, stage)
	if err != nil {
		return err
	}
	np, err := p.db.CreateProblem(ctx, domain.NewProblem{Title: title, Description: desc, StageID: sid, OwnerUserID: owner, OwnerTeamID: team}, by)
	if err != nil {
		return fmt.Errorf("problem %q: %w", title, err)
	}
	pr.id = np.ID
	return nil
}

func (p *player) analyse(ctx context.Context, pr *demoProblem, whys []string, rootCause string, by domain.Actor) error {
	st := domain.ProblemRootCauseFound
	_, err := p.db.UpdateProblem(ctx, pr.id, domain.ProblemUpdate{Whys: &whys, RootCause: &rootCause, Status: &st}, by)
	return err
}

func (p *player) agentActor(team string, i int) domain.Actor {
	id := p.byTeam[team][i]
	for k, a := range agentNames {
		if p.agents[k] == id {
			return domain.Actor{UserID: id, Name: a.name}
		}
	}
	return domain.Actor{UserID: id}
}

func dueDate(t time.Time) string { return t.Format(time.DateOnly) }

// problemSteps plans the five demo problems.
func (p *player) problemSteps() []step {
	jon, maya := p.agentActor("Logistics", 0), p.agentActor("Logistics", 1)
	tom := p.agentActor("Billing", 0)
	priya := p.agentActor("Support", 1)
	sam := domain.Actor{UserID: p.collaborator, Name: "Sam Patel"} // the logistics partner, a collaborator
	logistics := func() *int64 { id := p.teams["Logistics"]; return &id }
	var carafes, depot, capture, wand, burrs demoProblem
	var carafesCM int64
	steps := []step{
		// 1. Verified: carafes broken in transit; the partner's new boxes held.
		{p.daysAgo(45), func(ctx context.Context) error {
			if err := p.open(ctx, &carafes, "Glass carafes arrive broken", "Filter One and Cold Brew carafes reach customers in pieces.",
				"Logistics", &maya.UserID, nil, maya); err != nil {
				return err
			}
			return p.link(ctx, &carafes, rDamaged, p.pickPlayed("delivery", p.daysAgo(92), p.daysAgo(45), 3), maya)
		}},
		{p.daysAgo(38), func(ctx context.Context) error {
			if err := p.analyse(ctx, &carafes, []string{
				"The carafes hit the box wall when a parcel is dropped.",
				"The box has no inner padding for glass.",
				"The partner packs every item in the same single-wall box.",
				"Glass items are not flagged as fragile in the order data we send.",
			}, "Our order export does not flag glass items as fragile, so the logistics partner packs them like accessories.", maya); err != nil {
				return err
			}
			cm, err := p.db.AddCountermeasure(ctx, carafes.id, domain.NewCountermeasure{
				What: "Flag glass items as fragile in the order export; the partner packs them in double-wall boxes", OwnerUserID: &p.collaborator,
				DueDate: dueDate(p.daysAgo(27)), Status: domain.CMInProgress,
				Verification: "No damaged-in-transit tickets for carafes for 14 days", RecurrenceWindowDays: 14}, maya)
			if err != nil {
				return err
			}
			carafesCM = cm.ID
			return nil
		}},
		{p.daysAgo(33), func(ctx context.Context) error {
			return p.link(ctx, &carafes, rDamaged, p.pickPlayed("delivery", p.daysAgo(45), p.daysAgo(33), 2), maya)
		}},
		{p.daysAgo(26), func(ctx context.Context) error {
			if err := p.db.AddProblemNote(ctx, carafes.id, "Fragile flag is live in the export since this morning; all glass now ships in double-wall boxes.", sam); err != nil {
				return err
			}
			inPlace := domain.CMInPlace
			if _, err := p.db.UpdateCountermeasure(ctx, carafesCM, domain.CountermeasureUpdate{Status: &inPlace}, sam); err != nil {
				return err
			}
			p.clock.Set(p.clock.Now().Add(40 * time.Minute))
			_, err := p.db.NotifyProblem(ctx, carafes.id, store.NotifyRequest{}, maya)
			return err
		}},

		// 2. Flagged: late parcels from one depot; rerouting did not stop them.
		{p.daysAgo(31), func(ctx context.Context) error {
			if err := p.open(ctx, &depot, "Parcels stuck at the Leipzig depot", "Tracking stops at the Leipzig hub for 4–6 days.",
				"Logistics", &jon.UserID, logistics(), jon); err != nil {
				return err
			}
			return p.link(ctx, &depot, rLate, p.pickPlayed("delivery", p.daysAgo(50), p.daysAgo(31), 5), jon)
		}},
		{p.daysAgo(27), func(ctx context.Context) error {
			return p.analyse(ctx, &depot, []string{
				"Parcels wait at the Leipzig hub for days.",
				"The hub sorts our parcels only twice a week.",
				"Our volume contract puts us on the low-priority lane.",
			}, "Our carrier contract routes all eastern parcels through a low-priority lane at the Leipzig hub.", jon)
		}},
		{p.daysAgo(21), func(ctx context.Context) error {
			if _, err := p.db.AddCountermeasure(ctx, depot.id, domain.NewCountermeasure{
				What: "Route eastern parcels through the Berlin hub instead of Leipzig", OwnerUserID: &p.collaborator,
				DueDate: dueDate(p.daysAgo(21)), Status: domain.CMInPlace,
				Verification: "No late-parcel tickets from the eastern postcodes for 30 days", RecurrenceWindowDays: 30}, sam); err != nil {
				return err
			}
			p.clock.Set(p.clock.Now().Add(time.Hour))
			_, err := p.db.NotifyProblem(ctx, depot.id, store.NotifyRequest{}, jon)
			return err
		}},
		{p.daysAgo(8), func(ctx context.Context) error {
			// Recurrence: late parcels keep coming after the reroute.
			if err := p.link(ctx, &depot, rLate, p.pickPlayed("delivery", p.daysAgo(20), p.daysAgo(8), 2), jon); err != nil {
				return err
			}
			return p.db.AddProblemNote(ctx, depot.id, "Two more late parcels since the reroute: the Berlin hub has the same sorting schedule. Back to the carrier.", jon)
		}},

		// 3. Root cause found: double captures when a payment is retried.
		{p.daysAgo(14), func(ctx context.Context) error {
			if err := p.open(ctx, &capture, "Card charged twice when payment is retried", "Customers retrying a failed payment are charged twice.",
				"Billing", &tom.UserID, nil, tom); err != nil {
				return err
			}
			return p.link(ctx, &capture, rDouble, p.pickPlayed("billing", p.daysAgo(40), p.daysAgo(14), 4), tom)
		}},
		{p.daysAgo(9), func(ctx context.Context) error {
			if err := p.analyse(ctx, &capture, []string{
				"The first, failed attempt was captured after all.",
				"The checkout captures every open authorisation after 24 hours.",
				"A retry does not cancel the earlier authorisation.",
			}, "A retried checkout leaves the first authorisation open, and the nightly capture job takes it.", tom); err != nil {
				return err
			}
			_, err := p.db.AddCountermeasure(ctx, capture.id, domain.NewCountermeasure{
				What: "Void the open authorisation when a payment is retried", OwnerUserID: &tom.UserID,
				DueDate: dueDate(p.now.Add(7 * 24 * time.Hour)), Status: domain.CMPlanned,
				Verification: "No double-charge tickets for 30 days", RecurrenceWindowDays: 30}, tom)
			return err
		}},

		// 4. Investigating: steam wands failing.
		{p.daysAgo(6), func(ctx context.Context) error {
			if err := p.open(ctx, &wand, "Steam wands stop producing steam", "Several machines from the spring batch lose steam after a few weeks.",
				"Product", &priya.UserID, nil, priya); err != nil {
				return err
			}
			if err := p.link(ctx, &wand, rBroken, p.pickPlayed("defect", p.daysAgo(30), p.daysAgo(6), 3), priya); err != nil {
				return err
			}
			return p.db.AddProblemNote(ctx, wand.id, "Asked the service partner for the serial numbers of the last ten repairs.", priya)
		}},

		// 5. Won't fix: a discontinued model's wrong spare part.
		{p.daysAgo(24), func(ctx context.Context) error {
			if err := p.open(ctx, &burrs, "Supplier ships the wrong burr set for the Grinder X", "Replacement burrs for the Grinder X do not fit.",
				"Supplier", &priya.UserID, nil, priya); err != nil {
				return err
			}
			return p.link(ctx, &burrs, rWrong, p.pickPlayed("defect", p.daysAgo(60), p.daysAgo(24), 2), priya)
		}},
		{p.daysAgo(18), func(ctx context.Context) error {
			if err := p.db.AddProblemNote(ctx, burrs.id, "The Grinder X is discontinued in January and the supplier will not change the part list for it. We send the right part by hand until then.", priya); err != nil {
				return err
			}
			st := domain.ProblemWontFix
			_, err := p.db.UpdateProblem(ctx, burrs.id, domain.ProblemUpdate{Status: &st}, priya)
			return err
		}},
	}
	// Steps run in time order.
	for i := 1; i < len(steps); i++ {
		for j := i; j > 0 && steps[j].at.Before(steps[j-1].at); j-- {
			steps[j], steps[j-1] = steps[j-1], steps[j]
		}
	}
	return steps
}
