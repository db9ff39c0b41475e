// Package httpx is what every audience of the HTTP layer shares: JSON and
// error responses, the request context, authentication, CSRF, rate limits,
// uploads, and the Route type with the one function that applies its policy.
package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"andon/internal/domain"
)

// StatusOf is the one place that maps error codes to HTTP statuses.
func StatusOf(code string) int {
	switch code {
	case domain.EBadRequest:
		return http.StatusBadRequest
	case domain.EInvalid:
		return http.StatusUnprocessableEntity
	case domain.EUnauthorized:
		return http.StatusUnauthorized
	case domain.EForbidden:
		return http.StatusForbidden
	case domain.ENotFound:
		return http.StatusNotFound
	case domain.EConflict:
		return http.StatusConflict
	case domain.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case domain.ERateLimited:
		return http.StatusTooManyRequests
	case domain.EUnsupported:
		return http.StatusUnsupportedMediaType
	case domain.EUnprocessabl:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// WriteError sends the error envelope. Internal errors are logged with their
// cause and shown to the client only as "internal error".
func WriteError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	if code == domain.EInternal {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == domain.EUnauthorized && strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="andon"`)
	}
	WriteJSON(w, StatusOf(code), errorBody{Error: errorDetail{Code: code, Message: domain.ErrorMessage(err), Fields: domain.ErrorFields(err)}})
}

// WriteJSON sends v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write json", "err", err)
	}
}

// MaxJSONBody bounds API request bodies.
const MaxJSONBody = 1 << 20

// DecodeJSON reads one JSON object into v, rejecting unknown fields,
// trailing data, wrong content types and oversized bodies.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return domain.Errorf(domain.EUnsupported, "Content-Type must be application/json")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EBadRequest, "request body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return domain.Errorf(domain.ETooLarge, "request body larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EBadRequest, "request body is empty")
	case errors.As(err, &syntaxErr):
		return domain.Errorf(domain.EBadRequest, "malformed JSON at byte %d", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return &domain.Error{Code: domain.EInvalid, Message: "wrong type for " + field,
			Fields: map[string]string{field: "must be " + typeErr.Type.String()}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &domain.Error{Code: domain.EBadRequest, Message: "unknown field " + name, Fields: map[string]string{name: "unknown field"}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EBadRequest, "malformed JSON")
	}
	return domain.Errorf(domain.EBadRequest, "malformed JSON")
}
