package server_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"strings"
	"testing"

	"andon/internal/domain"
)

// attachedWant is what a fixture's entry must show of one attachment.
type attachedWant struct {
	name, contentType string
	subject, from     string // "" for a plain attachment
	text              string // in the card and in the .eml download
}

// Forwarded mail and digests: the ticket page shows each attached message
// as a card (subject, sender, its text, a .eml download), lists headerless
// parts as files, and the API's entry lists the attachments.
func TestAttachedMessagesOnTicketPage(t *testing.T) {
	e, admin := newMailEnv(t)
	createAccount(t, e.db, "page@example.com", "Pat Page", domain.RoleAgent, testPassword)
	page := (&adminEnv{t: t, db: e.db, url: e.url}).signedIn("page@example.com")

	cases := []struct {
		file, body string // body: the customer's own text, "" when there is none
		want       []attachedWant
	}{
		{"digest.eml", "", []attachedWant{
			{"Broken grinder.eml", "message/rfc822", "Broken grinder", "Bob <bob@example.com>", "The grinder makes a grinding noise."},
			{"Late parcel.eml", "message/rfc822", "Late parcel", "Cleo <cleo@example.com>", "My parcel is two weeks late."},
		}},
		{"digest_headerless.eml", "", []attachedWant{
			{"Refund please.eml", "message/rfc822", "Refund please", "Dan <dan@example.com>", "Please refund order 77."},
			{"Wrong colour.eml", "message/rfc822", "Wrong colour", "Eve <eve@example.com>", "The kettle came in red, I ordered blue."},
		}},
		{"forwarded_headerless.eml", "See the forwarded mail below.", []attachedWant{
			{"part-1.txt", "text/plain", "", "", "See the forwarded mail below."},
			{"Invoice 4711.eml", "message/rfc822", "Invoice 4711", "Accounts <accounts@vendor.example>", "Invoice 4711 is overdue."},
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile("../../mail/ingest/testdata/corpus/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := e.as(admin, "POST", "/api/v1/inbound/email", raw, map[string]string{"Content-Type": "message/rfc822"})
			var res struct {
				TicketID int64 `json:"ticket_id"`
				EntryID  int64 `json:"entry_id"`
			}
			if json.Unmarshal(body, &res); resp.StatusCode != http.StatusAccepted || res.EntryID == 0 {
				t.Fatalf("inbound: %d %s", resp.StatusCode, body)
			}
			checkAPIAttachments(t, e, res.TicketID, res.EntryID, c.want)

			r, pageBody := page.get(fmt.Sprintf("/tickets/%d", res.TicketID))
			wantStatus(t, "ticket page", r, 200)
			entry := entryHTML(t, pageBody, res.EntryID)
			if c.body != "" && !strings.Contains(entry, `<div class="entry-body">`+c.body+`</div>`) {
				t.Errorf("the customer's text is not the entry's body:\n%s", entry)
			}
			if strings.Contains(entry, "Attached message ----") {
				t.Errorf("attached text shown twice, in the body and in the cards:\n%s", entry)
			}
			for i, w := range c.want {
				link := fmt.Sprintf(`href="/api/v1/entries/%d/attachments/%d"`, res.EntryID, i)
				card := fmt.Sprintf(`id="attached-%d-%d"`, res.EntryID, i)
				wantContains(t, c.file+" page", entry, link, card, html.EscapeString(w.name))
				if w.subject != "" {
					wantContains(t, c.file+" card", entry, `<span class="attached-subject">`+html.EscapeString(w.subject)+`</span>`,
						`<div class="attached-from">From `+html.EscapeString(w.from)+`</div>`,
						`<p class="attached-excerpt">`+html.EscapeString(w.text)+`</p>`)
				}
				// The download is the part itself, an attached mail as message/rfc822.
				resp, data := e.as(e.token, "GET", fmt.Sprintf("/api/v1/entries/%d/attachments/%d", res.EntryID, i), nil, nil)
				wantCT := "application/octet-stream"
				if w.subject != "" {
					wantCT = "message/rfc822"
				}
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantCT ||
					!strings.Contains(resp.Header.Get("Content-Disposition"), w.name) || !strings.Contains(string(data), w.text) {
					t.Errorf("download %d: %d %q %q\n%s", i, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), data)
				}
				if w.subject != "" && !strings.Contains(string(data), "Subject: "+w.subject) {
					t.Errorf("download %d is not the attached message:\n%s", i, data)
				}
			}
		})
	}
}

// checkAPIAttachments reads the ticket through the API: the entry lists
// its attachments in meta.email.attachments, as the document says.
func checkAPIAttachments(t *testing.T, e *apiEnv, ticketID, entryID int64, want []attachedWant) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/tickets/%d", ticketID)
	resp, body := e.as(e.token, "GET", path, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("ticket: %d %s", resp.StatusCode, body)
	}
	checkAgainstDoc(t, "GET", path, 200, body)
	var tk struct {
		Timeline []struct {
			ID   int64 `json:"id"`
			Body string
			Meta struct {
				Email struct {
					Attachments []struct {
						Name        string `json:"name"`
						ContentType string `json:"content_type"`
						Message     *struct{ Subject, From, Text string }
					} `json:"attachments"`
				} `json:"email"`
			} `json:"meta"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal(body, &tk); err != nil {
		t.Fatal(err)
	}
	for _, en := range tk.Timeline {
		if en.ID != entryID {
			continue
		}
		got := en.Meta.Email.Attachments
		if len(got) != len(want) {
			t.Fatalf("API lists %d attachments, want %d: %s", len(got), len(want), body)
		}
		for i, w := range want {
			a := got[i]
			if a.Name != w.name || a.ContentType != w.contentType {
				t.Errorf("attachment %d: %q %q, want %q %q", i, a.Name, a.ContentType, w.name, w.contentType)
			}
			if w.subject != "" && (a.Message == nil || a.Message.Subject != w.subject || a.Message.From != w.from || a.Message.Text != w.text) {
				t.Errorf("attachment %d message: %+v", i, a.Message)
			}
			if w.subject != "" && !strings.Contains(en.Body, "Subject: "+w.subject+"\n\n"+w.text) {
				t.Errorf("entry body lacks the attached message %q: %q", w.subject, en.Body)
			}
		}
		return
	}
	t.Fatalf("entry %d not in the ticket: %s", entryID, body)
}

// entryHTML cuts one timeline entry out of the ticket page.
func entryHTML(t *testing.T, page string, id int64) string {
	t.Helper()
	start := strings.Index(page, fmt.Sprintf(`<li class="entry inbound" id="entry-%d"`, id))
	if start < 0 {
		t.Fatalf("entry %d not on the page", id)
	}
	rest := page[start:]
	if end := strings.Index(rest[1:], `<li class="entry`); end >= 0 {
		rest = rest[:end+1]
	}
	return rest
}
