package server_test

import (
	"context"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
)

// An agent pulls the andon from a ticket in the workspace, links another
// ticket, adds a countermeasure, puts it in place and notifies customers;
// a collaborator sees only the problem assigned to them.
func TestWebPullTheAndon(t *testing.T) {
	e := newWSEnv(t)
	ctx := context.Background()
	e.login("ann@example.com")
	eng := e.user("eng@supplier.example", "Eve Engineer", domain.RoleCollaborator)
	t1 := e.ticket(domain.NewTicket{Subject: "Zip broke", Body: "The zip of my bag broke on day one.", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "cy@example.com", Name: "Cy"}})
	t2 := e.ticket(domain.NewTicket{Subject: "Broken zip", Body: "My bag zip is broken.", Channel: domain.ChannelChat,
		Requester: domain.Requester{Email: "di@example.com", Name: "Di"}})
	other := e.ticket(domain.NewTicket{Subject: "Refund", Body: "Refund please.", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "ed@example.com", Name: "Ed"}})

	resp, body := e.post("/problems", url.Values{"ticket_id": {strconv.FormatInt(t1.ID, 10)}, "title": {"Bag zips break"}})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/problems/") {
		t.Fatalf("pull andon: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Andon pulled", "Bag zips break", t1.Ref()+" Zip broke", `id="suggested-`+strconv.FormatInt(t2.ID, 10)+`"`)
	path := resp.Request.URL.Path
	pid, _ := strconv.ParseInt(strings.TrimPrefix(path, "/problems/"), 10, 64)

	_, body = e.post(path+"/tickets", url.Values{"ticket_id": {t2.Ref()}})
	mustContain(t, body, "Ticket linked.", t2.Ref()+" Broken zip")
	_, body = e.post(path, url.Values{"status": {"verified"}})
	mustContain(t, body, "Not saved", "needs a countermeasure in place")
	_, body = e.post(path, url.Values{"whys": {"zip breaks\nteeth too weak\nnew supplier"}, "root_cause": {"Supplier uses thinner zip teeth"}, "status": {"root_cause_found"}})
	mustContain(t, body, "Problem updated.", "Why? teeth too weak", "Supplier uses thinner zip teeth")
	_, body = e.post(path+"/countermeasures", url.Values{"what": {"Back to the old zip supplier"}, "owner_user_id": {strconv.FormatInt(eng.ID, 10)}, "recurrence_window_days": {"10"}})
	mustContain(t, body, "Countermeasure added.", "Back to the old zip supplier")
	p, err := e.db.Problem(ctx, pid)
	if err != nil || len(p.Countermeasures) != 1 {
		t.Fatalf("problem %+v %v", p, err)
	}

	// The collaborator signs in and works only this problem.
	c := e.newClient()
	resp, body = e.do(c, "POST", "/login", url.Values{"email": {eng.Email}, "password": {wsPassword}}, nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/problems" {
		t.Fatalf("collaborator login lands on %d at %s, want the problem board", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Bag zips break", `id="nav-problems"`)
	for _, hidden := range []string{`id="nav-inbox"`, `id="nav-contacts"`, `id="new-ticket-link"`, `id="search-input"`} {
		if strings.Contains(body, hidden) {
			t.Fatalf("collaborator sees %s", hidden)
		}
	}
	csrf := html.UnescapeString(csrfMeta.FindStringSubmatch(body)[1])
	if r, _ := e.do(c, "GET", "/", nil, nil); r.StatusCode != 200 || r.Request.URL.Path != "/problems" {
		t.Fatalf("collaborator opened the inbox: %d at %s", r.StatusCode, r.Request.URL)
	}
	if r, _ := e.do(c, "GET", "/contacts", nil, nil); r.StatusCode != 403 {
		t.Fatalf("collaborator opened contacts: %d", r.StatusCode)
	}
	if r, _ := e.do(c, "GET", "/tickets/"+strconv.FormatInt(other.ID, 10), nil, nil); r.StatusCode != 403 {
		t.Fatalf("collaborator opened an unrelated ticket: %d", r.StatusCode)
	}
	resp, body = e.do(c, "GET", path, nil, nil)
	if resp.StatusCode != 200 || strings.Contains(body, "Notify customers") || strings.Contains(body, "Link ticket") {
		t.Fatalf("collaborator problem page %d", resp.StatusCode)
	}
	resp, body = e.do(c, "POST", "/countermeasures/"+strconv.FormatInt(p.Countermeasures[0].ID, 10), url.Values{"csrf": {csrf}, "status": {"in_place"}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Countermeasure updated.") || !strings.Contains(body, "Watching for recurrence") {
		t.Fatalf("collaborator marks in place: %d", resp.StatusCode)
	}
	if r, _ := e.do(c, "POST", path+"/notify", url.Values{"csrf": {csrf}}, nil); r.StatusCode != 403 {
		t.Fatalf("collaborator notified customers: %d", r.StatusCode)
	}

	_, body = e.post(path+"/notify", url.Values{"template": {"Hi {{customer_name}}, {{ticket_ref}} is fixed: {{countermeasure}}."}})
	mustContain(t, body, "2 customer(s) notified</strong>: 2 by email, 0 in a live chat.", "Customers notified")
	tl, _ := e.db.Timeline(ctx, t2.ID)
	last := tl[len(tl)-2] // the notice, then the status event it caused
	if last.Body != "Hi Di, "+t2.Ref()+" is fixed: Back to the old zip supplier." || last.Channel != domain.ChannelChat {
		t.Fatalf("chat notice %+v", last)
	}
	_, body = e.get("/problems")
	mustContain(t, body, `id="problem-board"`, "Countermeasure in place", "2 customers")
}
