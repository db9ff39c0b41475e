package domain

import (
	"strings"
	"testing"
)

func TestPasswordRules(t *testing.T) {
	bad := map[string]string{
		"short":                   "at least 12",
		"elevenchars":             "at least 12",
		strings.Repeat("x", 2000): "at most 1024",
		"aaaaaaaaaaaaaa":          "repeated",
		"abcabcabcabc":            "repeated",
		"123456789012":            "repeated",
		"987654321098":            "repeated",
		"qwerty123456":            "most used", // on the list as it is
		"1qaz2wsx3edc":            "most used",
		"Password1234!":           "most used", // a listed word, decorated
		"sunshine2024!":           "most used",
		"annexample@x.test":       "name or email",
		"annexample2024":          "name or email",
	}
	for pw, want := range bad {
		err := ValidatePassword(pw, "annexample@x.test", "Ann Example")
		if err == nil {
			t.Errorf("%q accepted", pw)
			continue
		}
		if f := ErrorFields(err)["password"]; !strings.Contains(f, want) {
			t.Errorf("%q: password error %q, want it to mention %q", pw, f, want)
		}
	}
	for _, pw := range []string{"correct horse battery staple", "tuesday-lamp-orbit", "Ünïcödé passwörd", "nobody guesses 7 this"} {
		if err := ValidatePassword(pw, "annexample@x.test", "Ann Example"); err != nil {
			t.Errorf("%q rejected: %v", pw, err)
		}
	}
}
