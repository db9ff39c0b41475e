package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Two-factor sign-in: a TOTP app (RFC 6238) with single-use recovery codes,
// and passkeys (WebAuthn), which also sign in without a password.

const (
	// RecoveryCodeCount is how many recovery codes an enrolment gives.
	RecoveryCodeCount = 10
	// SecondFactorTTL is how long the "password right, code needed" step
	// lasts before the password must be given again.
	SecondFactorTTL = 5 * time.Minute
	// EnrolTTL is how long a sign-in that must first enrol may take.
	EnrolTTL = 15 * time.Minute
	// CeremonyTTL bounds a passkey registration or sign-in ceremony.
	CeremonyTTL = 5 * time.Minute
	// MaxCodeFailures wrong codes end a pending sign-in: the password
	// must be given again.
	MaxCodeFailures = 5
	// MaxPasskeyName bounds a passkey's name.
	MaxPasskeyName = 60
)

// ChallengePurpose says what a pending authentication step is for.
type ChallengePurpose string

const (
	ChallengeSecondFactor  ChallengePurpose = "second_factor"    // password right, a code or passkey is needed
	ChallengeEnrol         ChallengePurpose = "enrol"            // password right, the role requires enrolling first
	ChallengePasskeyLogin  ChallengePurpose = "passkey_login"    // passwordless sign-in ceremony
	ChallengePasskeyCreate ChallengePurpose = "passkey_register" // a signed-in user adds a passkey
)

// AuthChallenge is a short-lived step between two requests of one browser
// (the id is the hash of a cookie value). It is never a session.
type AuthChallenge struct {
	ID        string
	UserID    int64 // 0: a passwordless sign-in that does not yet know who
	Purpose   ChallengePurpose
	Data      string // the step's own state (JSON)
	Failures  int
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Passkey is a registered WebAuthn credential, as its owner sees it.
type Passkey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// TwoFactorStatus is what second factors a user has.
type TwoFactorStatus struct {
	TOTP         bool // an authenticator app is enrolled and confirmed
	RecoveryLeft int  // unused recovery codes
	Passkeys     []*Passkey
}

// Enrolled reports whether the user has any second factor.
func (s TwoFactorStatus) Enrolled() bool { return s.TOTP || len(s.Passkeys) > 0 }

// PasskeyName validates and trims a passkey's name; empty becomes def.
func PasskeyName(name, def string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = def
	}
	v := Validation{}
	v.Check(name != "", "name", "Give the passkey a name.")
	v.Check(utf8.RuneCountInString(name) <= MaxPasskeyName, "name", "At most 60 characters.")
	return name, v.Err()
}

// RequiredRoles parses the stored list of roles that must use two-factor
// sign-in ("admin,agent"); unknown names are dropped.
func RequiredRoles(s string) map[Role]bool {
	out := map[Role]bool{}
	for _, p := range strings.Split(s, ",") {
		if r := Role(strings.TrimSpace(p)); r.Valid() {
			out[r] = true
		}
	}
	return out
}

// FormatRoles is the stored form of a set of roles, in a fixed order.
func FormatRoles(m map[Role]bool) string {
	var out []string
	for _, r := range []Role{RoleAdmin, RoleAgent, RoleCollaborator} {
		if m[r] {
			out = append(out, string(r))
		}
	}
	return strings.Join(out, ",")
}

// ErrCodeRefused is the answer to a wrong, expired or already used code.
func ErrCodeRefused() *Error {
	return &Error{Code: EInvalid, Message: "code refused", Fields: map[string]string{"code": "That code is wrong, expired or already used."}}
}
