package workspace

import (
	"andon/internal/http/httpx"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"andon/internal/domain"
	"andon/internal/web"
)

// Email on the ticket page: delivery state of each outgoing message (with a
// Retry for failed ones), and the original of each inbound message.

// mailView is what the "entry-mail" partial shows under an email entry.
// It rides in the entry's Meta (key metaMailView) of the page's copy only.
type mailView struct {
	TicketID int64
	CSRF     string
	Outbox   *domain.OutboxMessage // outbound: the email carrying this reply
	Original bool                  // inbound: the stored original can be opened
	Files    []domain.Attachment   // outbound: files sent with the reply
}

const metaMailView = "andon_mail_view"

// attachMailViews loads the ticket's outbox in one query and hangs the
// delivery state on the entries it belongs to.
func (s *Handler) attachMailViews(ctx context.Context, t *domain.Ticket, csrf string) error {
	var byEntry map[int64]*domain.OutboxMessage
	var files map[int64][]domain.Attachment
	for i := range t.Timeline {
		e := &t.Timeline[i]
		if e.Channel != domain.ChannelEmail && !(e.Direction == domain.Outbound && e.Kind == domain.EntryMessage) {
			continue
		}
		v := &mailView{TicketID: t.ID, CSRF: csrf}
		if e.Direction == domain.Outbound && e.Kind == domain.EntryMessage {
			if byEntry == nil {
				list, err := s.db.Outbox(ctx, t.ID, 500)
				if err != nil {
					return err
				}
				byEntry = map[int64]*domain.OutboxMessage{}
				for _, o := range list {
					if o.EntryID != nil && o.Kind == domain.OutboxReply {
						byEntry[*o.EntryID] = o
					}
				}
				all, err := s.db.Attachments(ctx, t.ID)
				if err != nil {
					return err
				}
				files = map[int64][]domain.Attachment{}
				for _, a := range all {
					if a.EntryID != nil {
						files[*a.EntryID] = append(files[*a.EntryID], a)
					}
				}
			}
			v.Files = files[e.ID]
			if v.Outbox = byEntry[e.ID]; v.Outbox == nil {
				continue
			}
		} else if e.Direction == domain.Inbound && e.Kind == domain.EntryMessage {
			if _, ok := e.Meta["email"]; !ok {
				continue
			}
			v.Original = true
		} else {
			continue
		}
		if e.Meta == nil {
			e.Meta = map[string]any{}
		}
		e.Meta[metaMailView] = v
	}
	return nil
}

// retryOutboxForm queues a failed reply again, from the ticket timeline.
func (s *Handler) retryOutboxForm(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return err
	}
	oid, err := httpx.PathID(r, "oid", "outgoing message")
	if err != nil {
		return err
	}
	list, err := s.db.Outbox(r.Context(), t.ID, 500)
	if err != nil {
		return err
	}
	var o *domain.OutboxMessage
	for _, m := range list {
		if m.ID == oid {
			o = m
		}
	}
	if o == nil {
		return domain.NotFound("outgoing message")
	}
	if err := s.db.RetryOutbox(r.Context(), oid); err != nil {
		return err
	}
	s.log.Info("outbox retry", "by", u.ID, "outbox", oid)
	var entry int64
	if o.EntryID != nil {
		entry = *o.EntryID
	}
	httpx.Redirect(w, r, ticketURL(t.ID, entry), "Email queued again; it is sent in a few seconds.")
	return nil
}

type originalData struct {
	Ticket      *domain.Ticket
	Entry       *domain.Entry
	Email       map[string]any
	Text        string
	HasHTML     bool
	Images      bool // the agent agreed to load remote images
	Attachments []any
	To, Cc      string
}

