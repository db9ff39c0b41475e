package domain

import (
	"sort"
	"strings"
	"time"
	"unicode"
)

// Recurrence is what happened after a countermeasure went in place: the
// linked tickets created after in_place_at. It is computed, never stored.
type Recurrence struct {
	Count        int       `json:"count"`     // linked tickets created after in_place_at
	InWindow     int       `json:"in_window"` // of those, created before the window ended
	WindowEndsAt time.Time `json:"window_ends_at"`
	Verified     bool      `json:"verified"` // the window passed with no recurrence
	Flagged      bool      `json:"flagged"`  // tickets recurred within the window
	TicketIDs    []int64   `json:"ticket_ids"`
}

// LinkedTicket is what recurrence needs to know of a linked ticket.
type LinkedTicket struct {
	ID        int64
	CreatedAt time.Time
}

// ComputeRecurrence returns the recurrence of cm at now, or nil when the
// countermeasure is not in place. Only tickets created strictly after the
// countermeasure went in place count: the ones before are why it exists.
func ComputeRecurrence(cm *Countermeasure, linked []LinkedTicket, now time.Time) *Recurrence {
	if cm.Status != CMInPlace || cm.InPlaceAt == nil {
		return nil
	}
	days := cm.RecurrenceWindowDays
	if days <= 0 {
		days = DefaultWindow
	}
	r := &Recurrence{WindowEndsAt: cm.InPlaceAt.Add(time.Duration(days) * 24 * time.Hour), TicketIDs: []int64{}}
	for _, t := range linked {
		if !t.CreatedAt.After(*cm.InPlaceAt) {
			continue
		}
		r.Count++
		r.TicketIDs = append(r.TicketIDs, t.ID)
		if t.CreatedAt.Before(r.WindowEndsAt) {
			r.InWindow++
		}
	}
	r.Flagged = r.InWindow > 0
	r.Verified = !r.Flagged && !now.Before(r.WindowEndsAt)
	return r
}

// CheckProblemStatus reports whether a problem may move to status `to`,
// given its countermeasures (with Recurrence computed). A problem cannot be
// verified, or said to have a countermeasure in place, without one in place;
// it cannot be verified while tickets recur within the window.
func CheckProblemStatus(to ProblemStatus, cms []*Countermeasure) error {
	if !to.Valid() {
		return &Error{Code: EInvalid, Message: "unknown status", Fields: map[string]string{"status": "unknown status"}}
	}
	if to != ProblemInPlace && to != ProblemVerified {
		return nil
	}
	inPlace := 0
	for _, cm := range cms {
		if cm.Status == CMInPlace {
			inPlace++
			if to == ProblemVerified && cm.Recurrence != nil && cm.Recurrence.Flagged {
				return &Error{Code: EUnprocessabl, Message: "tickets recurred after the countermeasure went in place",
					Fields: map[string]string{"status": "recurrence within the window"}}
			}
		}
	}
	if inPlace == 0 {
		return &Error{Code: EUnprocessabl, Message: "no countermeasure is in place",
			Fields: map[string]string{"status": "needs a countermeasure in place"}}
	}
	return nil
}

// StatusAfterCountermeasure is the problem status implied when a
// countermeasure changes: putting one in place moves an investigation
// forward; a failed one sends a problem with nothing else in place back to
// root_cause_found. Closed problems are left alone.
func StatusAfterCountermeasure(cur ProblemStatus, cms []*Countermeasure) ProblemStatus {
	if !cur.Open() {
		return cur
	}
	inPlace := false
	for _, cm := range cms {
		if cm.Status == CMInPlace {
			inPlace = true
		}
	}
	switch {
	case inPlace && cur != ProblemInPlace:
		return ProblemInPlace
	case !inPlace && cur == ProblemInPlace:
		return ProblemRootCauseFound
	}
	return cur
}

// ProblemVerifiedNow reports whether an open problem with a countermeasure in
// place should be marked verified: every in-place countermeasure's window has
// passed with no recurrence.
func ProblemVerifiedNow(status ProblemStatus, cms []*Countermeasure) bool {
	if status != ProblemInPlace {
		return false
	}
	n := 0
	for _, cm := range cms {
		if cm.Status != CMInPlace {
			continue
		}
		if cm.Recurrence == nil || !cm.Recurrence.Verified {
			return false
		}
		n++
	}
	return n > 0
}

