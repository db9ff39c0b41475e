package api

import (
	"andon/internal/http/httpx"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
	"andon/internal/mail/smtpd"
)

// Email channel: inbound mail by HTTP, mailbox admin, failed mail.

// apiInboundEmail takes a raw RFC 5322 message (for piping from an MTA)
// and answers 202 once it is stored.
func (s *Handler) apiInboundEmail(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "message/rfc822" {
		return domain.Errorf(domain.EUnsupported, "Content-Type must be message/rfc822")
	}
	r.Body = http.MaxBytesReader(w, r.Body, smtpd.MaxMessageBytes)
	raw, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &domain.Error{Code: domain.EInvalid, Message: "message too large", Fields: map[string]string{"body": "at most 25 MB"}}
	}
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "empty message", Fields: map[string]string{"body": "required"}}
	}
	res, err := s.mail.Inbound(r.Context(), raw)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, map[string]any{"ticket_id": res.TicketID, "entry_id": res.EntryID,
		"new_ticket": res.NewTicket, "duplicate": res.Duplicate, "failed_id": res.FailedID})
	return nil
}

func (s *Handler) apiListMailboxes(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	list, err := s.db.Mailboxes(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []*domain.Mailbox{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"mailboxes": list})
	return nil
}

func (s *Handler) apiCreateMailbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	var in domain.MailboxInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.mail.CreateMailbox(r.Context(), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Handler) apiGetMailbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	m, err := httpx.PathMailbox(s.db, r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Handler) apiPatchMailbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id", "mailbox")
	if err != nil {
		return err
	}
	var in domain.MailboxInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.mail.UpdateMailbox(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Handler) apiDeleteMailbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "mailbox")
	if err != nil {
		return err
	}
	if err := s.db.DeleteMailbox(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handler) apiRetryFailedMail(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	if err := httpx.NeedMail(s.mail); err != nil {
		return err
	}
	id, err := httpx.PathID(r, "id", "failed mail")
	if err != nil {
		return err
	}
	res, err := s.mail.RetryFailed(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"ticket_id": res.TicketID, "entry_id": res.EntryID, "new_ticket": res.NewTicket, "duplicate": res.Duplicate})
	return nil
}

// apiEntryOriginal returns the original message of an email entry.
func (s *Handler) apiEntryOriginal(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "entry")
	if err != nil {
		return err
	}
	if err := s.mayReadEntry(r, u, id); err != nil {
		return err
	}
	raw, err := s.db.InboundMailRaw(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(raw)
	return nil
}

// mayReadEntry checks that u may see the ticket the entry belongs to.
func (s *Handler) mayReadEntry(r *http.Request, u *domain.User, entryID int64) error {
	e, err := s.db.Entry(r.Context(), entryID)
	if err != nil {
		return err
	}
	t, err := s.db.Ticket(r.Context(), e.TicketID)
	if err != nil {
		return err
	}
	return s.db.CanSeeTicket(r.Context(), u, t)
}

func (s *Handler) apiListOutbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	list, err := s.db.Outbox(r.Context(), t.ID, 200)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"outbox": list})
	return nil
}

func (s *Handler) apiRetryOutbox(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "outbox message")
	if err != nil {
		return err
	}
	if err := s.db.RetryOutbox(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiEntryAttachment serves attachment n (or the inline part whose
// Content-ID is n, for cid: images) of an email entry, from the stored
// original. Images are shown inline under a sandbox CSP; everything else
// downloads.
func (s *Handler) apiEntryAttachment(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	id, err := httpx.PathID(r, "id", "entry")
	if err != nil {
		return err
	}
	if err := s.mayReadEntry(r, u, id); err != nil {
		return err
	}
	raw, err := s.db.InboundMailRaw(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := ingest.Parse(raw)
	if err != nil {
		return domain.NotFound("attachment")
	}
	key := r.PathValue("part")
	idx := -1
	for i, a := range m.Attachments {
		if strconv.Itoa(i) == key || (a.ContentID != "" && a.ContentID == key) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return domain.NotFound("attachment")
	}
	a := m.Attachments[idx]
	ct := a.ContentType
	disp := "attachment"
	if strings.HasPrefix(ct, "image/") && ct != "image/svg+xml" {
		disp = "inline"
	} else if ct != "message/rfc822" { // an attached mail downloads as what it is: a .eml
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": a.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	_, _ = w.Write(m.AttachmentData[idx])
	return nil
}

// mailSettingKeys are the admin-editable texts of automatic mail.
var mailSettingKeys = map[string]string{"ack_subject": domain.SettingAckSubject, "ack_body": domain.SettingAckBody}

func (s *Handler) apiGetMailSettings(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	out := map[string]string{}
	for k, key := range mailSettingKeys {
		def := ""
		if k == "ack_body" {
			def = domain.DefaultAckBody
		}
		v, err := s.db.Setting(r.Context(), key, def)
		if err != nil {
			return err
		}
		out[k] = v
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Handler) apiPutMailSettings(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	var in map[string]string
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	v := domain.Validation{}
	kv := map[string]string{}
	for k, val := range in {
		key, ok := mailSettingKeys[k]
		if !ok {
			v.Add(k, "unknown setting")
			continue
		}
		v.Check(len(val) <= 10_000, k, "at most 10000 bytes")
		kv[key] = val
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.db.SetSettings(r.Context(), kv); err != nil {
		return err
	}
	return s.apiGetMailSettings(w, r, u)
}
