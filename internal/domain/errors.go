// Package domain holds Andon's core types, validation rules and error codes.
// Adapters (store, server, mail, chat) speak in these terms and not to each other.
package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. The HTTP layer maps each to one status in one place.
const (
	EBadRequest   = "bad_request"   // malformed request (bad JSON, unknown fields)
	EInvalid      = "invalid"       // well-formed but fails validation; Fields says which
	EUnauthorized = "unauthorized"  // no or bad credentials
	EForbidden    = "forbidden"     // authenticated but not allowed
	ENotFound     = "not_found"     // no such thing (or not visible to the caller)
	EConflict     = "conflict"      // state conflict, duplicate
	ETooLarge     = "too_large"     // body or file too large
	ERateLimited  = "rate_limited"  // slow down
	EInternal     = "internal"      // our fault; details are logged, never shown
	EUnsupported  = "unsupported"   // unsupported media type
	EUnprocessabl = "unprocessable" // understood, but cannot be done in the current state
)

// Error is an application error safe to show to clients. Internal causes are
// wrapped in Err and logged, never sent.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is shorthand for a not-found error naming the kind of thing.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Message: what + " not found"}
}

// ErrorCode returns the code of err, EInternal for foreign errors, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the per-field validation messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// IsNotFound reports whether err has code ENotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }

// Validation collects field errors; Err returns nil when there are none.
type Validation map[string]string

// Add records msg for field unless the field already has one.
func (v Validation) Add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

// Check adds msg for field when cond is false.
func (v Validation) Check(cond bool, field, msg string) {
	if !cond {
		v.Add(field, msg)
	}
}

// Err returns an EInvalid *Error carrying the fields, or nil.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &Error{Code: EInvalid, Message: "invalid " + strings.Join(keys, ", "), Fields: map[string]string(v)}
}
