package server_test

import (
	. "andon/internal/http/server"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/mail"
)

func newMailEnv(t *testing.T) (*apiEnv, string) {
	t.Helper()
	var svc *mail.Service
	e := newAPIEnv(t, func(d *Deps) {
		box, err := mail.NewBox("test-secret", "")
		if err != nil {
			t.Fatal(err)
		}
		svc = mail.NewService(d.DB, box, slog.New(slog.NewTextHandler(io.Discard, nil)))
		d.Mail = svc
	})
	_, admin := e.newAgent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	return e, admin
}

func (e *apiEnv) as(token, method, path string, body any, hdr map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + token}
	for k, v := range hdr {
		h[k] = v
	}
	return e.request(method, path, body, h)
}

func TestInboundEmailAPI(t *testing.T) {
	e, admin := newMailEnv(t)
	raw := "From: Ann <ann@example.com>\r\nTo: nobody-configured@example.org\r\nSubject: Broken widget\r\nMessage-ID: <api-1@example.com>\r\n\r\nIt broke.\r\n"
	rfc := map[string]string{"Content-Type": "message/rfc822"}
	// Agents may not inject mail; wrong content type is refused.
	if resp, _ := e.as(e.token, "POST", "/api/v1/inbound/email", raw, rfc); resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent: %d", resp.StatusCode)
	}
	if resp, _ := e.as(admin, "POST", "/api/v1/inbound/email", raw, nil); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("json content type: %d", resp.StatusCode)
	}
	resp, body := e.as(admin, "POST", "/api/v1/inbound/email", raw, rfc)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var res struct {
		TicketID  int64 `json:"ticket_id"`
		NewTicket bool  `json:"new_ticket"`
		Duplicate bool  `json:"duplicate"`
	}
	json.Unmarshal(body, &res)
	if !res.NewTicket || res.TicketID == 0 {
		t.Fatalf("result %s", body)
	}
	// Unknown recipient went to the default mailbox, created on first use.
	resp, body = e.as(admin, "GET", "/api/v1/mailboxes", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"is_default":true`) {
		t.Errorf("mailboxes: %d %s", resp.StatusCode, body)
	}
	// Same message again: accepted, one entry.
	_, body = e.as(admin, "POST", "/api/v1/inbound/email", raw, rfc)
	if !strings.Contains(string(body), `"duplicate":true`) {
		t.Errorf("second post: %s", body)
	}
	tk, _ := e.db.TicketWithTimeline(t.Context(), res.TicketID)
	if len(tk.Timeline) != 1 || tk.Timeline[0].Body != "It broke." {
		t.Errorf("timeline %+v", tk.Timeline)
	}
	// The original is one click away.
	resp, body = e.as(e.token, "GET", fmt.Sprintf("/api/v1/entries/%d/original", tk.Timeline[0].ID), nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Message-ID: <api-1@example.com>") {
		t.Errorf("original: %d %s", resp.StatusCode, body)
	}
}

func TestMailboxAdminAPI(t *testing.T) {
	e, admin := newMailEnv(t)
	in := map[string]any{"address": "Help@Acme.test", "display_name": "Acme Help", "smtp_host": "smtp.acme.test",
		"smtp_password": "hunter2", "smtp_tls": "tls", "imap_host": "imap.acme.test", "imap_user": "help", "imap_password": "pw"}
	if resp, _ := e.as(e.token, "POST", "/api/v1/mailboxes", in, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent create: %d", resp.StatusCode)
	}
	resp, body := e.as(admin, "POST", "/api/v1/mailboxes", in, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "hunter2") || !strings.Contains(string(body), `"smtp_password_set":true`) ||
		!strings.Contains(string(body), `"address":"help@acme.test"`) {
		t.Errorf("create body: %s", body)
	}
	var mb domain.Mailbox
	json.Unmarshal(body, &mb)
	stored, _ := e.db.Mailbox(t.Context(), mb.ID)
	if stored.SMTPPassword == "" || strings.Contains(stored.SMTPPassword, "hunter2") {
		t.Errorf("password not sealed: %q", stored.SMTPPassword)
	}
	// Validation names the field; duplicates conflict.
	resp, body = e.as(admin, "POST", "/api/v1/mailboxes", map[string]any{"address": "nope", "smtp_port": 70000}, nil)
	if resp.StatusCode != 422 && resp.StatusCode != 400 || !strings.Contains(string(body), `"address"`) || !strings.Contains(string(body), `"smtp_port"`) {
		t.Errorf("invalid: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.as(admin, "POST", "/api/v1/mailboxes", in, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("duplicate: %d", resp.StatusCode)
	}
	// PATCH without a password keeps the sealed one.
	resp, body = e.as(admin, "PATCH", fmt.Sprintf("/api/v1/mailboxes/%d", mb.ID), map[string]any{"display_name": "Acme Care"}, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Acme Care") {
		t.Fatalf("patch: %d %s", resp.StatusCode, body)
	}
	after, _ := e.db.Mailbox(t.Context(), mb.ID)
	if after.SMTPPassword != stored.SMTPPassword {
		t.Errorf("password changed by a patch without one")
	}
	if resp, _ = e.as(admin, "DELETE", fmt.Sprintf("/api/v1/mailboxes/%d", mb.ID), nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ = e.as(admin, "GET", fmt.Sprintf("/api/v1/mailboxes/%d", mb.ID), nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("get deleted: %d", resp.StatusCode)
	}
}

func TestFailedMailAPI(t *testing.T) {
	e, admin := newMailEnv(t)
	rfc := map[string]string{"Content-Type": "message/rfc822"}
	resp, body := e.as(admin, "POST", "/api/v1/inbound/email", "Subject: no sender\r\n\r\nhello\r\n", rfc)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(body), `"failed_id":`) {
		t.Fatalf("inbound: %d %s", resp.StatusCode, body)
	}
	var res struct {
		FailedID int64 `json:"failed_id"`
	}
	json.Unmarshal(body, &res)
	resp, body = e.as(admin, "GET", "/api/v1/failed-mail", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "no valid From") {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.as(e.token, "GET", "/api/v1/failed-mail", nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent list: %d", resp.StatusCode)
	}
	resp, body = e.as(admin, "GET", fmt.Sprintf("/api/v1/failed-mail/%d/raw", res.FailedID), nil, nil)
	if resp.StatusCode != 200 || string(body) != "Subject: no sender\r\n\r\nhello\r\n" {
		t.Errorf("raw: %d %q", resp.StatusCode, body)
	}
	resp, body = e.as(admin, "POST", fmt.Sprintf("/api/v1/failed-mail/%d/retry", res.FailedID), nil, nil)
	if resp.StatusCode != 422 {
		t.Errorf("retry of broken mail: %d %s", resp.StatusCode, body)
	}
}

func TestEmailAttachmentsAndAckTemplate(t *testing.T) {
	e, admin := newMailEnv(t)
	rfc := map[string]string{"Content-Type": "message/rfc822"}
	resp, body := e.as(admin, "PUT", "/api/v1/mail/settings", map[string]string{"ack_body": "Hi {{name}}, ticket {{ticket}} is open."}, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ticket {{ticket}} is open") {
		t.Fatalf("put settings: %d %s", resp.StatusCode, body)
	}
	if resp, body = e.as(admin, "PUT", "/api/v1/mail/settings", map[string]string{"nope": "x"}, nil); resp.StatusCode < 400 || !strings.Contains(string(body), `"nope"`) {
		t.Errorf("unknown key: %d %s", resp.StatusCode, body)
	}
	raw, err := os.ReadFile("../../mail/ingest/testdata/corpus/inline_cid.eml")
	if err != nil {
		t.Fatal(err)
	}
	_, body = e.as(admin, "POST", "/api/v1/inbound/email", raw, rfc)
	var res struct {
		TicketID int64 `json:"ticket_id"`
		EntryID  int64 `json:"entry_id"`
	}
	json.Unmarshal(body, &res)
	for _, part := range []string{"0", "shot1@example.com"} {
		resp, img := e.as(e.token, "GET", fmt.Sprintf("/api/v1/entries/%d/attachments/%s", res.EntryID, part), nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(img), "\x89PNG") {
			t.Errorf("part %s: %d %s", part, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := e.as(e.token, "GET", fmt.Sprintf("/api/v1/entries/%d/attachments/7", res.EntryID), nil, nil); resp.StatusCode != 404 {
		t.Errorf("missing part: %d", resp.StatusCode)
	}
	out, _ := e.db.Outbox(t.Context(), res.TicketID, 10)
	if len(out) != 1 || out[0].Body != fmt.Sprintf("Hi %s, ticket #%d is open.", domain.EscapeMarkdown("bob@example.com"), res.TicketID) {
		t.Errorf("ack = %+v", out)
	}
}