// entryEmail loads an inbound email entry of a ticket the user may see.
func (s *Handler) entryEmail(r *http.Request, u *domain.User) (*domain.Ticket, *domain.Entry, map[string]any, error) {
	t, err := httpx.VisibleTicket(s.db, r, u, false)
	if err != nil {
		return nil, nil, nil, err
	}
	eid, err := httpx.PathID(r, "entry", "entry")
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := s.db.Entry(r.Context(), eid)
	if err != nil {
		return nil, nil, nil, err
	}
	em, ok := e.Meta["email"].(map[string]any)
	if e.TicketID != t.ID || !ok {
		return nil, nil, nil, domain.NotFound("original message")
	}
	return t, e, em, nil
}

// entryOriginalPage shows an email as it arrived: the full text with quotes
// and signature, and the sanitized HTML in a sandboxed frame.
func (s *Handler) entryOriginalPage(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	t, e, em, err := s.entryEmail(r, u)
	if err != nil {
		return err
	}
	d := originalData{Ticket: t, Entry: e, Email: em, Text: e.Body, Images: r.URL.Query().Get("images") == "1"}
	if full, ok := em["full_text"].(string); ok && full != "" {
		d.Text = full
	}
	_, d.HasHTML = em["html"].(string)
	d.To, d.Cc = addrList(em["to"]), addrList(em["cc"])
	d.Attachments, _ = em["attachments"].([]any)
	return s.render(w, r, http.StatusOK, "ticket_original", &web.Page{Title: "Original message · " + t.Ref(), Nav: "inbox", Data: d})
}

var (
	parkedImg = regexp.MustCompile(`(?i)(<img\b[^>]*?\s)data-src=`)
	cidRef    = regexp.MustCompile(`(?i)(\s(?:src|data-src))=("cid:([^"]*)"|'cid:([^']*)')`)
)

// entryOriginalHTML serves the sanitized HTML for the sandboxed frame. Its
// CSP blocks scripts and, until the agent consents (?images=1), every image
// that is not part of the message itself.
func (s *Handler) entryOriginalHTML(w http.ResponseWriter, r *http.Request, u *domain.User) error {
	_, e, em, err := s.entryEmail(r, u)
	if err != nil {
		return err
	}
	body, _ := em["html"].(string)
	base := "/api/v1/entries/" + strconv.FormatInt(e.ID, 10) + "/attachments/"
	body = cidRef.ReplaceAllStringFunc(body, func(m string) string {
		sm := cidRef.FindStringSubmatch(m)
		id := sm[3] + sm[4]
		return sm[1] + `="` + base + url.PathEscape(id) + `"`
	})
	imgSrc := "'self' data:"
	if r.URL.Query().Get("images") == "1" {
		body = parkedImg.ReplaceAllString(body, "${1}src=")
		imgSrc += " https: http:"
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src "+imgSrc)
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank"></head><body>` + body + `</body></html>`))
	return nil
}

func csrfFrom(ctx context.Context) string {
	if sess := httpx.SessionFrom(ctx); sess != nil {
		return sess.CSRF
	}
	return ""
}

// replyExtras reads the optional CC and BCC addresses (into the entry's
// meta, where the outbox finds them) and the attached files.
func replyExtras(r *http.Request, n *domain.NewEntry) ([]domain.NewAttachment, error) {
	v := domain.Validation{}
	for _, field := range []string{"cc", "bcc"} {
		var addrs []string
		for _, a := range strings.FieldsFunc(r.PostFormValue(field), func(c rune) bool { return c == ',' || c == ';' || c == ' ' || c == '\n' }) {
			if norm, ok := domain.NormalizeEmail(a); ok {
				addrs = append(addrs, norm)
			} else {
				v.Add(field, a+" is not a valid email address")
			}
		}
		v.Check(len(addrs) <= 20, field, "at most 20 addresses")
		if len(addrs) > 0 {
			if n.Meta == nil {
				n.Meta = map[string]any{}
			}
			n.Meta[field] = addrs
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return httpx.FormFiles(r, "attachments")
}

// addrList shows an address list from entry meta (a JSON array).
func addrList(v any) string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, a := range list {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}
