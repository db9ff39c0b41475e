// Package demo makes realistic helpdesk data: a small, hand-played demo
// history for `andon serve --demo` (through the store's public API, so every
// rule applies) and bulk batches for `andon seed` load tests.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
)

// AdminEmail is the demo administrator's login.
const AdminEmail = "admin@demo.andon.test"

// CollaboratorEmail is the upstream logistics partner's login (same password).
const CollaboratorEmail = "sam.patel@parcelpartner.test"

// Result tells what Load did.
type Result struct {
	Loaded        bool // false when the database already had users
	AdminEmail    string
	AdminPassword string
	Agents        []string // agent emails; they share the admin's password
	Tickets       int
	Contacts      int
}

// Options tune the demo; zero values give the defaults.
type Options struct {
	Tickets int       // default 320
	Now     time.Time // default time.Now()
	Seed    uint64    // random seed; the default gives the same demo every time
}

var agentNames = []struct{ name, email, team string }{
	{"Sam Rivera", "sam@demo.andon.test", "Support"},
	{"Priya Nair", "priya@demo.andon.test", "Support"},
	{"Tom Becker", "tom@demo.andon.test", "Billing"},
	{"Lea Martin", "lea@demo.andon.test", "Billing"},
	{"Jon Eriksen", "jon@demo.andon.test", "Logistics"},
	{"Maya Cohen", "maya@demo.andon.test", "Logistics"},
}

// Teams are the demo's teams.
var Teams = []string{"Support", "Billing", "Logistics"}

