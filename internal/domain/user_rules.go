package domain

import "strings"

// NewUser is what it takes to create an agent account.
type NewUser struct {
	Email        string
	Name         string
	Role         Role
	PasswordHash string // may be empty for an invited agent
}

// Validate normalizes and checks a new user.
func (n *NewUser) Validate() error {
	v := Validation{}
	if e, ok := NormalizeEmail(n.Email); ok {
		n.Email = e
	} else {
		v.Add("email", "not a valid email address")
	}
	n.Name = strings.TrimSpace(n.Name)
	v.Check(n.Name != "", "name", "required")
	v.Check(len(n.Name) <= 200, "name", "at most 200 characters")
	v.Check(n.Role.Valid(), "role", "must be admin, agent or collaborator")
	return v.Err()
}

// UserEdit normalizes and checks an account's new name and role.
func UserEdit(name string, role Role) (string, error) {
	v := Validation{}
	name = strings.TrimSpace(name)
	v.Check(name != "", "name", "required")
	v.Check(role.Valid(), "role", "must be admin, agent or collaborator")
	return name, v.Err()
}

// TeamName normalizes and checks a team's name.
func TeamName(name string) (string, error) {
	name = strings.TrimSpace(name)
	v := Validation{}
	v.Check(name != "", "name", "required")
	v.Check(len(name) <= 100, "name", "at most 100 characters")
	return name, v.Err()
}

// APITokenName normalizes a token's label; an empty one gets a default.
func APITokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if len(name) > 100 {
		return "", &Error{Code: EInvalid, Message: "name too long", Fields: map[string]string{"name": "at most 100 characters"}}
	}
	return name, nil
}
