package server_test

import (
	. "andon/internal/http/server"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// apiEnv is a real server on a real database (the engine under test) with
// one agent who holds an API token.
type apiEnv struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	url   string
	agent *domain.User
	token string
}

// newAPIEnv starts the server; configure may adjust its dependencies first.
func newAPIEnv(t *testing.T, configure ...func(*Deps)) *apiEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	d := Deps{Config: &config.Config{BaseURL: "http://andon.test"}, DB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	for _, c := range configure {
		c(&d)
	}
	srv, err := newServer(t, d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &apiEnv{t: t, db: db, srv: srv, url: ts.URL}
	e.agent, e.token = e.newAgent("agent@example.com", "Alice Agent", domain.RoleAgent)
	return e
}

// newAgent creates an account and an API token for it.
func (e *apiEnv) newAgent(email, name string, role domain.Role) (*domain.User, string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.db.CreateUser(ctx, domain.NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := auth.NewToken(auth.TokenPrefix)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.CreateAPIToken(ctx, u.ID, "test", auth.HashToken(tok)); err != nil {
		e.t.Fatal(err)
	}
	return u, tok
}

// request sends one API call. body is sent raw when it is a string or
// []byte, as JSON otherwise; hdr overrides headers ("" deletes one).
func (e *apiEnv) request(method, path string, body any, hdr map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, out
}

// call sends a request, requires the status, and checks the body against
// the OpenAPI schema of the route and status (the envelope for errors).
func (e *apiEnv) call(method, path string, body any, status int) []byte {
	e.t.Helper()
	resp, out := e.request(method, path, body, nil)
	if resp.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, out)
	}
	checkAgainstDoc(e.t, method, path, resp.StatusCode, out)
	return out
}

// decode unmarshals b into a new T.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// fingerprint summarises every table the API writes, so a test can show a
// failed request changed nothing: row counts, and sums that move when a
// row is updated.
func (e *apiEnv) fingerprint() string {
	e.t.Helper()
	queries := []string{
		"SELECT COUNT(*) FROM tickets", "SELECT COUNT(*) FROM entries", "SELECT COUNT(*) FROM contacts",
		"SELECT COUNT(*) FROM identities", "SELECT COUNT(*) FROM tags", "SELECT COUNT(*) FROM ticket_tags",
		"SELECT COUNT(*) FROM organizations",
		"SELECT COALESCE(SUM(updated_at + priority + reopen_count + COALESCE(assignee_id, 0) + COALESCE(team_id, 0) + requester_id + LENGTH(status) + LENGTH(subject)), 0) FROM tickets",
		"SELECT COALESCE(SUM(updated_at + COALESCE(organization_id, 0) + LENGTH(name)), 0) FROM contacts",
		"SELECT COALESCE(SUM(contact_id), 0) FROM identities",
	}
	var b strings.Builder
	for _, q := range queries {
		var s string
		if err := e.db.Writer().QueryRow(q).Scan(&s); err != nil {
			e.t.Fatalf("%s: %v", q, err)
		}
		b.WriteString(s + " ")
	}
	return b.String()
}

var (
	docOnce sync.Once
	docT    *openapi3.T
	docErr  error
)

// loadedDoc is the served OpenAPI document, parsed and validated.
func loadedDoc(t *testing.T) *openapi3.T {
	t.Helper()
	docOnce.Do(func() {
		b, err := json.Marshal(openAPIDoc())
		if err != nil {
			docErr = err
			return
		}
		loader := openapi3.NewLoader()
		if docT, docErr = loader.LoadFromData(b); docErr == nil {
			docErr = docT.Validate(context.Background())
		}
	})
	if docErr != nil {
		t.Fatalf("openapi document: %v", docErr)
	}
	return docT
}

// docPath finds the documented path template matching a concrete path.
func docPath(doc *openapi3.T, path string) string {
	path, _, _ = strings.Cut(path, "?")
	want := strings.Split(path, "/")
	for _, tmpl := range doc.Paths.Keys() {
		parts := strings.Split(tmpl, "/")
		if len(parts) != len(want) {
			continue
		}
		ok := true
		for i := range parts {
			if parts[i] != want[i] && !strings.HasPrefix(parts[i], "{") {
				ok = false
				break
			}
		}
		if ok {
			return tmpl
		}
	}
	return ""
}

// checkAgainstDoc validates a response body against the documented schema;
// errors must be the envelope wherever they come from.
func checkAgainstDoc(t *testing.T, method, path string, status int, body []byte) {
	t.Helper()
	doc := loadedDoc(t)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: response is not JSON: %s", method, path, body)
	}
	var schema *openapi3.Schema
	if tmpl := docPath(doc, path); tmpl != "" && doc.Paths.Value(tmpl).GetOperation(method) != nil {
		op := doc.Paths.Value(tmpl).GetOperation(method)
		ref := op.Responses.Status(status)
		if ref == nil {
			t.Fatalf("%s %s: status %d is not documented", method, tmpl, status)
		}
		schema = ref.Value.Content.Get("application/json").Schema.Value
	} else if status < 400 {
		t.Fatalf("%s %s answered %d but is not documented", method, path, status)
	} else {
		schema = doc.Components.Schemas["Error"].Value
	}
	if err := schema.VisitJSON(v); err != nil {
		t.Fatalf("%s %s (%d): body does not match the OpenAPI schema: %v\n%s", method, path, status, err, body)
	}
}