// Load fills an empty database with the demo on its first start. It does
// nothing when the database already has users. It moves the store's clock to
// write history in the past and puts back the real clock when done.
func Load(ctx context.Context, db *store.DB, o Options) (*Result, error) {
	n, err := db.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return &Result{}, nil
	}
	if o.Tickets <= 0 {
		o.Tickets = 320
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = 1042
	}
	p := &player{db: db, r: mrand.New(mrand.NewPCG(o.Seed, 7)), now: o.Now.UTC(), teams: map[string]int64{}, byTeam: map[string][]int64{},
		// A second source for the lean-service data, so adding it left the
		// ticket histories as they were.
		lr: mrand.New(mrand.NewPCG(o.Seed, 11)), reasons: map[string]int64{}, linked: map[int64]bool{}}
	// Workers started before the demo (chat idle checks, mail) read the
	// store's clock while it moves, so it is a concurrency-safe clock.
	p.clock = store.NewManualClock(p.now.Add(-92 * 24 * time.Hour))
	db.SetClock(p.clock.Now)
	defer db.SetClock(time.Now)

	password, err := newPassword()
	if err != nil {
		return nil, err
	}
	res := &Result{Loaded: true, AdminEmail: AdminEmail, AdminPassword: password}
	if err := p.people(ctx, password, res); err != nil {
		return nil, err
	}
	if err := p.customers(ctx, 80); err != nil {
		return nil, err
	}
	res.Contacts = len(p.customerList)
	if err := p.valueChain(ctx); err != nil {
		return nil, err
	}
	steps := p.problemSteps()
	// Start times skewed towards now, so the inbox has a lively last few days.
	starts := make([]time.Time, o.Tickets)
	span := 90 * 24 * time.Hour
	for i := range starts {
		u := p.r.Float64()
		age := time.Duration(float64(span) * u * u)
		starts[i] = p.now.Add(-age - 5*time.Minute)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	for _, at := range starts {
		if steps, err = p.runSteps(ctx, steps, at); err != nil {
			return nil, err
		}
		if err := p.ticket(ctx, at); err != nil {
			return nil, err
		}
		res.Tickets++
		n, err := p.finish(ctx)
		if err != nil {
			return nil, err
		}
		res.Tickets += n
	}
	if _, err = p.runSteps(ctx, steps, p.now); err != nil {
		return nil, err
	}
	if err := p.knowledgeBase(ctx); err != nil {
		return nil, err
	}
	if err := p.kbActivity(ctx); err != nil {
		return nil, err
	}
	// Countermeasures whose window passed with no recurrence are verified,
	// as the background sweep would have done.
	p.clock.Set(p.now)
	if _, err := p.db.SweepProblems(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// newPassword makes a random, readable demo password.
func newPassword() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// player writes the demo history, moving the clock as it goes.
type player struct {
	db           *store.DB
	r            *mrand.Rand
	now          time.Time
	clock        *store.ManualClock // the store's clock while the demo loads
	admin        int64
	agents       []int64
	teams        map[string]int64
	byTeam       map[string][]int64
	customerList []customer

	lr           *mrand.Rand      // lean-service data: classification, problems, surveys, KB use
	collaborator int64            // the upstream logistics partner
	reasons      map[string]int64 // failure reason ids by "Stage/Reason"
	last         *played          // the ticket just played
	played       []*played
	linked       map[int64]bool // tickets already on a demo problem
}

type customer struct {
	id    int64
	name  string
	phone string
	org   bool
}

func (p *player) people(ctx context.Context, password string, res *Result) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	admin, err := p.db.CreateUser(ctx, store.NewUser{Email: AdminEmail, Name: "Alex Admin", Role: domain.RoleAdmin, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	p.admin = admin.ID
	for _, name := range Teams {
		t, err := p.db.CreateTeam(ctx, name)
		if err != nil {
			return fmt.Errorf("team %s: %w", name, err)
		}
		p.teams[name] = t.ID
	}
	for _, a := range agentNames {
		u, err := p.db.CreateUser(ctx, store.NewUser{Email: a.email, Name: a.name, Role: domain.RoleAgent, PasswordHash: hash})
		if err != nil {
			return fmt.Errorf("agent %s: %w", a.email, err)
		}
		if err := p.db.AddTeamMember(ctx, p.teams[a.team], u.ID); err != nil {
			return err
		}
		p.agents = append(p.agents, u.ID)
		p.byTeam[a.team] = append(p.byTeam[a.team], u.ID)
		res.Agents = append(res.Agents, a.email)
	}
	c, err := p.db.CreateUser(ctx, store.NewUser{Email: CollaboratorEmail, Name: "Sam Patel", Role: domain.RoleCollaborator, PasswordHash: hash})
	if err != nil {
		return fmt.Errorf("collaborator: %w", err)
	}
	p.collaborator = c.ID
	return nil
}

// customers creates people with several addresses and numbers; some work
// for an organization.
func (p *player) customers(ctx context.Context, n int) error {
	used := map[string]bool{}
	unique := func(s string) string {
		base, at := s, strings.IndexByte(s, '@')
		for i := 2; used[s]; i++ {
			s = fmt.Sprintf("%s%d%s", base[:at], i, base[at:])
		}
		used[s] = true
		return s
	}
	for i := 0; i < n; i++ {
		first, last := pick(p.r, firstNames), pick(p.r, lastNames)
		nc := store.NewContact{Name: first + " " + last}
		local := strings.ToLower(first + "." + last)
		nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityEmail, Value: unique(local + "@" + pick(p.r, mailDomains))})
		if p.r.IntN(100) < 40 {
			nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityEmail,
				Value: unique(strings.ToLower(first) + strings.ToLower(last[:1]) + "@" + pick(p.r, mailDomains))})
		}
		org := p.r.IntN(100) < 25
		if org {
			nc.Organization = pick(p.r, organizations)
			slug := strings.ToLower(strings.NewReplacer(" ", "", "&", "", "é", "e").Replace(nc.Organization))
			nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityEmail, Value: unique(local + "@" + slug + ".test")})
		}
		var phone string
		if p.r.IntN(100) < 60 {
			phone = fmt.Sprintf("+49 30 %07d", 1000000+i*7919%9000000)
			nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityPhone, Value: phone})
			if p.r.IntN(100) < 25 {
				nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityPhone, Value: fmt.Sprintf("+49 151 %08d", 10000000+i*104729%90000000)})
			}
		}
		if p.r.IntN(100) < 30 {
			nc.Identities = append(nc.Identities, domain.Identity{Kind: domain.IdentityVisitor, Value: fmt.Sprintf("visitor-%04x%04x", p.r.IntN(65536), i)})
		}
		c, err := p.db.CreateContact(ctx, nc)
		if err != nil {
			return fmt.Errorf("customer %s: %w", nc.Name, err)
		}
		p.customerList = append(p.customerList, customer{id: c.ID, name: first, phone: phone, org: org})
	}
	return nil
}
