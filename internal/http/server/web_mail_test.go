package server_test

import (
	. "andon/internal/http/server"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/mail"
	"andon/internal/mail/ingest"
	"andon/internal/testutil"
)

// newMailWebEnv is newAdminEnv with the email channel switched on.
func newMailWebEnv(t *testing.T) (*adminEnv, *mail.Service) {
	t.Helper()
	db := testutil.OpenDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	box, err := mail.NewBox("test-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := mail.NewService(db, box, log)
	_, url := startServer(t, Deps{DB: db, Log: log, Mail: svc})
	return adminEnvAt(t, db, url), svc
}

func TestMailboxSettingsPages(t *testing.T) {
	e, _ := newMailWebEnv(t)
	ctx := context.Background()
	agent := e.signedIn("agent@example.com")
	if res, _ := agent.get("/settings/mailboxes"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("agent sees mailboxes: %d", res.StatusCode)
	}
	admin := e.signedIn("boss@example.com")
	res, body := admin.get("/settings/mailboxes")
	wantStatus(t, "list", res, 200)
	wantContains(t, "list", body, `id="settings-mailboxes"`, `id="settings-failed-mail"`, `id="settings-mail"`, "No mailboxes yet")
	admin.get("/settings/mailboxes/new")

	form := url.Values{"address": {"not-an-address"}, "display_name": {"Acme Help"}, "imap_port": {"99999"}, "imap_tls": {"tls"}, "smtp_tls": {"starttls"},
		"smtp_password": {"hunter2"}}
	res, body = admin.post("/settings/mailboxes", form)
	wantStatus(t, "invalid", res, http.StatusUnprocessableEntity)
	wantContains(t, "invalid", body, "Nothing was saved", `value="Acme Help"`, "not a valid email address", "between 1 and 65535")
	if strings.Contains(body, "hunter2") {
		t.Fatal("a password was echoed back into the form")
	}
	if list, _ := e.db.Mailboxes(ctx); len(list) != 0 {
		t.Fatalf("invalid form created %d mailboxes", len(list))
	}

	form.Set("address", "Help@Acme.test")
	form.Set("imap_port", "993")
	form.Set("imap_host", "imap.acme.test")
	form.Set("smtp_host", "smtp.acme.test")
	form.Set("smtp_port", "465")
	form.Set("smtp_tls", "tls")
	res, body = admin.post("/settings/mailboxes", form)
	wantStatus(t, "create", res, 200)
	wantContains(t, "create", body, "Mailbox help@acme.test created", "smtp.acme.test:465")
	list, _ := e.db.Mailboxes(ctx)
	if len(list) != 1 || list[0].SMTPPassword == "" || strings.Contains(list[0].SMTPPassword, "hunter2") || list[0].SMTPTLS != domain.TLSImplicit {
		t.Fatalf("stored %+v", list)
	}
	mb := list[0]
	sealed := mb.SMTPPassword

	// Edit: the form shows settings but never the password; blank keeps it.
	res, body = admin.get(fmt.Sprintf("/settings/mailboxes/%d", mb.ID))
	wantStatus(t, "edit", res, 200)
	wantContains(t, "edit", body, `value="help@acme.test"`, "stored — leave blank to keep")
	res, body = admin.post(fmt.Sprintf("/settings/mailboxes/%d", mb.ID), url.Values{"address": {"help@acme.test"}, "display_name": {"Acme Care"},
		"smtp_host": {"smtp.acme.test"}, "smtp_port": {"465"}, "smtp_tls": {"starttls"}, "imap_tls": {"tls"}, "smtp_password": {""}})
	wantStatus(t, "save", res, 200)
	wantContains(t, "save", body, "saved")
	after, _ := e.db.Mailbox(ctx, mb.ID)
	if after.DisplayName != "Acme Care" || after.SMTPPassword != sealed || after.SMTPPort != 465 || after.IMAPHost != "" {
		t.Fatalf("after save %+v", after)
	}
	// A new server must not receive the stored password: the port change
	// without the password again is refused and nothing is saved.
	_, body = admin.post(fmt.Sprintf("/settings/mailboxes/%d", mb.ID), url.Values{"address": {"help@acme.test"}, "display_name": {"Other"},
		"smtp_host": {"smtp.acme.test"}, "smtp_port": {"2525"}, "smtp_tls": {"starttls"}, "imap_tls": {"tls"}, "smtp_password": {""}})
	wantContains(t, "port change", body, "smtp_password")
	if after, _ = e.db.Mailbox(ctx, mb.ID); after.SMTPPort != 465 || after.DisplayName != "Acme Care" {
		t.Fatalf("after save %+v", after)
	}
	res, _ = admin.post(fmt.Sprintf("/settings/mailboxes/%d/delete", mb.ID), url.Values{})
	wantStatus(t, "delete", res, 200)
	if list, _ := e.db.Mailboxes(ctx); len(list) != 0 {
		t.Fatal("mailbox not deleted")
	}
}

func TestFailedMailAndAckSettingsPages(t *testing.T) {
	e, _ := newMailWebEnv(t)
	ctx := context.Background()
	raw := "From: Ann <ann@example.com>\r\nTo: help@acme.test\r\nSubject: Lost <order>\r\nMessage-ID: <failed-1@example.com>\r\n\r\nWhere is it?\r\n"
	id, err := e.db.AddFailedMail(ctx, nil, ingest.SourceAPI, []byte(raw), "charset trouble")
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn("boss@example.com")
	res, body := admin.get("/settings/failed-mail")
	wantStatus(t, "failed list", res, 200)
	wantContains(t, "failed list", body, "Lost &lt;order&gt;", "charset trouble")
	res, body = admin.get(fmt.Sprintf("/settings/failed-mail/%d", id))
	wantStatus(t, "failed show", res, 200)
	wantContains(t, "failed show", body, "Where is it?", "Message-ID: &lt;failed-1@example.com&gt;")
	res, body = admin.get(fmt.Sprintf("/settings/failed-mail/%d/raw", id))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || body != raw {
		t.Fatalf("download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	junk, err := e.db.AddFailedMail(ctx, nil, ingest.SourceAPI, []byte("\x00\x01 not a mail"), "unreadable")
	if err != nil {
		t.Fatal(err)
	}
	res, body = admin.post(fmt.Sprintf("/settings/failed-mail/%d/retry", junk), url.Values{})
	wantStatus(t, "retry junk", res, 200)
	wantContains(t, "retry junk", body, "still cannot be read", fmt.Sprintf("Failed mail #%d", junk))
	res, body = admin.post(fmt.Sprintf("/settings/failed-mail/%d/retry", id), url.Values{})
	wantStatus(t, "retry", res, 200)
	wantContains(t, "retry", body, "now on ticket #")
	if list, _ := e.db.FailedMails(ctx, 10); len(list) != 1 || list[0].ID != junk {
		t.Fatalf("failed list after retries: %d", len(list))
	}

	// The acknowledgement text is editable and used for the next new ticket.
	res, body = admin.get("/settings/mail")
	wantStatus(t, "mail settings", res, 200)
	wantContains(t, "mail settings", body, "thank you for your message")
	res, body = admin.post("/settings/mail", url.Values{"ack_subject": {"We got it: {{subject}} [{{ticket}}]"}, "ack_body": {"Hi {{name}}, ticket {{ticket}} is open."}})
	wantStatus(t, "save ack", res, 200)
	wantContains(t, "save ack", body, "Acknowledgement saved", "Hi {{name}}, ticket {{ticket}} is open.")
	if v, _ := e.db.Setting(ctx, domain.SettingAckBody, ""); v != "Hi {{name}}, ticket {{ticket}} is open." {
		t.Fatalf("stored ack %q", v)
	}
	res, body = admin.post("/settings/mail", url.Values{"ack_subject": {""}, "ack_body": {""}})
	wantStatus(t, "empty ack", res, http.StatusUnprocessableEntity)
	wantContains(t, "empty ack", body, "required")
	agent := e.signedIn("agent@example.com")
	if res, _ := agent.get("/settings/failed-mail"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("agent sees failed mail: %d", res.StatusCode)
	}
}

func TestEmailOnTicketPage(t *testing.T) {
	e, svc := newMailWebEnv(t)
	ctx := context.Background()
	raw := "From: Ann <ann@example.com>\r\nTo: help@acme.test\r\nSubject: Printer\r\nMessage-ID: <tp-1@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nIt jams.\r\n\r\n> old quoted text\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>It jams.</p><img src=\"https://tracker.example/pixel.gif\"><script>alert(1)</script>\r\n--b--\r\n"
	res, err := svc.Inbound(ctx, []byte(raw))
	if err != nil || res.TicketID == 0 {
		t.Fatalf("inbound: %v %+v", err, res)
	}
	tid := res.TicketID
	agent := e.signedIn("agent@example.com")
	r, body := agent.get(fmt.Sprintf("/tickets/%d", tid))
	wantStatus(t, "ticket", r, 200)
	origURL := fmt.Sprintf("/tickets/%d/entries/%d/original", tid, res.EntryID)
	wantContains(t, "ticket", body, `href="`+origURL+`"`, `id="reply-cc"`, `id="reply-bcc"`, `id="reply-files"`, `enctype="multipart/form-data"`)

	// The original: full text with the quote, HTML only in a sandboxed frame.
	r, body = agent.get(origURL)
	wantStatus(t, "original", r, 200)
	wantContains(t, "original", body, "&gt; old quoted text", "<iframe sandbox", `id="load-remote-images"`)
	r, body = agent.get(origURL + ".html")
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || strings.Contains(csp, "https:") {
		t.Fatalf("CSP before consent %q", csp)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, ` src="https://tracker.example`) || !strings.Contains(body, `data-src="https://tracker.example/pixel.gif"`) {
		t.Fatalf("html before consent: %s", body)
	}
	r, body = agent.get(origURL + ".html?images=1")
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "https:") || !strings.Contains(body, `src="https://tracker.example/pixel.gif"`) {
		t.Fatalf("html after consent: %s", body)
	}
	// Another ticket's id in the URL does not reach this entry.
	other, _ := svc.Inbound(ctx, []byte("From: bob@example.com\r\nTo: help@acme.test\r\nSubject: Other\r\nMessage-ID: <tp-2@example.com>\r\n\r\nHi\r\n"))
	if r, _ := agent.get(fmt.Sprintf("/tickets/%d/entries/%d/original", other.TicketID, res.EntryID)); r.StatusCode != http.StatusNotFound {
		t.Fatalf("cross-ticket original: %d", r.StatusCode)
	}

	// Reply with a bad Cc: nothing sent, the field is named, text kept.
	agent.get(fmt.Sprintf("/tickets/%d", tid))
	r, body = agent.postFiles(fmt.Sprintf("/tickets/%d/reply", tid), map[string]string{"body": "Try this.", "cc": "boss@example.com, nope"}, "attachments", nil)
	wantStatus(t, "bad cc", r, http.StatusUnprocessableEntity)
	wantContains(t, "bad cc", body, "nope is not a valid email address", "Try this.")
	r, body = agent.postFiles(fmt.Sprintf("/tickets/%d/reply", tid), map[string]string{"body": "Try this.", "cc": "boss@example.com", "bcc": "audit@acme.test"},
		"attachments", map[string][]byte{"steps.txt": []byte("1. open tray")})
	wantStatus(t, "reply", r, 200)
	wantContains(t, "reply", body, "Reply sent.", `data-status="queued"`, "Cc boss@example.com", "steps.txt")
	ob, _ := e.db.Outbox(ctx, tid, 10)
	var reply *domain.OutboxMessage
	for _, o := range ob {
		if o.Kind == domain.OutboxReply {
			reply = o
		}
	}
	if reply == nil || strings.Join(reply.Cc, ",") != "boss@example.com" || strings.Join(reply.Bcc, ",") != "audit@acme.test" {
		t.Fatalf("outbox %+v", reply)
	}
	if files, _ := e.db.EntryFiles(ctx, *reply.EntryID); len(files) != 1 || files[0].Filename != "steps.txt" {
		t.Fatalf("files %+v", files)
	}

	// A failed send shows the server's answer and a Retry button.
	if err := e.db.MarkOutboxFailed(ctx, reply.ID, "550 5.1.1 mailbox unavailable", e.db.Now(), true); err != nil {
		t.Fatal(err)
	}
	_, body = agent.get(fmt.Sprintf("/tickets/%d", tid))
	wantContains(t, "failed", body, `data-status="failed"`, "550 5.1.1 mailbox unavailable", fmt.Sprintf(`id="mail-retry-%d"`, reply.ID))
	r, body = agent.post(fmt.Sprintf("/tickets/%d/outbox/%d/retry", tid, reply.ID), url.Values{})
	wantStatus(t, "retry", r, 200)
	wantContains(t, "retry", body, "Email queued again")
	ob, _ = e.db.Outbox(ctx, tid, 10)
	for _, o := range ob {
		if o.ID == reply.ID && o.Status != domain.OutboxQueued {
			t.Fatalf("after retry: %s", o.Status)
		}
	}
	// A retry through another ticket's URL is refused.
	if r, _ := agent.post(fmt.Sprintf("/tickets/%d/outbox/%d/retry", other.TicketID, reply.ID), url.Values{}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("cross-ticket retry: %d", r.StatusCode)
	}
	// A temporary failure: shown as retrying, with the server's answer.
	if _, err := e.db.ClaimOutbox(ctx, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.db.MarkOutboxFailed(ctx, reply.ID, "421 try later", e.db.Now().Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	_, body = agent.get(fmt.Sprintf("/tickets/%d", tid))
	wantContains(t, "retrying", body, `data-status="retrying"`, "421 try later")
}
