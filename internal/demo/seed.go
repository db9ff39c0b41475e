package demo

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"andon/internal/domain"
	"andon/internal/store"
)

// SeedRefs are the existing rows generated tickets point at.
type SeedRefs struct {
	Agents []int64
	Teams  []int64
	Tags   map[string]int64
	Orgs   []int64
}

// TagNames are the tags seeded tickets carry.
func TagNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range topics {
		for _, g := range t.tags {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return append(out, "b2b", "vip", "follow-up")
}

// Generator builds bulk batches of realistic tickets for load tests. Ticket
// i of total is created at start + i*step, so id order is age order.
type Generator struct {
	r         *mrand.Rand
	refs      SeedRefs
	start     time.Time
	step      time.Duration
	now       time.Time
	total     int
	next      int     // index of the next ticket
	known     []int64 // committed contact ids, for returning customers
	contacts  int     // contacts generated so far
	salt      string  // keeps identities of separate runs apart
	phoneSalt int64
}

// NewGenerator prepares total tickets spread over the days before now.
func NewGenerator(refs SeedRefs, total int, days int, now time.Time, seed uint64) *Generator {
	span := time.Duration(days) * 24 * time.Hour
	step := span / time.Duration(max(total, 1))
	if step <= 0 {
		step = time.Millisecond
	}
	return &Generator{
		r: mrand.New(mrand.NewPCG(seed, 99)), refs: refs, now: now,
		start: now.Add(-span), step: step, total: total,
		salt: strconv.FormatInt((now.UnixMilli()/10+int64(seed))%(36*36*36*36), 36), phoneSalt: (now.Unix() + int64(seed)) % 10000,
	}
}

// Committed records the ids of a written batch's contacts, so later
// tickets can come from returning customers.
func (g *Generator) Committed(b *store.SeedBatch) {
	for _, c := range b.Contacts {
		if c.ID != 0 {
			g.known = append(g.known, c.ID)
		}
	}
}

// Batch builds the next n tickets (fewer at the end).
func (g *Generator) Batch(n int) *store.SeedBatch {
	n = min(n, g.total-g.next)
	b := &store.SeedBatch{Tickets: make([]store.SeedTicket, 0, n)}
	for i := 0; i < n; i++ {
		b.Tickets = append(b.Tickets, g.ticket(b))
		g.next++
	}
	return b
}

// newContact adds a customer to the batch and returns its batch reference.
func (g *Generator) newContact(b *store.SeedBatch, at int64) (int64, string) {
	g.contacts++
	first, last := pick(g.r, firstNames), pick(g.r, lastNames)
	local := fmt.Sprintf("%s.%s.%s%d", strings.ToLower(first), strings.ToLower(last), g.salt, g.contacts)
	c := store.SeedContact{Name: first + " " + last, CreatedAt: at,
		Identities: []domain.Identity{{Kind: domain.IdentityEmail, Value: local + "@" + pick(g.r, mailDomains)}}}
	if g.r.IntN(100) < 40 {
		c.Identities = append(c.Identities, domain.Identity{Kind: domain.IdentityPhone, Value: fmt.Sprintf("+49%04d%08d", g.phoneSalt, g.contacts)})
	}
	if len(g.refs.Orgs) > 0 && g.r.IntN(100) < 15 {
		c.OrganizationID = pick(g.r, g.refs.Orgs)
	}
	b.Contacts = append(b.Contacts, c)
	return -int64(len(b.Contacts)), first
}

// status picks a ticket's status by its age: the newest tickets (last two
// days, or at least the last 2%) are all unresolved; old ones mostly closed.
func (g *Generator) status(age time.Duration) domain.Status {
	day := 24 * time.Hour
	n := g.r.IntN(100)
	rest := float64(g.total-g.next) / float64(g.total)
	switch {
	case age < 2*day || rest <= 0.02:
		return []domain.Status{domain.StatusNew, domain.StatusOpen, domain.StatusPending, domain.StatusOnHold}[n%4]
	case age < 14*day || rest <= 0.07:
		if n < 40 {
			return []domain.Status{domain.StatusOpen, domain.StatusPending, domain.StatusOnHold}[n%3]
		}
		return domain.StatusSolved
	}
	switch {
	case n < 3:
		return domain.StatusOpen
	case n < 5:
		return domain.StatusPending
	case n < 20:
		return domain.StatusSolved
	}
	return domain.StatusClosed
}

func (g *Generator) ticket(b *store.SeedBatch) store.SeedTicket {
	created := g.start.Add(time.Duration(g.next) * g.step)
	at := created.UnixMilli()
	var req int64
	var name string
	if len(g.known) > 0 && g.r.IntN(100) < 35 {
		req, name = pick(g.r, g.known), pick(g.r, firstNames)
	} else {
		req, name = g.newContact(b, at)
	}
	tp := pickTopic(g.r)
	f := newFiller(g.r, name)
	ch := channelWeights[g.r.IntN(len(channelWeights))].ch
	st := g.status(g.now.Sub(created))
	body := f.fill(pick(g.r, tp.bodies))
	t := store.SeedTicket{
		RequesterID: req, Subject: f.fill(pick(g.r, tp.subjects)), Status: st, Priority: []int{0, 1, 1, 1, 2, 3}[g.r.IntN(6)],
		Channel: ch, CreatedAt: at, UpdatedAt: at,
	}
	for _, tag := range tp.tags[:1+g.r.IntN(len(tp.tags))] {
		t.TagIDs = append(t.TagIDs, g.refs.Tags[tag])
	}
	if g.r.IntN(100) < 5 {
		t.TagIDs = append(t.TagIDs, g.refs.Tags["vip"])
	}
	t.Entries = append(t.Entries, store.SeedEntry{Kind: domain.EntryMessage, Channel: ch, Direction: domain.Inbound, AuthorContactID: req, Body: body, CreatedAt: at})
	last, preview := at, body
	if st != domain.StatusNew && len(g.refs.Agents) > 0 {
		agent := pick(g.r, g.refs.Agents)
		t.AssigneeID = agent
		if len(g.refs.Teams) > 0 {
			t.TeamID = pick(g.r, g.refs.Teams)
		}
		last += int64(5+g.r.IntN(240)) * 60_000
		if g.r.IntN(100) < 25 {
			t.Entries = append(t.Entries, store.SeedEntry{Kind: domain.EntryNote, AuthorUserID: agent, Body: f.fill(pick(g.r, tp.notes)), CreatedAt: last})
		}
		reply := f.fill(pick(g.r, tp.replies))
		t.Entries = append(t.Entries, store.SeedEntry{Kind: domain.EntryMessage, Channel: ch, Direction: domain.Outbound, AuthorUserID: agent, Body: reply, CreatedAt: last})
		t.FirstResponseAt, preview = last, reply
		if g.r.IntN(100) < 45 {
			last += int64(30+g.r.IntN(1440)) * 60_000
			msg := f.fill(pick(g.r, tp.followups))
			t.Entries = append(t.Entries, store.SeedEntry{Kind: domain.EntryMessage, Channel: ch, Direction: domain.Inbound, AuthorContactID: req, Body: msg, CreatedAt: last})
			preview = msg
		}
		if st.Resolved() {
			last += int64(10+g.r.IntN(600)) * 60_000
			t.SolvedAt = last
			meta, _ := json.Marshal(map[string]string{"field": "status", "from": "open", "to": "solved"})
			t.Entries = append(t.Entries, store.SeedEntry{Kind: domain.EntryEvent, AuthorUserID: agent, Meta: string(meta), CreatedAt: last})
			if g.r.IntN(100) < 8 {
				t.ReopenCount = 1
			}
		}
	}
	// Activity never runs past now.
	if limit := g.now.UnixMilli(); last > limit {
		last = limit
	}
	t.UpdatedAt = last
	t.Preview = domain.Preview(preview)
	return t
}

// SeedOptions tune Seed.
type SeedOptions struct {
	Tickets  int
	Batch    int    // tickets per transaction; default 5000
	Days     int    // spread over this many days before now; default 365
	Seed     uint64 // random seed; default 1
	Progress func(done int)
}

// SeedStats counts what Seed wrote.
type SeedStats struct {
	Tickets, Contacts, Entries int
}

// Seed bulk-loads o.Tickets realistic tickets in large transactions.
func Seed(ctx context.Context, db *store.DB, o SeedOptions) (SeedStats, error) {
	var st SeedStats
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	if o.Days <= 0 {
		o.Days = 365
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	refs, err := PrepareSeed(ctx, db)
	if err != nil {
		return st, err
	}
	gen := NewGenerator(refs, o.Tickets, o.Days, time.Now(), o.Seed)
	for st.Tickets < o.Tickets {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		b := gen.Batch(o.Batch)
		if err := db.SeedBatch(ctx, b); err != nil {
			return st, err
		}
		gen.Committed(b)
		st.Tickets += len(b.Tickets)
		st.Contacts += len(b.Contacts)
		for _, t := range b.Tickets {
			st.Entries += len(t.Entries)
		}
		if o.Progress != nil {
			o.Progress(st.Tickets)
		}
	}
	return st, db.AnalyzeAfterBulkLoad(ctx)
}

// PrepareSeed finds (or creates) the agents, teams, tags and organizations
// seeded tickets refer to.
func PrepareSeed(ctx context.Context, db *store.DB) (SeedRefs, error) {
	var refs SeedRefs
	users, err := db.Users(ctx)
	if err != nil {
		return refs, err
	}
	for _, u := range users {
		if u.Active {
			refs.Agents = append(refs.Agents, u.ID)
		}
	}
	if len(refs.Agents) == 0 {
		// Invited agents without a password: they own tickets but cannot sign in.
		for i := 1; i <= 8; i++ {
			u, err := db.CreateUser(ctx, domain.NewUser{Email: fmt.Sprintf("agent%d@seed.andon.test", i), Name: fmt.Sprintf("Seed Agent %d", i), Role: domain.RoleAgent})
			if err != nil {
				return refs, err
			}
			refs.Agents = append(refs.Agents, u.ID)
		}
	}
	teams, err := db.Teams(ctx)
	if err != nil {
		return refs, err
	}
	if len(teams) == 0 {
		for _, name := range Teams {
			t, err := db.CreateTeam(ctx, name)
			if err != nil {
				return refs, err
			}
			teams = append(teams, t)
		}
	}
	for _, t := range teams {
		refs.Teams = append(refs.Teams, t.ID)
	}
	if refs.Tags, err = db.EnsureTags(ctx, TagNames()); err != nil {
		return refs, err
	}
	orgs, err := db.EnsureOrganizations(ctx, organizations[:4])
	if err != nil {
		return refs, err
	}
	for _, name := range organizations[:4] {
		refs.Orgs = append(refs.Orgs, orgs[name])
	}
	return refs, nil
}
