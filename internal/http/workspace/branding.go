package workspace

import (
	"andon/internal/http/httpx"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	_ "image/png" // DecodeConfig checks uploaded PNG logos
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"andon/internal/domain"
	"andon/internal/settings"
	"andon/internal/web"
)

// Branding settings. The name, logo and colour are read by the layout on
// every page (s.brand); the uploaded logo itself lives under a key outside
// "brand." so pages do not load it, and is served by brandLogo.

const (
	logoSettingKey = "asset.logo" // "image/png;base64,...."
	maxLogoBytes   = 200 << 10
)

type brandingData struct {
	Section  string
	Brand    domain.Brand
	Uploaded bool // the logo is an uploaded file
}

func (s *Handler) brandingPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	ctx := r.Context()
	m, err := s.db.Settings(ctx, settings.BrandPrefix)
	if err != nil {
		return err
	}
	b := s.Brand(ctx)
	if p.Form == nil {
		p.Form = url.Values{}
		for _, k := range []string{settings.BrandName, settings.BrandLogoURL, settings.BrandColor, settings.SupportEmail, settings.SupportPhone} {
			p.Form.Set(strings.TrimPrefix(k, settings.BrandPrefix), m[k])
		}
		if p.Form.Get("name") == "" {
			p.Form.Set("name", b.Name)
		}
		if p.Form.Get("color") == "" {
			p.Form.Set("color", b.Color)
		}
		if strings.HasPrefix(p.Form.Get("logo_url"), "/brand/logo") {
			p.Form.Set("logo_url", "")
		}
	}
	p.Title, p.Nav = "Branding", "settings"
	p.Data = brandingData{Section: "branding", Brand: b, Uploaded: strings.HasPrefix(m[settings.BrandLogoURL], "/brand/logo")}
	return s.render(w, r, status, "admin_branding", p)
}

func (s *Handler) settingsBranding(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.brandingPage(w, r, http.StatusOK, &web.Page{})
}

// saveBranding validates every field first and then writes all settings in
// one transaction, so a bad field changes nothing.
func (s *Handler) saveBranding(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	ctx := r.Context()
	v := domain.Validation{}
	name := strings.TrimSpace(r.PostFormValue("name"))
	v.Check(name != "", "name", "Enter the product name agents and customers see.")
	v.Check(utf8.RuneCountInString(name) <= 60, "name", "At most 60 characters.")

	color := strings.ToLower(strings.TrimSpace(r.PostFormValue("color")))
	if color != "" && !strings.HasPrefix(color, "#") {
		color = "#" + color
	}
	v.Check(domain.ValidColor(color), "color", "Use a colour like #2563eb (# and six hex digits).")

	email := strings.TrimSpace(r.PostFormValue("support_email"))
	if email != "" {
		if e, ok := domain.NormalizeEmail(email); ok {
			email = e
		} else {
			v.Add("support_email", "Not a valid email address.")
		}
	}
	phone := strings.TrimSpace(r.PostFormValue("support_phone"))
	if phone != "" {
		if _, ok := domain.NormalizePhone(phone); !ok {
			v.Add("support_phone", "Use digits, spaces, dashes and an optional leading +.")
		}
	}

	kv := map[string]string{settings.BrandName: name, settings.BrandColor: color, settings.SupportEmail: email, settings.SupportPhone: phone}
	logoURL := strings.TrimSpace(r.PostFormValue("logo_url"))
	if logoURL != "" {
		pu, err := url.Parse(logoURL)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || len(logoURL) > 500 {
			v.Add("logo_url", "Use a full http(s):// address of an image, or upload a file instead.")
		}
	}
	upload, err := readLogo(r)
	if err != nil {
		v.Add("logo_file", err.Error())
	}
	old, err := s.db.Setting(ctx, settings.BrandLogoURL, "")
	if err != nil {
		return err
	}
	switch {
	case upload != "":
		sum := sha256.Sum256([]byte(upload))
		kv[logoSettingKey] = upload
		kv[settings.BrandLogoURL] = "/brand/logo?v=" + hex.EncodeToString(sum[:4])
	case logoURL != "":
		kv[settings.BrandLogoURL], kv[logoSettingKey] = logoURL, ""
	case r.PostFormValue("remove_logo") == "1" || !strings.HasPrefix(old, "/brand/logo"):
		kv[settings.BrandLogoURL], kv[logoSettingKey] = "", ""
	}
	if err := v.Err(); err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.brandingPage(w, r, status, p) })
	}
	if err := s.db.SetSettings(ctx, kv); err != nil {
		return err
	}
	s.log.Info("branding saved", "by", u.ID)
	httpx.Redirect(w, r, "/settings/branding", "Branding saved.")
	return nil
}

// readLogo returns an uploaded PNG or SVG logo as "type;base64,data", or ""
// when no file was sent.
func readLogo(r *http.Request) (string, error) {
	f, _, err := r.FormFile("logo_file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return "", nil
	}
	if err != nil {
		return "", errors.New("Could not read the file.")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	if err != nil {
		return "", errors.New("Could not read the file.")
	}
	if len(b) == 0 {
		return "", nil
	}
	if len(b) > maxLogoBytes {
		return "", errors.New("The logo must be at most 200 KB.")
	}
	ctype := ""
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width > 2048 || cfg.Height > 2048 {
			return "", errors.New("Not a readable PNG of at most 2048×2048 pixels.")
		}
		ctype = "image/png"
	case looksLikeSVG(b):
		ctype = "image/svg+xml"
	default:
		return "", errors.New("Upload a PNG or SVG image.")
	}
	return ctype + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

func looksLikeSVG(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 1024)]))
	return utf8.Valid(b) && strings.Contains(head, "<svg")
}

// brandLogo serves the uploaded logo. An SVG could carry script, so it is
// served with a sandboxing policy: it runs nothing even when opened directly.
func (s *Handler) brandLogo(w http.ResponseWriter, r *http.Request) {
	v, err := s.db.Setting(r.Context(), logoSettingKey, "")
	if err != nil {
		s.log.Error("read logo", "err", err)
		http.Error(w, "logo unavailable", http.StatusInternalServerError)
		return
	}
	ctype, data, ok := strings.Cut(v, ";base64,")
	body, derr := base64.StdEncoding.DecodeString(data)
	if !ok || derr != nil || (ctype != "image/png" && ctype != "image/svg+xml") {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=300")
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}
