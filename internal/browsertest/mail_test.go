package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
	"andon/internal/testutil/testnode"
)

// newMailEnv is one node with the email channel on.
func newMailEnv(t *testing.T) *env {
	t.Helper()
	needBrowser(t)
	n := testnode.New(t, testnode.Options{Mail: true})
	return &env{t: t, node: n, nodes: []*node{nodeOf(n)}}
}

// shot saves a screenshot when ANDON_MAIL_SHOTS names a directory.
func (b *tab) shot(name string) {
	dir := os.Getenv("ANDON_MAIL_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// An admin sets up a mailbox in the settings; an agent answers an email
// with Cc, Bcc and a file, and watches it go from queued to sent.
func TestEmailMailboxAndReplyInBrowser(t *testing.T) {
	e := newMailEnv(t)
	svc, sender, sink := e.node.Mail, e.node.Sender, e.node.Sink
	e.agent("admin@example.com", "Ada Admin", domain.RoleAdmin)
	b := newTab(t, e.a().url, 0)
	b.login("admin@example.com")

	b.open("/settings/mailboxes")
	b.do(chromedp.Click(chromedp.ID("new-mailbox")))
	b.waitFor("the mailbox form", `document.getElementById('mailbox-form')`)
	b.do(
		chromedp.SetValue(chromedp.ID("mb-address"), "help@acme.test"),
		chromedp.SetValue(chromedp.ID("mb-name"), "Acme Help"),
		chromedp.SetValue(chromedp.ID("mb-smtp-host"), sink.Host),
		chromedp.SetValue(chromedp.ID("mb-smtp-port"), strconv.Itoa(sink.Port)),
		chromedp.SetValue(chromedp.ID("mb-smtp-tls"), "none"),
		chromedp.SetValue(chromedp.ID("mb-smtp-user"), sink.User),
		chromedp.SetValue(chromedp.ID("mb-smtp-password"), sink.Pass),
	)
	b.shot("mailbox-form")
	b.do(chromedp.Click(chromedp.ID("mailbox-submit")))
	b.waitFor("the new mailbox in the list", `document.querySelector('#mailbox-list') && document.querySelector('#mailbox-list').innerText.includes('help@acme.test')`)
	b.shot("mailboxes")

	raw := "From: Ann <ann@example.com>\r\nTo: help@acme.test\r\nSubject: Broken mug\r\nMessage-ID: <b-1@example.com>\r\n\r\nIt arrived broken.\r\n\r\n> earlier text\r\n"
	res, err := svc.Inbound(context.Background(), []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sender.RunOnce(context.Background()); err != nil { // the acknowledgement
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "receipt.txt")
	if err := os.WriteFile(file, []byte("receipt 1042"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(ticketPath(res.TicketID))
	b.waitFor("the original link", `document.getElementById('original-`+strconv.FormatInt(res.EntryID, 10)+`')`)
	b.do(
		chromedp.Click(chromedp.CSS("#reply-extras summary")),
		chromedp.SendKeys(chromedp.ID("reply-cc"), "boss@example.com"),
		chromedp.SendKeys(chromedp.ID("reply-bcc"), "audit@acme.test"),
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{file}),
		chromedp.SendKeys(chromedp.ID("reply-body"), "A new mug is on its way."),
	)
	b.shot("reply-extras")
	b.do(chromedp.Click(chromedp.ID("reply-submit")))
	b.waitFor("the queued reply", `document.querySelector('.mail-status[data-status="queued"]')`)
	b.live()
	b.mark()
	if _, err := sender.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The page updates in place when the mail worker reports the send.
	b.waitFor("the sent reply", `document.querySelector('.mail-status[data-status="sent"]') && document.body.innerText.includes('receipt.txt')`)
	b.assertNotReloaded()
	b.shot("ticket-sent")
	msgs := sink.Wait(t, 2, 5*time.Second)
	last := msgs[len(msgs)-1]
	if !strings.Contains(string(last.Raw), "boss@example.com") || !strings.Contains(string(last.Raw), "receipt.txt") ||
		strings.Contains(string(last.Raw), "audit@acme.test") || !strings.Contains(strings.Join(last.To, ","), "audit@acme.test") {
		t.Fatalf("sent message: to %v\n%s", last.To, last.Raw)
	}

	// The original message, one click away.
	b.do(chromedp.Click(chromedp.ID("original-" + strconv.FormatInt(res.EntryID, 10))))
	b.waitFor("the original", `document.getElementById('original-text') && document.getElementById('original-text').innerText.includes('> earlier text')`)
	b.shot("original")
}
