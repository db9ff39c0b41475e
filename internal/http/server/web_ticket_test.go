package server_test

import (
	"andon/internal/http/httpx"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
)

func tid(t *domain.Ticket) string { return strconv.FormatInt(t.ID, 10) }

// rowIDs lists the ticket ids of the inbox rows in page order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`class="ticket-row[^"]*" id="ticket-(\d+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestWebInboxEveryChannel(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	bob := e.user("bob@example.com", "Bob Builder", domain.RoleAgent)
	subjects := map[domain.Channel]string{}
	var mine, bobs *domain.Ticket
	for i, ch := range domain.Channels {
		subj := "Trouble via " + string(ch)
		subjects[ch] = subj
		tk := e.ticket(domain.NewTicket{Subject: subj, Body: "first words " + string(ch), Channel: ch,
			Requester: domain.Requester{Phone: "+1555000100" + strconv.Itoa(i), Name: "Cust " + string(ch)}})
		switch ch {
		case domain.ChannelChat:
			mine = tk
		case domain.ChannelEmail:
			bobs = tk
		}
	}
	ctx := context.Background()
	if _, err := e.db.UpdateTicket(ctx, mine.ID, domain.TicketUpdate{AssigneeID: &e.agent.ID}, httpx.Actor(e.agent)); err != nil {
		t.Fatal(err)
	}
	st := domain.StatusPending
	if _, err := e.db.UpdateTicket(ctx, bobs.ID, domain.TicketUpdate{AssigneeID: &bob.ID, Status: &st}, httpx.Actor(bob)); err != nil {
		t.Fatal(err)
	}

	code, body := e.get("/?view=all")
	if code != 200 {
		t.Fatalf("inbox: %d", code)
	}
	for ch, subj := range subjects {
		mustContain(t, body, subj, `data-channel="`+string(ch)+`"`, "Cust "+string(ch))
	}
	mustContain(t, body, "first words phone", "Bob Builder", `class="badge status-pending"`)
	if n := len(rowIDs(body)); n != len(domain.Channels) {
		t.Fatalf("all view shows %d rows", n)
	}

	_, body = e.get("/")
	if ids := rowIDs(body); len(ids) != len(domain.Channels)-1 {
		t.Errorf("all open shows %v (pending must be left out)", ids)
	}
	_, body = e.get("/?view=mine")
	if ids := rowIDs(body); len(ids) != 1 || ids[0] != tid(mine) {
		t.Errorf("mine shows %v, want [%d]", ids, mine.ID)
	}
	_, body = e.get("/?view=pending")
	if ids := rowIDs(body); len(ids) != 1 || ids[0] != tid(bobs) {
		t.Errorf("pending shows %v", ids)
	}
	_, body = e.get("/?view=unassigned")
	if ids := rowIDs(body); len(ids) != 3 {
		t.Errorf("unassigned shows %v", ids)
	}
	mustContain(t, body, `data-view="view=unassigned"><span>Unassigned</span><span class="count">3</span>`,
		`data-view="view=mine"><span>Mine</span><span class="count">1</span>`, `data-view="view=pending"><span>Pending</span><span class="count">1</span>`)
	_, body = e.get("/?channel=phone")
	if ids := rowIDs(body); len(ids) != 1 || !strings.Contains(body, subjects[domain.ChannelPhone]) {
		t.Errorf("phone channel shows %v", ids)
	}
	if code, _ := e.get("/?view=nonsense"); code != 404 {
		t.Errorf("unknown view: %d", code)
	}
}

