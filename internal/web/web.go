// Package web holds the agent workspace's templates and static files, embedded
// in the binary and parsed once at start-up so a broken template stops the
// server instead of a page.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"andon/internal/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every page template receives. Handlers fill Title, Nav and
// Data; the server fills Brand, User and CSRF.
type Page struct {
	Title  string
	Nav    string // which navigation item is current: inbox, contacts, search, settings
	Brand  domain.Brand
	User   *domain.User
	CSRF   string
	Flash  string            // one-line confirmation after a redirect
	Errors map[string]string // field errors of a re-rendered form
	Form   url.Values        // submitted values of a re-rendered form
	Query  string            // the search box's current text
	Badges map[string]int    // counts next to navigation items, by item (e.g. "failed-mail")
	// LiveSince is when the request began (Unix ms): the page's live stream
	// replays changes from then, so none made while it loads is missed.
	LiveSince int64
	Data      any
}

// Err returns the error text for a form field, or "".
func (p *Page) Err(field string) string { return p.Errors[field] }

// Value returns the submitted value of a form field, or "".
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// Templates are the parsed page templates, one set per page.
type Templates struct {
	pages  map[string]*template.Template
	assets *Assets
}

// Load parses every template. Files whose name starts with "_" and
// layout.html are shared by all pages; every other file is a page, rendered by
// its name without ".html". A page's top level calls {{template "layout" .}}
// (or "bare" for pages without navigation) and defines "content".
func Load(assets *Assets) (*Templates, error) {
	t := &Templates{pages: map[string]*template.Template{}, assets: assets}
	base := template.New("").Funcs(Funcs(assets))
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	var pages []string
	for _, e := range entries {
		n := e.Name()
		if n == "layout.html" || strings.HasPrefix(n, "_") {
			if _, err := base.ParseFS(templateFS, "templates/"+n); err != nil {
				return nil, fmt.Errorf("template %s: %w", n, err)
			}
			continue
		}
		pages = append(pages, n)
	}
	if base.Lookup("layout") == nil {
		return nil, fmt.Errorf("template layout is not defined")
	}
	for _, n := range pages {
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(templateFS, "templates/"+n); err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		t.pages[strings.TrimSuffix(n, ".html")] = c.Lookup(n)
	}
	return t, nil
}

// Has reports whether a page template exists.
func (t *Templates) Has(name string) bool { return t.pages[name] != nil }

// Render executes page name with status 200; see RenderStatus.
func (t *Templates) Render(w http.ResponseWriter, name string, data any) error {
	return t.RenderStatus(w, http.StatusOK, name, data)
}

// RenderStatus executes page name into a buffer first, so a failing template
// writes nothing and the caller can still send an error page.
func (t *Templates) RenderStatus(w http.ResponseWriter, status int, name string, data any) error {
	p := t.pages[name]
	if p == nil {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := p.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// Assets serves the embedded static files with content-hashed URLs.
type Assets struct {
	files map[string]asset
}

type asset struct {
	body  []byte
	hash  string
	ctype string
}

// LoadAssets reads and hashes every static file.
func LoadAssets() (*Assets, error) {
	a := &Assets{files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		a.files[name] = asset{body: b, hash: hex.EncodeToString(sum[:6]), ctype: contentType(name)}
		return nil
	})
	return a, err
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".webmanifest":
		return "application/manifest+json"
	}
	return "application/octet-stream"
}

// URL returns the cache-busting URL of a static file; it panics on a name
// that does not exist so a typo fails the template check at start-up.
func (a *Assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + name + "?v=" + f.hash
}

// ServeHTTP serves /static/NAME. A request carrying the current hash is
// cacheable for a year; otherwise the ETag lets browsers revalidate.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	f, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + f.hash + `"`
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", etag)
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}
