package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"andon/internal/mail/ingest"
	"andon/internal/store"
)

// seedFailedMail keeps n unreadable messages and resolves every 100th, as
// a retry that worked would. It returns the subject of each unresolved id.
func seedFailedMail(t *testing.T, db *store.DB, n int) map[int64]string {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	want := map[int64]string{}
	for i := range n {
		subject := fmt.Sprintf("Order %04d lost", i)
		raw := "From: Ann <ann@example.com>\r\nSubject: " + subject + "\r\n\r\nWhere is it?\r\n"
		id, err := db.AddFailedMail(ctx, nil, ingest.SourceAPI, []byte(raw), "test failure")
		if err != nil {
			t.Fatal(err)
		}
		want[id] = subject
		if i%100 == 50 {
			if err := db.MarkFailedMailRetried(ctx, id, true, ""); err != nil {
				t.Fatal(err)
			}
			delete(want, id)
		}
	}
	t.Logf("%d failed messages kept in %v", n, time.Since(start))
	return want
}

// checkPaged asserts the pages held every unresolved id once, newest first.
func checkPaged(t *testing.T, got []int64, want map[int64]string) {
	t.Helper()
	seen := map[int64]bool{}
	for i, id := range got {
		if seen[id] {
			t.Fatalf("id %d listed twice", id)
		}
		seen[id] = true
		if i > 0 && id >= got[i-1] {
			t.Fatalf("not newest first: %d after %d", id, got[i-1])
		}
		if _, ok := want[id]; !ok {
			t.Fatalf("id %d listed but resolved or unknown", id)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("paged through %d messages, want %d", len(got), len(want))
	}
}

// An admin pages through 1,000 failed messages with the API: each one
// once, newest first, with its subject; resolved ones are left out.
func TestFailedMailPagingAPI(t *testing.T) {
	e, admin := newMailEnv(t)
	want := seedFailedMail(t, e.db, 1000)

	// Default page size 50; a page that is not the last links the next.
	resp, body := e.as(admin, "GET", "/api/v1/failed-mail", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("first page: %d %s", resp.StatusCode, body)
	}
	checkAgainstDoc(t, "GET", "/api/v1/failed-mail", 200, body)
	var page struct {
		FailedMail []struct {
			ID      int64  `json:"id"`
			Subject string `json:"subject"`
			Size    int    `json:"size"`
		} `json:"failed_mail"`
		NextBefore *int64 `json:"next_before"`
		Next       string `json:"next"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.FailedMail) != 50 || page.NextBefore == nil || *page.NextBefore != page.FailedMail[49].ID {
		t.Fatalf("default page: %d rows, next_before %v", len(page.FailedMail), page.NextBefore)
	}

	// An odd page size so no page boundary falls on a round id.
	var got []int64
	path := "/api/v1/failed-mail?limit=37"
	for pages := 0; path != ""; pages++ {
		if pages > 40 {
			t.Fatal("paging does not end")
		}
		resp, body := e.as(admin, "GET", path, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		page.NextBefore, page.Next, page.FailedMail = nil, "", nil
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, f := range page.FailedMail {
			if f.Subject != want[f.ID] || f.Size == 0 {
				t.Fatalf("failed mail %d: subject %q size %d, want %q", f.ID, f.Subject, f.Size, want[f.ID])
			}
			got = append(got, f.ID)
		}
		if page.Next == "" {
			checkAgainstDoc(t, "GET", path, 200, body)
			if page.NextBefore != nil || len(page.FailedMail) == 0 {
				t.Fatalf("last page: next_before %v, %d rows", page.NextBefore, len(page.FailedMail))
			}
		} else if len(page.FailedMail) != 37 || !strings.Contains(page.Next, "before="+strconv.FormatInt(*page.NextBefore, 10)) {
			t.Fatalf("page of %d rows, next %q", len(page.FailedMail), page.Next)
		}
		path = page.Next
	}
	checkPaged(t, got, want)

	// Bad paging parameters name the field; nothing else is accepted.
	for q, field := range map[string]string{"before=abc": "before", "before=0": "before", "limit=500": "limit", "limit=0": "limit"} {
		resp, body := e.as(admin, "GET", "/api/v1/failed-mail?"+q, nil, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"`+field+`"`) {
			t.Errorf("?%s: %d %s", q, resp.StatusCode, body)
		}
		checkAgainstDoc(t, "GET", "/api/v1/failed-mail", resp.StatusCode, body)
	}
	if resp, body := e.as(admin, "GET", "/api/v1/failed-mail?cursor=x", nil, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown parameter: %d %s", resp.StatusCode, body)
	}
}

var (
	failedRowRe   = regexp.MustCompile(`<li class="admin-row" id="failed-(\d+)">\s*<div class="admin-main">\s*<a class="admin-title" href="/settings/failed-mail/\d+">([^<]*)</a>`)
	failedOlderRe = regexp.MustCompile(`<a href="([^"]+)" id="failed-older"`)
)

// The same 1,000 messages on the settings page: "Older →" walks through
// all of them; Settings shows how many there are.
func TestFailedMailPagingPage(t *testing.T) {
	e, _ := newMailWebEnv(t)
	admin := e.signedIn("boss@example.com")
	res, body := admin.get("/settings")
	wantStatus(t, "settings home", res, 200)
	wantContains(t, "settings home", body, `href="/settings/failed-mail" id="settings-home-failed-link">Failed mail: 0</a>`)
	if strings.Contains(body, `id="settings-failed-mail-count"`) {
		t.Fatal("nav shows a failed mail count with none")
	}

	want := seedFailedMail(t, e.db, 1000)
	n := strconv.Itoa(len(want))
	res, body = admin.get("/settings")
	wantStatus(t, "settings home", res, 200)
	wantContains(t, "settings home", body, `href="/settings/failed-mail" id="settings-home-failed-link">Failed mail: `+n+`</a>`)
	_, body = admin.get("/settings/agents")
	wantContains(t, "nav badge", body, `id="settings-failed-mail-count"`, `>`+n+`</span>`)

	var got []int64
	path := "/settings/failed-mail"
	for pages := 0; path != ""; pages++ {
		if pages > 40 {
			t.Fatal("paging does not end")
		}
		res, body := admin.get(path)
		wantStatus(t, path, res, 200)
		wantContains(t, path, body, `id="failed-count">`+n+` messages`)
		rows := failedRowRe.FindAllStringSubmatch(body, -1)
		for _, m := range rows {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if subject := html.UnescapeString(m[2]); subject != want[id] {
				t.Fatalf("row %d: subject %q, want %q", id, subject, want[id])
			}
			got = append(got, id)
		}
		path = ""
		if m := failedOlderRe.FindStringSubmatch(body); m != nil {
			if len(rows) != failedPageSize {
				t.Fatalf("%s: %d rows and an Older link", res.Request.URL, len(rows))
			}
			path = html.UnescapeString(m[1])
		}
		if pages > 0 && !strings.Contains(body, `id="failed-newest"`) {
			t.Fatalf("%s: no link back to the newest", res.Request.URL)
		}
	}
	checkPaged(t, got, want)

	res, body = admin.get("/settings/failed-mail?before=x")
	wantStatus(t, "bad before", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad before", body, "before")
}

// failedPageSize is the page size of /settings/failed-mail.
const failedPageSize = 50
