package server_test

import (
	. "andon/internal/http/server"
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"andon/internal/app"
	"andon/internal/auth"
	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/store"
)

// Helpers the web tests share: a real server on a test listener, accounts
// that sign in with a password, and a browser (cookie jar + CSRF token).

// startServer serves d on a test listener until the test ends. Config, Log
// and Version default to the tests' own; tune runs before the first request.
func startServer(t *testing.T, d Deps, tune ...func(*Server)) (*Server, string) {
	t.Helper()
	if d.Config == nil {
		d.Config = &config.Config{BaseURL: "http://andon.test"}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d.Version = "test"
	srv, err := newServer(t, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tune {
		f(srv)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// newServer builds the server with the production wiring (app.NewNode) from
// what d gives; what d leaves out gets the tests' defaults. Chat, when
// given, must already be started; otherwise the node's runs until the test ends.
func newServer(t testing.TB, d Deps) (*Server, error) {
	t.Helper()
	if d.Config == nil {
		d.Config = &config.Config{BaseURL: "http://andon.test"}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Version == "" {
		d.Version = "test"
	}
	if d.Events == nil {
		d.Events = events.New(d.Log)
	}
	node, err := app.NewNode(app.NodeDeps{Config: d.Config, DB: d.DB, Log: d.Log, Events: d.Events, Mail: d.Mail, Metrics: d.Metrics,
		Version: d.Version, Limits: d.Limits, Tune: func(sd *Deps) {
			if d.Chat != nil {
				sd.Chat = d.Chat
			}
			if d.Surveys != nil {
				sd.Surveys = d.Surveys
			}
			if d.Reports != nil {
				sd.Reports = d.Reports
			}
			sd.Login, sd.PortalLoginMinDelay = d.Login, d.PortalLoginMinDelay
			if d.Codes != nil {
				sd.Codes = d.Codes
			}
		}})
	if err != nil {
		return nil, err
	}
	if d.Chat == nil {
		node.Chat.Start()
		t.Cleanup(func() { node.Chat.Close(time.Second) })
	}
	return node.Server, nil
}

// sweepProblems runs the background verification sweep (internal/app
// workers) once: reads never settle problems themselves.
func sweepProblems(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.SweepProblems(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// createAccount adds a user who signs in with password.
func createAccount(t *testing.T, db *store.DB, email, name string, role domain.Role, password string) *domain.User {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(context.Background(), domain.NewUser{Email: email, Name: name, Role: role, PasswordHash: h})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is one cookie jar: a person's browser.
type browser struct {
	e    *adminEnv
	c    *http.Client
	csrf string
}

func (e *adminEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// signIn logs in through the form and reports the status of the answer.
func (e *adminEnv) signIn(email, password string) (*browser, int) {
	b := e.browser()
	res, _ := b.post("/login", url.Values{"email": {email}, "password": {password}})
	return b, res.StatusCode
}

func (e *adminEnv) signedIn(email string) *browser {
	e.t.Helper()
	b, code := e.signIn(email, testPassword)
	if code != http.StatusOK {
		e.t.Fatalf("sign in %s: %d", email, code)
	}
	return b
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page (following redirects) and remembers its CSRF token.
func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	res, err := b.c.Get(b.e.url + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, b.read(res)
}

func (b *browser) read(res *http.Response) string {
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return string(body)
}

// post sends a form (with the CSRF token of the last page) and follows the
// redirect, as a browser does after Post/Redirect/Get.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	if b.csrf != "" && form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	res, err := b.c.PostForm(b.e.url+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, b.read(res)
}

// postFiles sends a multipart form as a browser does: the CSRF token of the
// last page, the fields, and each file (name → content) under field.
func (b *browser) postFiles(path string, fields map[string]string, field string, files map[string][]byte) (*http.Response, string) {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile(field, name)
		_, _ = fw.Write(data)
	}
	mw.Close()
	res, err := b.c.Post(b.e.url+path, mw.FormDataContentType(), &buf)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, b.read(res)
}

// oneFile is the files argument of postFiles for at most one file; "" sends none.
func oneFile(name string, data []byte) map[string][]byte {
	if name == "" {
		return nil
	}
	return map[string][]byte{name: data}
}
