package auth

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as every authenticator app does it: SHA-1, six digits,
// 30-second steps. A code of the step before or after is accepted too, for
// clocks a little off.
const (
	TOTPPeriod = 30
	totpSkew   = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPKey is a TOTP secret (base32, what a person types) and its otpauth://
// URL (what the QR code holds) for account at issuer.
func TOTPKey(secret, issuer, account string) (url string, err error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", err
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: raw})
	if err != nil {
		return "", err
	}
	return k.URL(), nil
}

// NewTOTPSecret is a random 160-bit secret in base32.
func NewTOTPSecret() (string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return b32.EncodeToString(raw), nil
}

// MatchTOTP reports the time step a code belongs to, when it is right for
// secret at now or one step either side. The caller refuses steps already
// used (replay).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	cur := now.Unix() / TOTPPeriod
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), opts)
		if err == nil && Equal(want, code) {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode is the code of secret at t (tests, and nothing else, need it).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// NewRecoveryCodes makes n single-use recovery codes ("abcd-efgh-ijkl-mnop",
// 80 random bits each: a fast hash is enough) and their stored hashes.
func NewRecoveryCodes(n int) (codes, hashes []string, err error) {
	enc := base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)
	for range n {
		raw := make([]byte, 10)
		if _, err := rand.Read(raw); err != nil {
			return nil, nil, err
		}
		s := enc.EncodeToString(raw) // 16 characters
		c := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		codes = append(codes, c)
		hashes = append(hashes, HashRecoveryCode(c))
	}
	return codes, hashes, nil
}

// HashRecoveryCode is the stored form of a recovery code, ignoring case,
// spaces and dashes as typed.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	return HashToken("recovery:" + c)
}

// LooksLikeTOTP reports whether a typed code is six digits (else it is
// taken as a recovery code).
func LooksLikeTOTP(code string) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
