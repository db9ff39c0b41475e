package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// DemandType classifies a ticket from the customer's point of view.
type DemandType string

const (
	DemandUnclassified DemandType = ""
	DemandValue        DemandType = "value"   // the customer wants something we exist to provide
	DemandFailure      DemandType = "failure" // caused by our failure to do something, or to do it right
)

// Valid reports whether d is value or failure ("" means unclassified and is
// valid only where clearing is allowed).
func (d DemandType) Valid() bool { return d == DemandValue || d == DemandFailure }

// Stage is one stage of the value chain (Sales, Billing, Logistics...).
type Stage struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// FailureReason is an admin-managed reason for failure demand, tied to the
// stage where the failure arises.
type FailureReason struct {
	ID        int64     `json:"id"`
	StageID   int64     `json:"stage_id"`
	Stage     string    `json:"stage"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateName checks the name of a stage or failure reason.
func ValidateName(v Validation, name *string) {
	*name = strings.Join(strings.Fields(*name), " ")
	v.Check(*name != "", "name", "required")
	v.Check(utf8.RuneCountInString(*name) <= 100, "name", "at most 100 characters")
}

// ProblemStatus is where a problem stands on its way to a verified fix.
type ProblemStatus string

const (
	ProblemInvestigating  ProblemStatus = "investigating"
	ProblemRootCauseFound ProblemStatus = "root_cause_found"
	ProblemInPlace        ProblemStatus = "countermeasure_in_place"
	ProblemVerified       ProblemStatus = "verified"
	ProblemWontFix        ProblemStatus = "wont_fix"
)

// ProblemStatuses lists the statuses in board order.
var ProblemStatuses = []ProblemStatus{ProblemInvestigating, ProblemRootCauseFound, ProblemInPlace, ProblemVerified, ProblemWontFix}

// Valid reports whether s is a known problem status.
func (s ProblemStatus) Valid() bool {
	for _, x := range ProblemStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Open reports whether the problem still takes new tickets and suggestions.
func (s ProblemStatus) Open() bool { return s != ProblemVerified && s != ProblemWontFix }

// Label is the human name of the status.
func (s ProblemStatus) Label() string {
	switch s {
	case ProblemRootCauseFound:
		return "Root cause found"
	case ProblemInPlace:
		return "Countermeasure in place"
	case ProblemWontFix:
		return "Won't fix"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// CountermeasureStatus is the state of one countermeasure.
type CountermeasureStatus string

const (
	CMPlanned    CountermeasureStatus = "planned"
	CMInProgress CountermeasureStatus = "in_progress"
	CMInPlace    CountermeasureStatus = "in_place"
	CMFailed     CountermeasureStatus = "failed"
)

// Valid reports whether s is a known countermeasure status.
func (s CountermeasureStatus) Valid() bool {
	return s == CMPlanned || s == CMInProgress || s == CMInPlace || s == CMFailed
}

// Problem is one underlying defect behind many contacts.
type Problem struct {
	ID          int64         `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	StageID     *int64        `json:"stage_id"`
	Stage       string        `json:"stage,omitempty"`
	OwnerUserID *int64        `json:"owner_user_id"`
	OwnerTeamID *int64        `json:"owner_team_id"`
	Owner       *UserRef      `json:"owner,omitempty"`
	OwnerTeam   *TeamRef      `json:"owner_team,omitempty"`
	Status      ProblemStatus `json:"status"`
	Whys        []string      `json:"whys"`
	RootCause   string        `json:"root_cause"`
	CreatedByID *int64        `json:"created_by_id"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	ClosedAt    *time.Time    `json:"closed_at"`
	// Board figures.
	TicketCount     int               `json:"ticket_count"`
	CustomerCount   int               `json:"customer_count"`
	NextDue         string            `json:"next_due,omitempty"` // earliest open countermeasure due date
	Recurrences     int               `json:"recurrences"`        // linked tickets after a countermeasure went in place
	Tickets         []*Ticket         `json:"tickets,omitempty"`
	Countermeasures []*Countermeasure `json:"countermeasures,omitempty"`
	Timeline        []ProblemEntry    `json:"timeline,omitempty"`
}

// Ref is the "P-12" form of the problem id.
func (p *Problem) Ref() string { return "P-" + itoa(p.ID) }

// Countermeasure is an action that removes or contains the root cause.
type Countermeasure struct {
	ID                   int64                `json:"id"`
	ProblemID            int64                `json:"problem_id"`
	What                 string               `json:"what"`
	OwnerUserID          *int64               `json:"owner_user_id"`
	Owner                *UserRef             `json:"owner,omitempty"`
	DueDate              string               `json:"due_date"` // YYYY-MM-DD or ""
	Status               CountermeasureStatus `json:"status"`
	Verification         string               `json:"verification"`
	RecurrenceWindowDays int                  `json:"recurrence_window_days"`
	InPlaceAt            *time.Time           `json:"in_place_at"`
	NotifiedAt           *time.Time           `json:"notified_at"`
	CreatedAt            time.Time            `json:"created_at"`
	UpdatedAt            time.Time            `json:"updated_at"`
	Recurrence           *Recurrence          `json:"recurrence,omitempty"`
}

// ProblemEntry is one item on a problem's timeline: a change or a finding.
type ProblemEntry struct {
	ID           int64     `json:"id"`
	ProblemID    int64     `json:"problem_id"`
	Kind         string    `json:"kind"` // "event" or "note"
	Field        string    `json:"field,omitempty"`
	From         string    `json:"from,omitempty"`
	To           string    `json:"to,omitempty"`
	Body         string    `json:"body,omitempty"`
	AuthorUserID *int64    `json:"author_user_id,omitempty"`
	AuthorName   string    `json:"author_name,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Problem timeline entry kinds.
const (
	ProblemEntryEvent = "event"
	ProblemEntryNote  = "note"
)

// ChangeProblemUpdated tells live views that a problem changed.
const ChangeProblemUpdated = "problem.updated"

// Limits for problems.
const (
	MaxWhys       = 10
	MaxWhyLen     = 1000
	MaxProblemTxt = 20_000
	MaxWindowDays = 365
	DefaultWindow = 14
)

// NewProblem is what it takes to pull the andon.
type NewProblem struct {
	Title       string
	Description string
	StageID     *int64
	OwnerUserID *int64
	OwnerTeamID *int64
	TicketIDs   []int64 // tickets to link at once (the ticket the andon was pulled from)
}

// Validate normalizes and checks a new problem.
func (n *NewProblem) Validate() error {
	v := Validation{}
	validateTitle(v, &n.Title)
	n.Description = strings.TrimSpace(n.Description)
	v.Check(len(n.Description) <= MaxProblemTxt, "description", "at most 20000 bytes")
	v.Check(len(n.TicketIDs) <= 100, "ticket_ids", "at most 100 tickets")
	return v.Err()
}

func validateTitle(v Validation, s *string) {
	*s = strings.TrimSpace(*s)
	v.Check(*s != "", "title", "required")
	v.Check(utf8.RuneCountInString(*s) <= MaxSubjectLen, "title", "at most 250 characters")
}

// ProblemUpdate changes some fields of a problem; nil means unchanged.
// A pointer to 0 clears an id.
type ProblemUpdate struct {
	Title       *string
	Description *string
	StageID     *int64
	OwnerUserID *int64
	OwnerTeamID *int64
	Status      *ProblemStatus
	Whys        *[]string
	RootCause   *string
}

// Validate normalizes and checks an update.
func (u *ProblemUpdate) Validate() error {
	v := Validation{}
	if u.Title != nil {
		validateTitle(v, u.Title)
	}
	if u.Description != nil {
		*u.Description = strings.TrimSpace(*u.Description)
		v.Check(len(*u.Description) <= MaxProblemTxt, "description", "at most 20000 bytes")
	}
	if u.Status != nil {
		v.Check(u.Status.Valid(), "status", "must be one of investigating, root_cause_found, countermeasure_in_place, verified, wont_fix")
	}
	if u.Whys != nil {
		whys := make([]string, 0, len(*u.Whys))
		for _, w := range *u.Whys {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			v.Check(len(w) <= MaxWhyLen, "whys", "each why is at most 1000 bytes")
			whys = append(whys, w)
		}
		v.Check(len(whys) <= MaxWhys, "whys", "at most 10 whys")
		u.Whys = &whys
	}
	if u.RootCause != nil {
		*u.RootCause = strings.TrimSpace(*u.RootCause)
		v.Check(len(*u.RootCause) <= MaxProblemTxt, "root_cause", "at most 20000 bytes")
	}
	return v.Err()
}

// NewCountermeasure is what it takes to plan a countermeasure.
type NewCountermeasure struct {
	What                 string
	OwnerUserID          *int64
	DueDate              string
	Status               CountermeasureStatus
	Verification         string
	RecurrenceWindowDays int
}

// Validate normalizes and checks a new countermeasure.
func (n *NewCountermeasure) Validate() error {
	v := Validation{}
	n.What = strings.TrimSpace(n.What)
	v.Check(n.What != "", "what", "required")
	v.Check(len(n.What) <= MaxProblemTxt, "what", "at most 20000 bytes")
	n.Verification = strings.TrimSpace(n.Verification)
	v.Check(len(n.Verification) <= MaxProblemTxt, "verification", "at most 20000 bytes")
	validateDue(v, &n.DueDate)
	if n.Status == "" {
		n.Status = CMPlanned
	}
	v.Check(n.Status.Valid(), "status", "must be one of planned, in_progress, in_place, failed")
	if n.RecurrenceWindowDays == 0 {
		n.RecurrenceWindowDays = DefaultWindow
	}
	v.Check(n.RecurrenceWindowDays >= 1 && n.RecurrenceWindowDays <= MaxWindowDays, "recurrence_window_days", "must be between 1 and 365")
	return v.Err()
}

func validateDue(v Validation, s *string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, *s); err != nil {
		v.Add("due_date", "must be a date like 2026-12-31")
	}
}