// DemandFacts are what the automatic failure-demand hint looks at.
type DemandFacts struct {
	ReopenCount int
	// Refs of the requester's other tickets that were still open when this
	// ticket arrived.
	OpenEarlier []string
	// InboundRuns is the longest run of customer messages on this ticket with
	// no reply from us in between.
	InboundRuns int
}

// DemandHint suggests a classification and says why.
type DemandHint struct {
	DemandType DemandType `json:"demand_type"`
	Reason     string     `json:"reason"`
}

// SuggestDemand returns a failure-demand hint for a customer chasing an open
// ticket or a reopened ticket, or nil when nothing points to failure.
func SuggestDemand(f DemandFacts) *DemandHint {
	switch {
	case len(f.OpenEarlier) > 0:
		return &DemandHint{DemandType: DemandFailure, Reason: "customer is chasing open ticket " + strings.Join(f.OpenEarlier, ", ")}
	case f.ReopenCount > 0:
		return &DemandHint{DemandType: DemandFailure, Reason: "ticket was reopened: the first answer did not solve it"}
	case f.InboundRuns > 1:
		return &DemandHint{DemandType: DemandFailure, Reason: "customer wrote again before we replied"}
	}
	return nil
}

// Notice placeholders available to notification templates.
var NoticePlaceholders = []string{"customer_name", "ticket_ref", "ticket_subject", "problem_title", "countermeasure", "agent_name"}

// RenderNotice fills {{placeholder}} fields of a notification template.
// Unknown placeholders are a validation error so a typo never reaches a customer.
func RenderNotice(tpl string, vars map[string]string) (string, error) {
	var b strings.Builder
	rest := tpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return "", &Error{Code: EInvalid, Message: "unclosed placeholder", Fields: map[string]string{"template": "unclosed {{"}}
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		val, ok := vars[name]
		if !ok {
			return "", &Error{Code: EInvalid, Message: "unknown placeholder " + name,
				Fields: map[string]string{"template": "unknown placeholder {{" + name + "}}; use " + strings.Join(NoticePlaceholders, ", ")}}
		}
		b.WriteString(rest[:i])
		b.WriteString(val)
		rest = rest[i+j+2:]
	}
	return strings.TrimSpace(b.String()), nil
}

// stopWords are dropped from similarity queries: they match everything.
// Read-only after package initialisation.
var stopWords = makeStopWords()

func makeStopWords() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after again all also am an and any are as at be because been before
		being but by can could did do does doing for from had has have having he her here hi hello his how i if in into
		is it its just me my no not now of on or our out please so some still than thank thanks that the their them then
		there these they this to too up us was we were what when where which while who why will with would you your
		dear regards hey get got im ive dont cant`) {
		m[w] = true
	}
	return m
}

// SimilarityTerms turns text into at most max distinct search words (letters
// and digits only, no stop words, most frequent first), safe to hand to
// either engine's full-text query syntax.
func SimilarityTerms(text string, max int) []string {
	count := map[string]int{}
	var order []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 3 || len(w) > 40 || stopWords[w] {
			continue
		}
		if count[w] == 0 {
			order = append(order, w)
		}
		count[w]++
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	if len(order) > max {
		order = order[:max]
	}
	return order
}

// IsCollaborator reports whether u is an upstream collaborator, whose view
// is limited to the problems assigned to them.
func (u *User) IsCollaborator() bool { return u != nil && u.Role == RoleCollaborator }

// TicketVisible is the ticket access rule: staff see every ticket; a
// collaborator sees a ticket only when it is linked to a problem they may
// see (problemVisible says whether t.ProblemID is one of those).
func TicketVisible(u *User, t *Ticket, problemVisible func(problemID int64) bool) bool {
	if u == nil {
		return false
	}
	if !u.IsCollaborator() {
		return true
	}
	return t != nil && t.ProblemID != nil && problemVisible(*t.ProblemID)
}
