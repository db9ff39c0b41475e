package domain

import (
	"strings"
	"testing"
)

func fieldErr(err error) map[string]string {
	if e, ok := err.(*Error); ok && e.Code == EInvalid {
		return e.Fields
	}
	return nil
}

func TestNewUserValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		n     NewUser
		field string
	}{
		{"valid", NewUser{Email: " Ann@Example.COM ", Name: " Ann ", Role: RoleAgent}, ""},
		{"bad email", NewUser{Email: "ann", Name: "Ann", Role: RoleAgent}, "email"},
		{"blank name", NewUser{Email: "a@b.test", Name: "  ", Role: RoleAgent}, "name"},
		{"long name", NewUser{Email: "a@b.test", Name: strings.Repeat("a", 201), Role: RoleAgent}, "name"},
		{"bad role", NewUser{Email: "a@b.test", Name: "Ann", Role: "owner"}, "role"},
	} {
		err := c.n.Validate()
		if (c.field == "") != (err == nil) || (c.field != "" && fieldErr(err)[c.field] == "") {
			t.Errorf("%s: got %v, want error on %q", c.name, err, c.field)
		}
	}
	n := NewUser{Email: " Ann@Example.COM ", Name: " Ann ", Role: RoleAgent}
	if err := n.Validate(); err != nil || n.Email != "ann@example.com" || n.Name != "Ann" {
		t.Errorf("normalized: %v %q %q", err, n.Email, n.Name)
	}
}

func TestUserEditTeamAndTokenNames(t *testing.T) {
	if n, err := UserEdit("  Bea ", RoleCollaborator); err != nil || n != "Bea" {
		t.Errorf("UserEdit: %q %v", n, err)
	}
	if _, err := UserEdit(" ", "boss"); fieldErr(err)["name"] == "" || fieldErr(err)["role"] == "" {
		t.Errorf("UserEdit blank name, bad role: %v", err)
	}
	if n, err := TeamName(" Billing "); err != nil || n != "Billing" {
		t.Errorf("TeamName: %q %v", n, err)
	}
	for _, bad := range []string{"  ", strings.Repeat("t", 101)} {
		if _, err := TeamName(bad); fieldErr(err)["name"] == "" {
			t.Errorf("TeamName(%d chars): %v", len(bad), err)
		}
	}
	if n, err := APITokenName("  "); err != nil || n != "API token" {
		t.Errorf("APITokenName default: %q %v", n, err)
	}
	if _, err := APITokenName(strings.Repeat("t", 101)); fieldErr(err)["name"] == "" {
		t.Errorf("APITokenName too long: %v", err)
	}
}