func TestWebInboxPagingAndBulk(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	var all []*domain.Ticket
	for i := 0; i < 53; i++ {
		all = append(all, e.ticket(domain.NewTicket{Subject: "Ticket number " + strconv.Itoa(i), Body: "b",
			Requester: domain.Requester{Email: "p" + strconv.Itoa(i) + "@example.com"}}))
	}
	_, body := e.get("/?sort=oldest")
	first := rowIDs(body)
	if len(first) != 50 || first[0] != tid(all[0]) {
		t.Fatalf("first page: %d rows starting %v", len(first), first[:1])
	}
	m := regexp.MustCompile(`href="([^"]+)" id="older-link"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no Older link on a full page")
	}
	_, body = e.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	second := rowIDs(body)
	if len(second) != 3 || second[0] != tid(all[50]) || strings.Contains(body, `id="older-link"`) {
		t.Fatalf("second page: %v", second)
	}

	// Bulk: assign to me, set pending and tag two tickets at once.
	resp, body := e.post("/tickets/bulk", url.Values{"id": {tid(all[1]), tid(all[2])}, "assignee": {"me"},
		"status": {"pending"}, "tag": {"Follow Up"}, "next": {"/?view=mine"}})
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "view=mine" {
		t.Fatalf("bulk: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Updated 2 tickets.")
	if ids := rowIDs(body); len(ids) != 2 {
		t.Fatalf("mine after bulk assign: %v", ids)
	}
	got, _ := e.db.Ticket(context.Background(), all[2].ID)
	if got.Status != domain.StatusPending || got.AssigneeID == nil || *got.AssigneeID != e.agent.ID || strings.Join(got.Tags, ",") != "follow-up" {
		t.Fatalf("after bulk: %+v", got)
	}
	_, body = e.get("/?tag=follow-up")
	if ids := rowIDs(body); len(ids) != 2 {
		t.Errorf("tag view: %v", ids)
	}
	// A bad choice changes nothing at all.
	_, body = e.post("/tickets/bulk", url.Values{"id": {tid(all[3]), "999999"}, "status": {"solved"}})
	mustContain(t, body, "Nothing changed")
	if got, _ := e.db.Ticket(context.Background(), all[3].ID); got.Status != domain.StatusNew {
		t.Fatalf("half-applied bulk change: %s", got.Status)
	}
}

func TestWebTicketComposer(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	tk := e.ticket(domain.NewTicket{Subject: "Cannot log in", Body: "Hi,\nmy password <b>fails</b>.", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "carol@example.com", Name: "Carol Customer"}})
	other := e.ticket(domain.NewTicket{Subject: "Earlier chat about billing", Body: "x", Channel: domain.ChannelChat,
		Requester: domain.Requester{Email: "carol@example.com"}})
	base := "/tickets/" + tid(tk)

	code, body := e.get(base)
	if code != 200 {
		t.Fatalf("ticket page: %d", code)
	}
	mustContain(t, body, `id="timeline"`, `data-kind="message"`, "my password &lt;b&gt;fails&lt;/b&gt;.", "Hi,<br>my password",
		`id="customer-panel"`, "Carol Customer", "carol@example.com", "Earlier chat about billing", "/tickets/"+tid(other),
		`href="/contacts/`, `id="reply-body"`, `id="note-body"`, `id="call-form"`, `id="props"`)

	resp, body := e.post(base+"/reply", url.Values{"body": {"Try resetting it here."}, "status": {"pending"}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != base {
		t.Fatalf("reply: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Reply sent.", "Try resetting it here.", "reply to customer", "changed status from <b>New</b> to <b>Pending</b>")
	_, body = e.post(base+"/notes", url.Values{"body": {"Customer is a VIP"}})
	mustContain(t, body, `data-kind="note"`, "Customer is a VIP", "Internal note")
	_, body = e.post(base+"/calls", url.Values{"direction": {"outbound"}, "duration": {"4.5"}, "body": {"Walked through the reset"}})
	mustContain(t, body, `data-kind="call"`, "Outbound call · 4 min 30 s", "Walked through the reset")

	tl, _ := e.db.Timeline(context.Background(), tk.ID)
	var kinds []string
	for _, en := range tl {
		kinds = append(kinds, string(en.Kind))
	}
	if got := strings.Join(kinds, ","); got != "message,message,event,note,call" {
		t.Fatalf("timeline kinds %s", got)
	}
	if c := tl[4].Call; c == nil || c.DurationSeconds != 270 || c.Direction != domain.Outbound {
		t.Fatalf("call %+v", tl[4].Call)
	}

	// Empty text and nonsense durations come back as field errors, keeping input.
	resp, body = e.post(base+"/notes", url.Values{"body": {"   "}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty note: %d", resp.StatusCode)
	}
	mustContain(t, body, "Note required")
	resp, body = e.post(base+"/calls", url.Values{"direction": {"inbound"}, "duration": {"ten"}, "body": {"keep me"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad duration: %d", resp.StatusCode)
	}
	mustContain(t, body, "call length in minutes", "keep me", `data-tab="call"`)
	if code, _ := e.get("/tickets/999999"); code != 404 {
		t.Fatalf("missing ticket: %d", code)
	}
}

func TestWebTicketProperties(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	team, err := e.db.CreateTeam(context.Background(), "Billing")
	if err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(domain.NewTicket{Subject: "Refund please", Body: "x", Requester: domain.Requester{Email: "d@example.com"}})
	base := "/tickets/" + tid(tk)
	resp, body := e.post(base+"/properties", url.Values{"status": {"on_hold"}, "priority": {"urgent"},
		"assignee": {strconv.FormatInt(e.agent.ID, 10)}, "team": {strconv.FormatInt(team.ID, 10)}, "tags": {"refund, VIP"}})
	if resp.StatusCode != 200 {
		t.Fatalf("properties: %d", resp.StatusCode)
	}
	mustContain(t, body, "Ticket updated.", "changed status from <b>New</b> to <b>On hold</b>",
		"changed priority from <b>normal</b> to <b>urgent</b>", "set assignee to <b>Ann Agent</b>",
		"set team to <b>Billing</b>", "set tags to <b>refund, vip</b>")
	got, _ := e.db.Ticket(context.Background(), tk.ID)
	if got.Status != domain.StatusOnHold || got.Priority != domain.PriorityUrgent || got.TeamID == nil || len(got.Tags) != 2 {
		t.Fatalf("ticket after update %+v", got)
	}
	// Unassigning is an explicit empty choice; an unknown agent is a field error.
	_, body = e.post(base+"/properties", url.Values{"assignee": {""}})
	mustContain(t, body, "cleared assignee (was <b>Ann Agent</b>)")
	resp, body = e.post(base+"/properties", url.Values{"assignee": {"424242"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no such agent") {
		t.Fatalf("unknown assignee: %d", resp.StatusCode)
	}
}

func TestWebNewPhoneTicket(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	code, body := e.get("/tickets/new")
	if code != 200 {
		t.Fatalf("form: %d", code)
	}
	mustContain(t, body, `id="customer-input"`, "autofocus", `value="phone" selected`)
	existing := e.ticket(domain.NewTicket{Subject: "Old email", Body: "x", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "dan@example.com", Phone: "+15550102030", Name: "Dan"}})

	resp, body := e.post("/tickets/new", url.Values{"customer": {"+1 (555) 010-2030"}, "subject": {"Router keeps rebooting"},
		"body": {"Called about the router"}, "channel": {"phone"}, "priority": {"high"}, "log_call": {"1"}, "duration": {"6"}, "assign_me": {"1"}})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/tickets/") {
		t.Fatalf("create: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Router keeps rebooting", `data-kind="call"`, "Inbound call · 6 min", "Called about the router", "Old email")
	id, _ := strconv.ParseInt(strings.TrimPrefix(resp.Request.URL.Path, "/tickets/"), 10, 64)
	got, err := e.db.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != domain.ChannelPhone || got.RequesterID != existing.RequesterID || got.Priority != domain.PriorityHigh ||
		got.AssigneeID == nil || *got.AssigneeID != e.agent.ID {
		t.Fatalf("created %+v", got)
	}

	// Missing fields re-render the form with errors and the typed values.
	resp, body = e.post("/tickets/new", url.Values{"customer": {"not a phone"}, "subject": {""}, "body": {"keep"}, "channel": {"phone"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", resp.StatusCode)
	}
	mustContain(t, body, "Subject required", "Customer: not a valid phone number.", ">keep</textarea>")
}

func TestWebSearchHighlights(t *testing.T) {
	e := newWSEnv(t)
	e.login("ann@example.com")
	e.ticket(domain.NewTicket{Subject: "Invoice <script>alert(1)</script> wrong", Body: "The invoice total for March is wrong",
		Requester: domain.Requester{Email: "erin@invoicecorp.example", Name: "Erin Invoice"}})
	code, body := e.get("/search?q=invoice")
	if code != 200 {
		t.Fatalf("search: %d", code)
	}
	mustContain(t, body, "<mark>", "Erin Invoice", `id="ticket-results"`, `value="invoice"`)
	if strings.Contains(body, "<script>alert") {
		t.Fatal("search results are not escaped")
	}
	if !regexp.MustCompile(`(?i)<mark>invoice</mark>`).MatchString(body) {
		t.Fatal("match not highlighted")
	}
	_, body = e.get("/search?q=zzzqqq")
	mustContain(t, body, "No tickets match")
}

func TestWebStaticManifestIcons(t *testing.T) {
	e := newWSEnv(t)
	_, login := e.get("/login")
	m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(login)
	if m == nil {
		t.Fatal("no hashed stylesheet link")
	}
	resp, css := e.do(e.client, "GET", m[1], nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, ".ticket-row") {
		t.Fatalf("css: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, _ = e.do(e.client, "GET", "/static/app.css", nil, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}
	if err := e.db.SetSettings(context.Background(), map[string]string{"brand.name": "Acme Help", "brand.color": "#0f766e"}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(e.client, "GET", "/manifest.webmanifest", nil, nil)
	var man struct {
		Name       string              `json:"name"`
		ThemeColor string              `json:"theme_color"`
		Icons      []map[string]string `json:"icons"`
	}
	if err := json.Unmarshal([]byte(body), &man); err != nil || man.Name != "Acme Help" || man.ThemeColor != "#0f766e" || len(man.Icons) < 2 {
		t.Fatalf("manifest %s (%v)", body, err)
	}
	for _, size := range []int{192, 512} {
		req, _ := http.NewRequest("GET", e.url+"/icons/icon-"+strconv.Itoa(size)+".png", nil)
		r, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(r.Body)
		r.Body.Close()
		if err != nil || img.Bounds().Dx() != size {
			t.Fatalf("icon %d: %v", size, err)
		}
		cr, cg, cb, _ := img.At(2, 2).RGBA()
		if cr>>8 != 0x0f || cg>>8 != 0x76 || cb>>8 != 0x6e {
			t.Fatalf("icon corner is not the brand colour: %x %x %x", cr>>8, cg>>8, cb>>8)
		}
	}
	_, login = e.get("/login")
	mustContain(t, login, "Acme Help", `content="#0f766e"`, `href="/brand.css?c=%230f766e"`)
}
