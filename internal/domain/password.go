package domain

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"unicode/utf8"
)

// Password rules follow NIST SP 800-63B: length and a check against common
// passwords, no composition rules.
const (
	MinPasswordLen   = 12   // characters
	MaxPasswordBytes = 1024 // argon2 hashes anything, but a bound keeps requests small
)

// commonPasswords is the 30,000 most common passwords (zxcvbn's "passwords"
// frequency list, MIT; see NOTICE), one a line, gzip-compressed.
//
//go:embed common-passwords.txt.gz
var commonPasswords []byte

// PasswordProblem says what is wrong with a new password, phrased to follow
// "Use ", or "" when it is acceptable. context holds words the password
// must not be (the account's email address and name).
func PasswordProblem(pw string, context ...string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return "at least 12 characters"
	case len(pw) > MaxPasswordBytes:
		return "at most 1024 bytes"
	case repetitive(pw):
		return "a password that is not one character, a repeated pattern or a run such as 123456789012"
	}
	lower := strings.ToLower(pw)
	for _, c := range context {
		c = strings.ToLower(strings.TrimSpace(c))
		local, _, _ := strings.Cut(c, "@")
		if c != "" && (lower == c || (len(local) >= 4 && strings.Contains(lower, local) && len(lower)-len(local) < 6)) {
			return "a password that is not your name or email address"
		}
	}
	// A common password with digits or symbols added is still a common password.
	base := strings.TrimRightFunc(lower, func(r rune) bool { return r < 0x80 && !isAlpha(byte(r)) })
	if isCommonPassword(lower) || (len(base) >= 4 && isCommonPassword(base)) {
		return "a less common password: this one is among the most used"
	}
	return ""
}

// ValidatePassword is PasswordProblem as a validation error on "password".
func ValidatePassword(pw string, context ...string) error {
	if p := PasswordProblem(pw, context...); p != "" {
		return &Error{Code: EInvalid, Message: "password too weak", Fields: map[string]string{"password": "Use " + p + "."}}
	}
	return nil
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isCommonPassword scans the embedded list; it runs only when a password is
// set, so it keeps no decompressed copy in memory.
func isCommonPassword(pw string) bool {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswords))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if sc.Text() == pw {
			return true
		}
	}
	return false
}

// repetitive reports a password made of one short unit repeated
// ("abcabcabcabc") or one run of consecutive characters ("123456789012").
func repetitive(pw string) bool {
	for unit := 1; unit <= len(pw)/3; unit++ {
		if len(pw)%unit == 0 && strings.Repeat(pw[:unit], len(pw)/unit) == pw {
			return true
		}
	}
	step := func(a, b byte) int {
		d := int(b) - int(a)
		if a >= '0' && a <= '9' && b >= '0' && b <= '9' {
			d = (d + 10) % 10
			if d == 9 {
				d = -1
			}
		}
		return d
	}
	d := step(pw[0], pw[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(pw); i++ {
		if step(pw[i-1], pw[i]) != d {
			return false
		}
	}
	return true
}
