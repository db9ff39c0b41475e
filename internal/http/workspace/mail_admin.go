package workspace

import (
	"andon/internal/http/httpx"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

// Email settings pages: mailboxes, failed mail and the acknowledgement
// template. The same service and store calls as api_mail.go, as forms.

type mailboxesData struct {
	Section   string
	Mailboxes []*domain.Mailbox
	Teams     map[int64]string
}

func (s *Handler) settingsMailboxes(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	list, err := s.db.Mailboxes(r.Context())
	if err != nil {
		return err
	}
	teams, err := s.db.Teams(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	return s.render(w, r, http.StatusOK, "admin_mailboxes", &web.Page{Title: "Mailboxes", Nav: "settings",
		Data: mailboxesData{Section: "mailboxes", Mailboxes: list, Teams: names}})
}

type mailboxFormData struct {
	Section string
	Mailbox *domain.Mailbox // nil when creating
	Teams   []*domain.Team
	Modes   []domain.TLSMode
}

func (s *Handler) mailboxForm(w http.ResponseWriter, r *http.Request, status int, m *domain.Mailbox, p *web.Page) error {
	teams, err := s.db.Teams(r.Context())
	if err != nil {
		return err
	}
	p.Title, p.Nav = "New mailbox", "settings"
	if m != nil {
		p.Title = m.Address
	}
	if p.Form == nil {
		p.Form = mailboxValues(m)
	}
	p.Data = mailboxFormData{Section: "mailboxes", Mailbox: m, Teams: teams, Modes: []domain.TLSMode{domain.TLSImplicit, domain.TLSStart, domain.TLSNone}}
	return s.render(w, r, status, "admin_mailbox", p)
}

// mailboxValues prefills the form; passwords are never sent back.
func mailboxValues(m *domain.Mailbox) url.Values {
	if m == nil {
		m = &domain.Mailbox{}
		_ = (&domain.MailboxInput{}).Apply(m) // defaults: ports, TLS modes, INBOX
	}
	v := url.Values{}
	v.Set("address", m.Address)
	v.Set("display_name", m.DisplayName)
	if m.TeamID != nil {
		v.Set("team", strconv.FormatInt(*m.TeamID, 10))
	}
	if m.IsDefault {
		v.Set("is_default", "1")
	}
	v.Set("imap_host", m.IMAPHost)
	v.Set("imap_port", strconv.Itoa(m.IMAPPort))
	v.Set("imap_user", m.IMAPUser)
	v.Set("imap_tls", string(m.IMAPTLS))
	v.Set("imap_folder", m.IMAPFolder)
	v.Set("smtp_host", m.SMTPHost)
	v.Set("smtp_port", strconv.Itoa(m.SMTPPort))
	v.Set("smtp_user", m.SMTPUser)
	v.Set("smtp_tls", string(m.SMTPTLS))
	return v
}

// mailboxInput reads the form; a blank password keeps the stored one.
func mailboxInput(r *http.Request) (domain.MailboxInput, error) {
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	in := domain.MailboxInput{Address: str("address"), DisplayName: str("display_name"), IMAPHost: str("imap_host"),
		IMAPUser: str("imap_user"), IMAPPassword: str("imap_password"), IMAPFolder: str("imap_folder"),
		SMTPHost: str("smtp_host"), SMTPUser: str("smtp_user"), SMTPPassword: str("smtp_password")}
	def := f.Get("is_default") != ""
	in.IsDefault = &def
	imapTLS, smtpTLS := domain.TLSMode(f.Get("imap_tls")), domain.TLSMode(f.Get("smtp_tls"))
	in.IMAPTLS, in.SMTPTLS = &imapTLS, &smtpTLS
	v := domain.Validation{}
	port := func(k string) *int {
		s := strings.TrimSpace(f.Get(k))
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(k, "must be a number between 1 and 65535")
			return nil
		}
		return &n
	}
	in.IMAPPort, in.SMTPPort = port("imap_port"), port("smtp_port")
	team, _, err := optionalID(f.Get("team"), "team")
	if err != nil {
		v.Add("team", "unknown choice")
	}
	zero := int64(0)
	in.TeamID = &zero
	if team != nil {
		in.TeamID = team
	}
	return in, v.Err()
}

func (s *Handler) newMailboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	return s.mailboxForm(w, r, http.StatusOK, nil, &web.Page{})
}

