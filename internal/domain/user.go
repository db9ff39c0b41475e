package domain

import "time"

// Role decides what a signed-in user may do.
type Role string

const (
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
	// RoleCollaborator is an upstream team member (engineering, billing, a
	// supplier): sees only the problems assigned to them and their tickets.
	RoleCollaborator Role = "collaborator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAgent || r == RoleCollaborator }

// User is an agent or admin account.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	TeamIDs   []int64   `json:"team_ids,omitempty"`
}

// IsAdmin reports whether the user administers the installation.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Ref returns the short form of the user.
func (u *User) Ref() *UserRef { return &UserRef{ID: u.ID, Name: u.Name, Email: u.Email} }

// Team groups agents; tickets can be routed to a team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// APIToken is a named bearer token; only its hash is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Session is a signed-in browser.
type Session struct {
	ID        string // the hash of the cookie value
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Actor is whoever performs an action: a user, a contact, or the system.
type Actor struct {
	UserID    int64
	ContactID int64
	Name      string
}

// System is the actor for automatic changes.
var System = Actor{Name: "Andon"}
