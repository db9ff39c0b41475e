package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/web"
)

// Portal settings, edited by admins at /settings/portal: whether customers
// share their organization's tickets, and a welcome line on /help.

const (
	maxPortalWelcome = 500 // characters
)

type portalSettingsData struct {
	Section    string // for the settings navigation
	MaxWelcome int
}

func (s *Handler) portalSettingsPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	if p.Form == nil {
		kv, err := s.db.Settings(r.Context(), "portal.")
		if err != nil {
			return err
		}
		p.Form = url.Values{}
		if kv[store.SettingPortalOrgTickets] == "true" {
			p.Form.Set("organization_tickets", "1")
		}
		p.Form.Set("welcome", kv[store.SettingPortalWelcome])
	}
	p.Title, p.Nav = "Customer portal", "settings"
	p.Data = portalSettingsData{Section: "portal", MaxWelcome: maxPortalWelcome}
	return s.render(w, r, status, "admin_portal", p)
}

func (s *Handler) settingsPortal(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.portalSettingsPage(w, r, http.StatusOK, &web.Page{})
}

// savePortalSettings validates both fields, then writes them in one
// transaction, so a bad field changes nothing.
func (s *Handler) savePortalSettings(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	v := domain.Validation{}
	org := r.PostFormValue("organization_tickets")
	v.Check(org == "" || org == "1", "organization_tickets", "Tick the box or leave it empty.")
	welcome := cleanWelcome(r.PostFormValue("welcome"))
	v.Check(utf8.ValidString(welcome), "welcome", "Use plain text.")
	v.Check(utf8.RuneCountInString(welcome) <= maxPortalWelcome, "welcome", "At most 500 characters.")
	if err := v.Err(); err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.portalSettingsPage(w, r, status, p) })
	}
	shared := "false"
	if org == "1" {
		shared = "true"
	}
	if err := s.db.SetSettings(r.Context(), map[string]string{store.SettingPortalOrgTickets: shared, store.SettingPortalWelcome: welcome}); err != nil {
		return err
	}
	s.log.Info("portal settings saved", "by", u.ID, "organization_tickets", shared)
	httpx.Redirect(w, r, "/settings/portal", "Portal settings saved.")
	return nil
}

// cleanWelcome keeps line breaks (at most one blank line in a row) and drops
// other control characters; the text is escaped when shown.
func cleanWelcome(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Map(func(c rune) rune {
		if c != '\n' && unicode.IsControl(c) {
			if c == '\t' {
				return ' '
			}
			return -1
		}
		return c
	}, s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			if blank++; blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