func (s *Handler) createMailboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	in, err := mailboxInput(r)
	var m *domain.Mailbox
	if err == nil {
		m, err = s.mail.CreateMailbox(r.Context(), in)
	}
	if err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.mailboxForm(w, r, status, nil, p) })
	}
	s.log.Info("mailbox created", "by", u.ID, "mailbox", m.ID)
	httpx.Redirect(w, r, "/settings/mailboxes", "Mailbox "+m.Address+" created.")
	return nil
}

func (s *Handler) editMailboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	m, err := httpx.PathMailbox(s.db, r)
	if err != nil {
		return err
	}
	return s.mailboxForm(w, r, http.StatusOK, m, &web.Page{})
}

func (s *Handler) saveMailboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	old, err := httpx.PathMailbox(s.db, r)
	if err != nil {
		return err
	}
	in, err := mailboxInput(r)
	var m *domain.Mailbox
	if err == nil {
		m, err = s.mail.UpdateMailbox(r.Context(), old.ID, in)
	}
	if err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.mailboxForm(w, r, status, old, p) })
	}
	httpx.Redirect(w, r, "/settings/mailboxes", "Mailbox "+m.Address+" saved.")
	return nil
}

func (s *Handler) deleteMailboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "mailbox")
	if err != nil {
		return err
	}
	if err := s.db.DeleteMailbox(r.Context(), id); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/mailboxes", "Mailbox deleted. Its tickets stay.")
	return nil
}

func (s *Handler) failedMailShow(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "failed mail")
	if err != nil {
		return err
	}
	f, err := s.db.FailedMail(r.Context(), id)
	if err != nil {
		return err
	}
	raw := f.Raw
	if len(raw) > 256<<10 {
		raw = raw[:256<<10] // the download has the rest
	}
	return s.render(w, r, http.StatusOK, "admin_failed_mail", &web.Page{Title: "Failed mail", Nav: "settings",
		Data: failedMailData{Section: "failed-mail", One: f, Raw: strings.ToValidUTF8(string(raw), "\uFFFD")}})
}

func (s *Handler) failedMailRetry(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id", "failed mail")
	if err != nil {
		return err
	}
	res, err := s.mail.RetryFailed(r.Context(), id)
	if domain.ErrorCode(err) == domain.EUnprocessabl || (err == nil && res.TicketID == 0) {
		httpx.Redirect(w, r, "/settings/failed-mail/"+strconv.FormatInt(id, 10), "Retried, but the message still cannot be read. It stays in this list.")
		return nil
	}
	if err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/failed-mail", "Retried: the message is now on ticket #"+strconv.FormatInt(res.TicketID, 10)+".")
	return nil
}

type mailSettingsData struct {
	Section     string
	DefaultBody string
}

func (s *Handler) settingsMail(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	ctx := r.Context()
	subj, err := s.db.Setting(ctx, domain.SettingAckSubject, "")
	if err != nil {
		return err
	}
	body, err := s.db.Setting(ctx, domain.SettingAckBody, domain.DefaultAckBody)
	if err != nil {
		return err
	}
	return s.mailSettingsPage(w, r, http.StatusOK, &web.Page{Form: url.Values{"ack_subject": {subj}, "ack_body": {body}}})
}

func (s *Handler) mailSettingsPage(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	p.Title, p.Nav = "Email", "settings"
	p.Data = mailSettingsData{Section: "mail", DefaultBody: domain.DefaultAckBody}
	return s.render(w, r, status, "admin_mail", p)
}

func (s *Handler) saveMailSettings(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	subj, body := strings.TrimSpace(r.PostFormValue("ack_subject")), strings.TrimSpace(r.PostFormValue("ack_body"))
	v := domain.Validation{}
	v.Check(len(subj) <= 300, "ack_subject", "at most 300 characters")
	v.Check(len(body) <= 10_000, "ack_body", "at most 10000 characters")
	if r.PostFormValue("reset") != "" {
		body = domain.DefaultAckBody
	}
	v.Check(body != "", "ack_body", "required (use Reset for the default text)")
	if err := v.Err(); err != nil {
		return s.formError(w, r, err, func(p *web.Page, status int) error { return s.mailSettingsPage(w, r, status, p) })
	}
	if err := s.db.SetSettings(r.Context(), map[string]string{domain.SettingAckSubject: subj, domain.SettingAckBody: body}); err != nil {
		return err
	}
	httpx.Redirect(w, r, "/settings/mail", "Acknowledgement saved; new tickets get the new text.")
	return nil
}
