package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/mail/ingest"
	"andon/internal/store"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func newIngester(t testing.TB) (*ingest.Ingester, *store.DB) {
	t.Helper()
	db := testutil.OpenDB(t)
	if _, err := db.SaveMailbox(context.Background(), &domain.Mailbox{Address: "support@acme.test", DisplayName: "Acme Support",
		IsDefault: true, IMAPPort: 993, IMAPTLS: domain.TLSImplicit, IMAPFolder: "INBOX", SMTPPort: 587, SMTPTLS: domain.TLSStart}); err != nil {
		t.Fatal(err)
	}
	return &ingest.Ingester{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, db
}

func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustIngest(t testing.TB, g *ingest.Ingester, raw []byte) ingest.Result {
	t.Helper()
	res, err := g.Ingest(context.Background(), ingest.Input{Raw: raw, Source: ingest.SourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func emailMeta(t testing.TB, e *domain.Entry) map[string]any {
	t.Helper()
	m, ok := e.Meta["email"].(map[string]any)
	if !ok {
		t.Fatalf("entry %d has no email meta: %v", e.ID, e.Meta)
	}
	return m
}

func outbox(t testing.TB, db *store.DB, ticket int64) []*domain.OutboxMessage {
	t.Helper()
	o, err := db.Outbox(context.Background(), ticket, 100)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCorpus(t *testing.T) {
	cases := []struct {
		file, subject, from, body string
		notBody                   []string
		html, notHTML             []string
		attachments               int
		ack                       bool
	}{
		{file: "alternative.eml", subject: "Printer on fire", from: "ann@example.com", body: "The printer is on fire again.",
			html: []string{"<b>on fire</b>", `data-src="https://tracker.example/pixel.gif"`}, notHTML: []string{"<script", "onerror", ` src="https://tracker`}, ack: true},
		{file: "inline_cid.eml", subject: "Screenshot attached", from: "bob@example.com", body: "See this:",
			html: []string{`src="cid:shot1@example.com"`}, attachments: 1, ack: true},
		{file: "attachment.eml", subject: "Invoice", from: "carol@example.com", body: "Please find the invoice attached.", attachments: 1, ack: true},
		{file: "latin1.eml", subject: "Grüße aus Köln", from: "juergen@example.de", body: "Schöne Grüße, die Straße ist gesperrt.", ack: true},
		{file: "shift_jis.eml", subject: "ご連絡", from: "yamada@example.jp", body: "お問い合わせありがとうございます。配送が遅れています。", ack: true},
		{file: "broken_mime.eml", subject: "broken boundary", from: "dave@example.com", body: "the text must survive", ack: true},
		{file: "autoreply.eml", subject: "Out of office", from: "eve@example.com", body: "out of the office", ack: false},
		{file: "digest.eml", subject: "Weekly digest", from: "digest@example.com", body: "The grinder makes a grinding noise.", attachments: 2, ack: true},
		{file: "digest_headerless.eml", subject: "Digest without part headers", from: "digest@example.com", body: "The kettle came in red", attachments: 2, ack: true},
		{file: "forwarded_headerless.eml", subject: "Fwd: invoice question", from: "fay@example.com", body: "See the forwarded mail below.", attachments: 2, ack: true},
		{file: "utf8_declared.eml", subject: "Einladung", from: "gus@example.com", body: "Nachricht:\nöoöo", ack: true},
		{file: "quoted_reply.eml", subject: "Re: Printer on fire", from: "ann@example.com", body: "Thanks, that fixed it!",
			notBody: []string{"Have you tried", "ACME Corp"}, ack: true},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			g, db := newIngester(t)
			ctx := context.Background()
			res := mustIngest(t, g, corpus(t, c.file))
			if !res.NewTicket || res.TicketID == 0 || res.FailedID != 0 {
				t.Fatalf("result = %+v, want a new ticket", res)
			}
			tk, err := db.TicketWithTimeline(ctx, res.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Subject != c.subject || tk.Channel != domain.ChannelEmail {
				t.Errorf("subject %q channel %q, want %q email", tk.Subject, tk.Channel, c.subject)
			}
			if tk.Requester == nil || tk.Requester.Email() != c.from {
				t.Errorf("requester = %+v, want %s", tk.Requester, c.from)
			}
			e := tk.Timeline[0]
			if !strings.Contains(e.Body, c.body) {
				t.Errorf("body %q lacks %q", e.Body, c.body)
			}
			for _, nb := range c.notBody {
				if strings.Contains(e.Body, nb) {
					t.Errorf("body %q should not show %q", e.Body, nb)
				}
			}
			meta := emailMeta(t, &e)
			html, _ := meta["html"].(string)
			for _, h := range c.html {
				if !strings.Contains(html, h) {
					t.Errorf("html %q lacks %q", html, h)
				}
			}
			for _, h := range c.notHTML {
				if strings.Contains(html, h) {
					t.Errorf("html %q must not contain %q", html, h)
				}
			}
			atts, _ := meta["attachments"].([]any)
			if len(atts) != c.attachments {
				t.Errorf("attachments = %v, want %d", atts, c.attachments)
			}
			if len(c.notBody) > 0 {
				if full, _ := meta["full_text"].(string); !strings.Contains(full, "Have you tried") {
					t.Errorf("full original not kept: %q", full)
				}
			}
			raw, err := db.InboundMailRaw(ctx, e.ID)
			if err != nil || len(raw) == 0 {
				t.Errorf("raw message not stored: %v", err)
			}
			acks := 0
			for _, o := range outbox(t, db, res.TicketID) {
				if o.Kind == domain.OutboxAck {
					acks++
					if o.To[0] != c.from || !strings.Contains(o.Subject, fmt.Sprintf("[#%d]", res.TicketID)) {
						t.Errorf("ack to %v subject %q", o.To, o.Subject)
					}
				}
			}
			if (acks == 1) != c.ack || acks > 1 {
				t.Errorf("acks = %d, want ack=%v", acks, c.ack)
			}
		})
	}
}

func TestSameMessageTwiceIsOneEntry(t *testing.T) {
	g, db := newIngester(t)
	raw := corpus(t, "alternative.eml")
	first := mustIngest(t, g, raw)
	second := mustIngest(t, g, raw)
	if !second.Duplicate || second.TicketID != first.TicketID {
		t.Fatalf("second = %+v, want duplicate of ticket %d", second, first.TicketID)
	}
	tl, _ := db.Timeline(context.Background(), first.TicketID)
	if len(tl) != 1 {
		t.Errorf("timeline has %d entries, want 1", len(tl))
	}
	if n, _ := db.CountInboundMail(context.Background()); n != 1 {
		t.Errorf("stored %d raw messages, want 1", n)
	}
}

func msg(from, subject, msgID, extra, body string) []byte {
	return []byte("From: " + from + "\r\nTo: support@acme.test\r\nSubject: " + subject + "\r\nMessage-ID: " + msgID + "\r\n" + extra +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

func TestThreadingByHeadersThenSubjectThenNew(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	first := mustIngest(t, g, msg("ann@example.com", "Help", "<m1@example.com>", "", "First"))
	acks := outbox(t, db, first.TicketID)
	if len(acks) != 1 {
		t.Fatalf("outbox = %d, want the ack", len(acks))
	}
	// The customer answers our acknowledgement: In-Reply-To our Message-ID.
	r1 := mustIngest(t, g, msg("ann@example.com", "Re: whatever", "<m2@example.com>", "In-Reply-To: "+acks[0].MessageID+"\r\n", "Second"))
	// A reply to her own earlier mail (References only) from another client.
	r2 := mustIngest(t, g, msg("ann.other@example.com", "Fwd", "<m3@example.com>", "References: <zzz@x> <m1@example.com>\r\n", "Third"))
	// Only the ticket reference in the subject.
	r3 := mustIngest(t, g, msg("ann@example.com", fmt.Sprintf("Re: Help [#%d]", first.TicketID), "<m4@example.com>", "", "Fourth"))
	for i, r := range []ingest.Result{r1, r2, r3} {
		if r.NewTicket || r.TicketID != first.TicketID {
			t.Errorf("reply %d = %+v, want ticket %d", i+1, r, first.TicketID)
		}
	}
	// Unknown ticket number and unknown references: a new ticket.
	other := mustIngest(t, g, msg("ann@example.com", "Re: [#999999]", "<m5@example.com>", "In-Reply-To: <nope@x>\r\n", "Fifth"))
	if !other.NewTicket {
		t.Errorf("unrelated mail threaded: %+v", other)
	}
	tl, _ := db.Timeline(ctx, first.TicketID)
	msgs := 0
	for _, e := range tl {
		if e.Kind == domain.EntryMessage {
			msgs++
		}
	}
	if msgs != 4 {
		t.Errorf("ticket has %d messages, want 4", msgs)
	}
	// Only the first mail is acknowledged.
	if n := len(outbox(t, db, first.TicketID)); n != 1 {
		t.Errorf("outbox has %d mails, want 1 ack", n)
	}
}

func TestSenderMatchesExistingCustomerFromAnotherChannel(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	cid, err := db.FindOrCreateContact(ctx, "Phone Person", domain.Identity{Kind: domain.IdentityPhone, Value: "+15550102030"},
		domain.Identity{Kind: domain.IdentityEmail, Value: "pat@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	res := mustIngest(t, g, msg("Pat <PAT@Example.com>", "Hello", "<p1@example.com>", "", "Hi"))
	tk, _ := db.Ticket(ctx, res.TicketID)
	if tk.RequesterID != cid {
		t.Errorf("requester %d, want existing contact %d", tk.RequesterID, cid)
	}
}

func TestUnparseableIsKeptAndCanBeRetried(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	res := mustIngest(t, g, corpus(t, "no_from.eml"))
	if res.FailedID == 0 || res.TicketID != 0 {
		t.Fatalf("res = %+v, want failed", res)
	}
	list, err := db.FailedMails(ctx, 10)
	if err != nil || len(list) != 1 || !strings.Contains(list[0].Error, "From") {
		t.Fatalf("failed list = %+v, %v", list, err)
	}
	if _, err := g.Retry(ctx, res.FailedID); domain.ErrorCode(err) != domain.EUnprocessabl {
		t.Errorf("retry of still-broken mail: %v", err)
	}
	// Garbage bytes are kept too, never dropped.
	if r := mustIngest(t, g, []byte("\x00\x01garbage")); r.FailedID == 0 {
		t.Errorf("garbage: %+v", r)
	}
	if list, _ := db.FailedMails(ctx, 10); len(list) != 2 {
		t.Errorf("failed list has %d, want 2", len(list))
	}
}

func TestBounceAttachesToTicketWithoutReopening(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	first := mustIngest(t, g, msg("ann@example.com", "Help", "<b1@example.com>", "", "First"))
	ack := outbox(t, db, first.TicketID)[0]
	tmpl, _ := os.ReadFile("testdata/dsn_bounce.eml.tmpl")
	raw := []byte(strings.ReplaceAll(string(tmpl), "{{MSGID}}", ack.MessageID))
	res := mustIngest(t, g, raw)
	if res.NewTicket || res.TicketID != first.TicketID {
		t.Fatalf("bounce = %+v, want attached to %d", res, first.TicketID)
	}
	e, _ := db.Entry(ctx, res.EntryID)
	if e.Kind != domain.EntryNote || !strings.Contains(e.Body, "Recipient address rejected") {
		t.Errorf("bounce entry = %s %q", e.Kind, e.Body)
	}
	if n := len(outbox(t, db, first.TicketID)); n != 1 {
		t.Errorf("bounce was answered: outbox %d", n)
	}
	// A bounce about mail we never sent opens no ticket.
	stray := []byte(strings.ReplaceAll(strings.ReplaceAll(string(tmpl), "{{MSGID}}", "<unknown@acme.test>"), "dsn-1@", "dsn-2@"))
	if r := mustIngest(t, g, stray); r.TicketID != 0 || r.FailedID == 0 {
		t.Errorf("stray bounce = %+v", r)
	}
}

func TestAutoRepliesAreRateLimitedAndNeverToOurselves(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	for i := range 5 {
		mustIngest(t, g, msg("spammy@example.com", fmt.Sprintf("New %d", i), fmt.Sprintf("<s%d@example.com>", i), "", "x"))
	}
	all, _ := db.Outbox(ctx, 0, 100)
	if len(all) != ingest.AutoReplyLimit {
		t.Errorf("acks = %d, want %d", len(all), ingest.AutoReplyLimit)
	}
	res := mustIngest(t, g, msg("support@acme.test", "Loop", "<own@acme.test>", "", "from ourselves"))
	if n := len(outbox(t, db, res.TicketID)); n != 0 {
		t.Errorf("answered our own address")
	}
}

func TestHugeMessage(t *testing.T) {
	g, db := newIngester(t)
	var b strings.Builder
	b.WriteString("From: huge@example.com\r\nTo: support@acme.test\r\nSubject: huge\r\nMessage-ID: <huge@example.com>\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\nContent-Type: text/plain\r\n\r\n")
	for range 20000 {
		b.WriteString("A long body line with some words in it.\r\n")
	}
	b.WriteString("--h\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=blob.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for range 60000 {
		b.WriteString("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n")
	}
	b.WriteString("--h--\r\n")
	res := mustIngest(t, g, []byte(b.String()))
	if !res.NewTicket {
		t.Fatalf("res = %+v", res)
	}
	e, _ := db.Entry(context.Background(), res.EntryID)
	if len(e.Body) > domain.MaxBodyLen || !strings.HasSuffix(e.Body, "[…]") {
		t.Errorf("body %d bytes, want clipped", len(e.Body))
	}
	if atts := emailMeta(t, e)["attachments"].([]any); len(atts) != 1 {
		t.Errorf("attachments %v", atts)
	}
}

// FuzzIngest feeds arbitrary bytes through the whole ingestion path into a
// real database: every input must be stored (entry, duplicate or failed
// list) without a storage error. Run it with minimization off: the database
// makes coverage noisy, and minimizing each "interesting" input stalls:
//
//	go test -run XXX -fuzz FuzzIngest -fuzzminimizetime 0x -parallel 1 ./internal/mail/ingest/
func FuzzIngest(f *testing.F) {
	entries, _ := os.ReadDir("testdata/corpus")
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join("testdata/corpus", e.Name()))
		f.Add(b)
	}
	for _, d := range []int{2, 9, 10, 11, 25, 40} {
		f.Add(nestedMIME("f@example.com", "<fz@example.com>", d, false))
		f.Add(nestedMIME("f@example.com", "<fz@example.com>", d, true))
	}
	g, db := newIngester(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		res, err := g.Ingest(context.Background(), ingest.Input{Raw: raw, Source: ingest.SourceAPI})
		if took := time.Since(start); took > ingest.DefaultLimits().Timeout+2*time.Second {
			t.Fatalf("ingest took %v, over the parse time limit", took)
		}
		if err != nil {
			t.Fatalf("ingest returned a storage error for input: %v", err)
		}
		if res.TicketID == 0 && res.FailedID == 0 && !res.Duplicate {
			t.Fatalf("message neither stored nor kept: %+v", res)
		}
		if res.EntryID != 0 {
			if _, err := db.Entry(context.Background(), res.EntryID); err != nil {
				t.Fatal(err)
			}
		}
	})
}