// CountermeasureUpdate changes some fields; nil means unchanged.
type CountermeasureUpdate struct {
	What                 *string
	OwnerUserID          *int64 // 0 clears
	DueDate              *string
	Status               *CountermeasureStatus
	Verification         *string
	RecurrenceWindowDays *int
}

// Validate normalizes and checks an update.
func (u *CountermeasureUpdate) Validate() error {
	v := Validation{}
	if u.What != nil {
		*u.What = strings.TrimSpace(*u.What)
		v.Check(*u.What != "", "what", "required")
		v.Check(len(*u.What) <= MaxProblemTxt, "what", "at most 20000 bytes")
	}
	if u.Verification != nil {
		*u.Verification = strings.TrimSpace(*u.Verification)
		v.Check(len(*u.Verification) <= MaxProblemTxt, "verification", "at most 20000 bytes")
	}
	if u.DueDate != nil {
		validateDue(v, u.DueDate)
	}
	if u.Status != nil {
		v.Check(u.Status.Valid(), "status", "must be one of planned, in_progress, in_place, failed")
	}
	if u.RecurrenceWindowDays != nil {
		d := *u.RecurrenceWindowDays
		v.Check(d >= 1 && d <= MaxWindowDays, "recurrence_window_days", "must be between 1 and 365")
	}
	return v.Err()
}

// ProblemFilter selects problems for the board. Zero values mean "any".
type ProblemFilter struct {
	Statuses []ProblemStatus
	StageID  int64
	// VisibleTo restricts the list to what a collaborator may see.
	VisibleTo *User
	Limit     int
}

// TicketClassification sets a ticket's demand type, failure reason and
// problem (PATCH /api/v1/tickets/{id}). nil leaves a field unchanged; a
// pointer to "" or 0 clears it.
type TicketClassification struct {
	DemandType      *DemandType
	FailureReasonID *int64
	ProblemID       *int64
}

// Empty reports whether the classification changes nothing.
func (c TicketClassification) Empty() bool {
	return c.DemandType == nil && c.FailureReasonID == nil && c.ProblemID == nil
}
