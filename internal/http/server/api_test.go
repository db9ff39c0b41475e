package server_test

import (
	"andon/internal/http/httpx"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
)

// apiScenario is one request and what the user must see.
type apiScenario struct {
	name   string
	method string
	path   string
	body   any               // string is sent raw, anything else as JSON
	header map[string]string // overrides ("" deletes)
	status int
	code   string   // error code in the envelope
	fields []string // field names the envelope must carry
	has    []string // substrings of the response body
	check  func(t *testing.T, body []byte)
}

// run sends the request and checks status, envelope and document. A failed
// request must leave the database exactly as it was.
func (sc apiScenario) run(t *testing.T, e *apiEnv) {
	t.Helper()
	before := e.fingerprint()
	resp, body := e.request(sc.method, sc.path, sc.body, sc.header)
	if resp.StatusCode != sc.status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, sc.status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	checkAgainstDoc(t, sc.method, sc.path, resp.StatusCode, body)
	if sc.status >= 400 {
		var env struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
			t.Fatalf("no error envelope: %s", body)
		}
		if sc.code != "" && env.Error.Code != sc.code {
			t.Fatalf("code %q, want %q: %s", env.Error.Code, sc.code, body)
		}
		for _, f := range sc.fields {
			if env.Error.Fields[f] == "" {
				t.Fatalf("envelope does not name field %q: %s", f, body)
			}
		}
		if after := e.fingerprint(); after != before {
			t.Fatalf("failed request changed the database:\nbefore %s\nafter  %s", before, after)
		}
	}
	for _, s := range sc.has {
		if !strings.Contains(string(body), s) {
			t.Fatalf("body lacks %q: %s", s, body)
		}
	}
	if sc.check != nil {
		sc.check(t, body)
	}
}

func runScenarios(t *testing.T, e *apiEnv, scs []apiScenario) {
	t.Helper()
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, e) })
	}
}

// seed gives the scenarios a team, a second agent, a customer with a
// ticket, and a contact of their own.
type seeded struct {
	team    *domain.Team
	other   *domain.User
	ticket  *domain.Ticket
	contact *domain.Contact
}

func seedAPI(t *testing.T, e *apiEnv) seeded {
	t.Helper()
	ctx := context.Background()
	team, err := e.db.CreateTeam(ctx, "Billing")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.newAgent("bo@example.com", "Bo Agent", domain.RoleAgent)
	tk, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Invoice wrong", Body: "My invoice shows the wrong amount",
		Requester: domain.Requester{Email: "ann@example.com", Name: "Ann"}, Channel: domain.ChannelEmail, Tags: []string{"billing"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.db.CreateContact(ctx, store.NewContact{Name: "Carl", Identities: []domain.Identity{
		{Kind: domain.IdentityEmail, Value: "carl@example.com"}, {Kind: domain.IdentityPhone, Value: "+1 555 010 2030"}}})
	if err != nil {
		t.Fatal(err)
	}
	return seeded{team: team, other: other, ticket: tk, contact: c}
}

// bigBody is a JSON object just over the 1 MiB limit.
func bigBody(field string) string {
	return `{"` + field + `": "` + strings.Repeat("a", httpx.MaxJSONBody+10) + `"}`
}

func TestAPITickets(t *testing.T) {
	e := newAPIEnv(t)
	s := seedAPI(t, e)
	tk := fmt.Sprintf("/api/v1/tickets/%d", s.ticket.ID)
	good := map[string]any{"subject": "Printer on fire", "body": "Smoke everywhere", "requester": map[string]any{"email": "Dee@Example.com", "name": "Dee"},
		"priority": "urgent", "tags": []string{"Hardware", "fire"}, "team_id": s.team.ID}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k2, v2 := range good {
			m[k2] = v2
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	var scs []apiScenario
	scs = append(scs, ticketCreateScenarios(s, good, with)...)
	scs = append(scs, ticketListScenarios(s)...)
	scs = append(scs, ticketReadPatchScenarios(e, s, tk)...)
	scs = append(scs, ticketMessageScenarios(tk)...)
	runScenarios(t, e, scs)
}

// ticketCreateScenarios cover POST /api/v1/tickets; with(k, v) is the good
// body with one field changed (nil: removed).
func ticketCreateScenarios(s seeded, good map[string]any, with func(string, any) map[string]any) []apiScenario {
	return []apiScenario{
		// POST /api/v1/tickets
		{name: "create", method: "POST", path: "/api/v1/tickets", body: good, status: 201,
			has: []string{`"number":`, `"status":"new"`, `"priority":"urgent"`, `"channel":"api"`, `"dee@example.com"`, `"fire","hardware"`}},
		{name: "create without token", method: "POST", path: "/api/v1/tickets", body: good, header: map[string]string{"Authorization": ""}, status: 401, code: "unauthorized"},
		{name: "create with wrong token", method: "POST", path: "/api/v1/tickets", body: good, header: map[string]string{"Authorization": "Bearer andon_nope"}, status: 401, code: "unauthorized"},
		{name: "create with basic auth", method: "POST", path: "/api/v1/tickets", body: good, header: map[string]string{"Authorization": "Basic YTpi"}, status: 401, code: "unauthorized"},
		{name: "create empty", method: "POST", path: "/api/v1/tickets", body: map[string]any{}, status: 422, code: "invalid", fields: []string{"subject", "body", "requester"}},
		{name: "create bad email", method: "POST", path: "/api/v1/tickets", body: with("requester", map[string]any{"email": "not-an-address"}), status: 422, fields: []string{"requester.email"}},
		{name: "create bad phone", method: "POST", path: "/api/v1/tickets", body: with("requester", map[string]any{"phone": "call me"}), status: 422, fields: []string{"requester.phone"}},
		{name: "create bad enums", method: "POST", path: "/api/v1/tickets", body: with("channel", "fax"), status: 422, fields: []string{"channel"}},
		{name: "create bad priority", method: "POST", path: "/api/v1/tickets", body: with("priority", "asap"), status: 422, fields: []string{"priority"}},
		{name: "create bad status", method: "POST", path: "/api/v1/tickets", body: with("status", "done"), status: 422, fields: []string{"status"}},
		{name: "create unknown assignee rolls back the new contact", method: "POST", path: "/api/v1/tickets", body: with("assignee_id", 999999), status: 422, fields: []string{"assignee_id"}},
		{name: "create unknown team", method: "POST", path: "/api/v1/tickets", body: with("team_id", 999999), status: 422, fields: []string{"team_id"}},
		{name: "create without requester", method: "POST", path: "/api/v1/tickets", body: with("requester", nil), status: 422, fields: []string{"requester"}},
		{name: "create unknown requester_id", method: "POST", path: "/api/v1/tickets", body: map[string]any{"subject": "s", "body": "b", "requester_id": 999999}, status: 422, fields: []string{"requester_id"}},
		{name: "create both requester forms", method: "POST", path: "/api/v1/tickets", body: with("requester_id", s.contact.ID), status: 422, fields: []string{"requester"}},
		{name: "create merges repeated tags", method: "POST", path: "/api/v1/tickets", body: with("tags", strings.Split(strings.Repeat("t,", 30)+"x", ",")), status: 201},
		{name: "create 31 distinct tags", method: "POST", path: "/api/v1/tickets", body: with("tags", func() []string {
			var out []string
			for i := 0; i < 31; i++ {
				out = append(out, fmt.Sprintf("t%d", i))
			}
			return out
		}()), status: 422, fields: []string{"tags"}},
		{name: "create long subject", method: "POST", path: "/api/v1/tickets", body: with("subject", strings.Repeat("s", 251)), status: 422, fields: []string{"subject"}},
		{name: "create unknown field", method: "POST", path: "/api/v1/tickets", body: with("colour", "red"), status: 400, code: "bad_request", fields: []string{"colour"}},
		{name: "create unknown nested field", method: "POST", path: "/api/v1/tickets", body: with("requester", map[string]any{"email": "x@example.com", "age": 3}), status: 400, code: "bad_request"},
		{name: "create wrong type", method: "POST", path: "/api/v1/tickets", body: with("subject", 42), status: 422, fields: []string{"subject"}},
		{name: "create malformed", method: "POST", path: "/api/v1/tickets", body: `{"subject": "x",`, status: 400, code: "bad_request"},
		{name: "create empty body", method: "POST", path: "/api/v1/tickets", body: "", status: 400, code: "bad_request"},
		{name: "create two objects", method: "POST", path: "/api/v1/tickets", body: `{"subject":"a"} {"subject":"b"}`, status: 400, code: "bad_request"},
		{name: "create as form", method: "POST", path: "/api/v1/tickets", body: "subject=x", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, code: "unsupported"},
		{name: "create over 1 MiB", method: "POST", path: "/api/v1/tickets", body: bigBody("body"), status: 413, code: "too_large"},
	}
}

func ticketListScenarios(s seeded) []apiScenario {
	return []apiScenario{
		// GET /api/v1/tickets
		{name: "list", method: "GET", path: "/api/v1/tickets?status=new,open&tag=billing", status: 200, has: []string{"Invoice wrong"}},
		{name: "list by tag as typed", method: "GET", path: "/api/v1/tickets?tag=%20Hardware%20", status: 200, has: []string{"Printer on fire"}},
		{name: "list bad tag", method: "GET", path: "/api/v1/tickets?tag=" + strings.Repeat("x", 51), status: 422, fields: []string{"tag"}},
		{name: "list mine", method: "GET", path: "/api/v1/tickets?assignee=me", status: 200, has: []string{`"tickets":[]`}},
		{name: "list unassigned in team", method: "GET", path: fmt.Sprintf("/api/v1/tickets?assignee=none&team=%d", s.team.ID), status: 200, has: []string{"Printer on fire"}},
		{name: "list without token", method: "GET", path: "/api/v1/tickets", header: map[string]string{"Authorization": ""}, status: 401},
		{name: "list bad status", method: "GET", path: "/api/v1/tickets?status=open,bogus", status: 422, fields: []string{"status"}},
		{name: "list bad assignee", method: "GET", path: "/api/v1/tickets?assignee=bob", status: 422, fields: []string{"assignee"}},
		{name: "list bad team", method: "GET", path: "/api/v1/tickets?team=-3", status: 422, fields: []string{"team"}},
		{name: "list bad channel", method: "GET", path: "/api/v1/tickets?channel=fax", status: 422, fields: []string{"channel"}},
		{name: "list bad sort", method: "GET", path: "/api/v1/tickets?sort=sideways", status: 422, fields: []string{"sort"}},
		{name: "list bad limit", method: "GET", path: "/api/v1/tickets?limit=0", status: 422, fields: []string{"limit"}},
		{name: "list huge limit", method: "GET", path: "/api/v1/tickets?limit=5000", status: 422, fields: []string{"limit"}},
		{name: "list bad cursor", method: "GET", path: "/api/v1/tickets?cursor=%21%21", status: 422, fields: []string{"cursor"}},
		{name: "list unknown parameter", method: "GET", path: "/api/v1/tickets?stauts=open", status: 400, fields: []string{"stauts"}},
	}
}

func ticketReadPatchScenarios(e *apiEnv, s seeded, tk string) []apiScenario {
	return []apiScenario{
		// GET /api/v1/tickets/{id}
		{name: "get", method: "GET", path: tk, status: 200, has: []string{`"timeline":[`, "My invoice shows the wrong amount", `"ann@example.com"`}},
		{name: "get missing", method: "GET", path: "/api/v1/tickets/999999", status: 404, code: "not_found"},
		{name: "get non-number", method: "GET", path: "/api/v1/tickets/abc", status: 404, code: "not_found"},
		{name: "get negative", method: "GET", path: "/api/v1/tickets/-1", status: 404, code: "not_found"},
		{name: "get without token", method: "GET", path: tk, header: map[string]string{"Authorization": ""}, status: 401},

		// PATCH /api/v1/tickets/{id}
		{name: "patch bad status", method: "PATCH", path: tk, body: map[string]any{"status": "done"}, status: 422, fields: []string{"status"}},
		{name: "patch bad priority", method: "PATCH", path: tk, body: map[string]any{"priority": 9}, status: 422, fields: []string{"priority"}},
		{name: "patch valid status with unknown assignee changes nothing", method: "PATCH", path: tk, body: map[string]any{"status": "solved", "assignee_id": 999999}, status: 422, fields: []string{"assignee_id"}},
		{name: "patch unknown team", method: "PATCH", path: tk, body: map[string]any{"team_id": 999999}, status: 422, fields: []string{"team_id"}},
		{name: "patch zero assignee", method: "PATCH", path: tk, body: map[string]any{"assignee_id": 0}, status: 422, fields: []string{"assignee_id"}},
		{name: "patch empty subject", method: "PATCH", path: tk, body: map[string]any{"subject": "  "}, status: 422, fields: []string{"subject"}},
		{name: "patch null subject", method: "PATCH", path: tk, body: `{"subject": null}`, status: 422, fields: []string{"subject"}},
		{name: "patch null status", method: "PATCH", path: tk, body: `{"status": null, "priority": "high"}`, status: 422, fields: []string{"status"}},
		{name: "patch long tag", method: "PATCH", path: tk, body: map[string]any{"tags": []string{strings.Repeat("x", 51)}}, status: 422, fields: []string{"tags"}},
		{name: "patch wrong type", method: "PATCH", path: tk, body: `{"assignee_id": "alice"}`, status: 422, fields: []string{"assignee_id"}},
		{name: "patch unknown field", method: "PATCH", path: tk, body: map[string]any{"assignee": 1}, status: 400, fields: []string{"assignee"}},
		{name: "patch over 1 MiB", method: "PATCH", path: tk, body: bigBody("subject"), status: 413},
		{name: "patch as text", method: "PATCH", path: tk, body: `{"status":"open"}`, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "patch missing", method: "PATCH", path: "/api/v1/tickets/999999", body: map[string]any{"status": "open"}, status: 404},
		{name: "patch non-number", method: "PATCH", path: "/api/v1/tickets/1e3", body: map[string]any{"status": "open"}, status: 404},
		{name: "patch without token", method: "PATCH", path: tk, body: map[string]any{"status": "open"}, header: map[string]string{"Authorization": ""}, status: 401},
		{name: "patch assign", method: "PATCH", path: tk, body: map[string]any{"assignee_id": s.other.ID, "team_id": s.team.ID, "priority": "high", "tags": []string{"VIP", "billing"}},
			status: 200, has: []string{`"name":"Bo Agent"`, `"priority":"high"`, `"tags":["billing","vip"]`, `"name":"Billing"`}},
		{name: "patch absent fields keep their values", method: "PATCH", path: tk, body: map[string]any{"status": "pending"},
			status: 200, has: []string{`"status":"pending"`, fmt.Sprintf(`"assignee_id":%d`, s.other.ID), fmt.Sprintf(`"team_id":%d`, s.team.ID)}},
		{name: "patch null unassigns", method: "PATCH", path: tk, body: `{"assignee_id": null, "team_id": null, "tags": null}`,
			status: 200, has: []string{`"assignee_id":null`, `"team_id":null`, `"tags":[]`}},
		{name: "timeline records the changes", method: "GET", path: tk, status: 200, check: func(t *testing.T, b []byte) {
			got := decode[domain.Ticket](t, b)
			fields := map[string]int{}
			for _, en := range got.Timeline {
				if en.Kind == domain.EntryEvent {
					fields[en.Event.Field]++
					if en.AuthorUserID == nil || *en.AuthorUserID != e.agent.ID {
						t.Fatalf("event %+v not by the token's agent", en.Event)
					}
				}
			}
			if fields["assignee"] != 2 || fields["team"] != 2 || fields["status"] != 1 || fields["priority"] != 1 || fields["tags"] != 2 {
				t.Fatalf("events %v", fields)
			}
		}},
	}
}

// ticketMessageScenarios cover messages, calls and unknown endpoints.
func ticketMessageScenarios(tk string) []apiScenario {
	return []apiScenario{
		// POST /api/v1/tickets/{id}/messages
		{name: "message empty", method: "POST", path: tk + "/messages", body: map[string]any{"body": "  "}, status: 422, fields: []string{"body"}},
		{name: "message bad status", method: "POST", path: tk + "/messages", body: map[string]any{"body": "hi", "status": "done"}, status: 422, fields: []string{"status"}},
		{name: "message wrong type", method: "POST", path: tk + "/messages", body: map[string]any{"body": "hi", "internal": "yes"}, status: 422, fields: []string{"internal"}},
		{name: "message unknown field", method: "POST", path: tk + "/messages", body: map[string]any{"body": "hi", "to": "x@example.com"}, status: 400, fields: []string{"to"}},
		{name: "message over 1 MiB", method: "POST", path: tk + "/messages", body: bigBody("body"), status: 413},
		{name: "message as text", method: "POST", path: tk + "/messages", body: `{"body":"hi"}`, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "message missing ticket", method: "POST", path: "/api/v1/tickets/999999/messages", body: map[string]any{"body": "hi"}, status: 404},
		{name: "message non-number", method: "POST", path: "/api/v1/tickets/x/messages", body: map[string]any{"body": "hi"}, status: 404},
		{name: "message without token", method: "POST", path: tk + "/messages", body: map[string]any{"body": "hi"}, header: map[string]string{"Authorization": ""}, status: 401},
		{name: "internal note", method: "POST", path: tk + "/messages", body: map[string]any{"body": "Customer is a VIP", "internal": true}, status: 201,
			has: []string{`"kind":"note"`, `"author_name":"Alice Agent"`}, check: func(t *testing.T, b []byte) {
				if strings.Contains(string(b), `"direction"`) {
					t.Fatalf("a note has no direction: %s", b)
				}
			}},
		{name: "public reply", method: "POST", path: tk + "/messages", body: map[string]any{"body": "We refunded you.", "status": "solved"}, status: 201,
			has: []string{`"kind":"message"`, `"direction":"outbound"`, `"channel":"email"`}},
		{name: "reply solved and stamped the ticket", method: "GET", path: tk, status: 200, check: func(t *testing.T, b []byte) {
			got := decode[domain.Ticket](t, b)
			if got.Status != domain.StatusSolved || got.FirstResponseAt == nil || got.SolvedAt == nil || got.Preview != "We refunded you." {
				t.Fatalf("after reply: status %s first %v solved %v preview %q", got.Status, got.FirstResponseAt, got.SolvedAt, got.Preview)
			}
		}},

		// POST /api/v1/tickets/{id}/calls
		{name: "call without direction", method: "POST", path: tk + "/calls", body: map[string]any{"duration_seconds": 60}, status: 422, fields: []string{"direction"}},
		{name: "call negative duration", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound", "duration_seconds": -1}, status: 422, fields: []string{"duration_seconds"}},
		{name: "call over a day", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound", "duration_seconds": 90000}, status: 422, fields: []string{"duration_seconds"}},
		{name: "call long number", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound", "from": strings.Repeat("5", 101)}, status: 422, fields: []string{"from"}},
		{name: "call unknown field", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound", "length": 3}, status: 400, fields: []string{"length"}},
		{name: "call over 1 MiB", method: "POST", path: tk + "/calls", body: bigBody("notes"), status: 413},
		{name: "call missing ticket", method: "POST", path: "/api/v1/tickets/999999/calls", body: map[string]any{"direction": "inbound"}, status: 404},
		{name: "call without token", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound"}, header: map[string]string{"Authorization": ""}, status: 401},
		{name: "call", method: "POST", path: tk + "/calls", body: map[string]any{"direction": "inbound", "duration_seconds": 185, "notes": "Called back about refund", "from": "+15550102030"},
			status: 201, has: []string{`"kind":"call"`, `"channel":"phone"`, `"duration_seconds":185`, `"from":"+15550102030"`, "Called back about refund"}},

		// Unknown endpoints and methods.
		{name: "no such endpoint", method: "GET", path: "/api/v1/nothing", status: 404, code: "not_found"},
		{name: "no such method", method: "DELETE", path: tk, status: 404, code: "not_found"},
	}
}

func TestAPIContacts(t *testing.T) {
	e := newAPIEnv(t)
	s := seedAPI(t, e)
	ct := fmt.Sprintf("/api/v1/contacts/%d", s.contact.ID)
	runScenarios(t, e, []apiScenario{
		// POST /api/v1/contacts
		{name: "create", method: "POST", path: "/api/v1/contacts", body: map[string]any{"name": "Eve", "organization": "Acme",
			"emails": []string{"Eve@Example.com", "eve@acme.test"}, "phones": []string{"+44 20 7946 0000"}, "identities": []map[string]string{{"kind": "visitor", "value": "v-123"}}},
			status: 201, has: []string{`"organization":"Acme"`, `"eve@example.com"`, `"+442079460000"`, `"v-123"`, `"tickets":[]`}},
		{name: "create with an address of another contact", method: "POST", path: "/api/v1/contacts", body: map[string]any{"name": "Imposter",
			"emails": []string{"new@example.com", "carl@example.com"}}, status: 409, code: "conflict", fields: []string{"emails[1]"}},
		{name: "create with a phone of another contact", method: "POST", path: "/api/v1/contacts", body: map[string]any{
			"phones": []string{"+1 (555) 010-2030"}}, status: 409, code: "conflict", fields: []string{"phones[0]"}},
		{name: "create with an address twice", method: "POST", path: "/api/v1/contacts", body: map[string]any{
			"emails": []string{"twice@example.com", "TWICE@example.com"}}, status: 422, fields: []string{"emails[1]"}},
		{name: "create without identities", method: "POST", path: "/api/v1/contacts", body: map[string]any{"name": "Nobody"}, status: 422, fields: []string{"emails"}},
		{name: "create bad email", method: "POST", path: "/api/v1/contacts", body: map[string]any{"emails": []string{"nope"}}, status: 422, fields: []string{"emails[0]"}},
		{name: "create bad phone", method: "POST", path: "/api/v1/contacts", body: map[string]any{"emails": []string{"ok@example.com"}, "phones": []string{"12"}}, status: 422, fields: []string{"phones[0]"}},
		{name: "create bad identity kind", method: "POST", path: "/api/v1/contacts", body: map[string]any{"identities": []map[string]string{{"kind": "fax", "value": "1"}}}, status: 422, fields: []string{"identities[0].kind"}},
		{name: "create long name", method: "POST", path: "/api/v1/contacts", body: map[string]any{"name": strings.Repeat("n", 201), "emails": []string{"long@example.com"}}, status: 422, fields: []string{"name"}},
		{name: "create unknown field", method: "POST", path: "/api/v1/contacts", body: map[string]any{"email": "x@example.com"}, status: 400, fields: []string{"email"}},
		{name: "create wrong type", method: "POST", path: "/api/v1/contacts", body: map[string]any{"emails": "x@example.com"}, status: 422, fields: []string{"emails"}},
		{name: "create over 1 MiB", method: "POST", path: "/api/v1/contacts", body: bigBody("name"), status: 413},
		{name: "create as text", method: "POST", path: "/api/v1/contacts", body: `{"emails":["t@example.com"]}`, header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "create without token", method: "POST", path: "/api/v1/contacts", body: map[string]any{"emails": []string{"t@example.com"}}, header: map[string]string{"Authorization": ""}, status: 401},

		// GET /api/v1/contacts
		{name: "list by phone", method: "GET", path: "/api/v1/contacts?q=%2B1555", status: 200, has: []string{`"name":"Carl"`}},
		{name: "list by name", method: "GET", path: "/api/v1/contacts?q=ev", status: 200, has: []string{`"name":"Eve"`}, check: func(t *testing.T, b []byte) {
			if strings.Contains(string(b), "Carl") {
				t.Fatalf("q=ev found Carl: %s", b)
			}
		}},
		{name: "list bad limit", method: "GET", path: "/api/v1/contacts?limit=x", status: 422, fields: []string{"limit"}},
		{name: "list bad cursor", method: "GET", path: "/api/v1/contacts?cursor=abc", status: 422, fields: []string{"cursor"}},
		{name: "list unknown parameter", method: "GET", path: "/api/v1/contacts?email=x", status: 400, fields: []string{"email"}},
		{name: "list without token", method: "GET", path: "/api/v1/contacts", header: map[string]string{"Authorization": ""}, status: 401},

		// GET /api/v1/contacts/{id}
		{name: "get", method: "GET", path: ct, status: 200, has: []string{`"carl@example.com"`, `"+15550102030"`}},
		{name: "get missing", method: "GET", path: "/api/v1/contacts/999999", status: 404},
		{name: "get non-number", method: "GET", path: "/api/v1/contacts/carl", status: 404},
		{name: "get without token", method: "GET", path: ct, header: map[string]string{"Authorization": ""}, status: 401},

		// POST /api/v1/contacts/{id}/merge
		{name: "merge without source", method: "POST", path: ct + "/merge", body: map[string]any{}, status: 422, fields: []string{"source_id"}},
		{name: "merge into itself", method: "POST", path: ct + "/merge", body: map[string]any{"source_id": s.contact.ID}, status: 422, fields: []string{"source_id"}},
		{name: "merge unknown source", method: "POST", path: ct + "/merge", body: map[string]any{"source_id": 999999}, status: 422, fields: []string{"source_id"}},
		{name: "merge into unknown target", method: "POST", path: "/api/v1/contacts/999999/merge", body: map[string]any{"source_id": s.contact.ID}, status: 404},
		{name: "merge non-number", method: "POST", path: "/api/v1/contacts/x/merge", body: map[string]any{"source_id": s.contact.ID}, status: 404},
		{name: "merge wrong type", method: "POST", path: ct + "/merge", body: map[string]any{"source_id": "7"}, status: 422, fields: []string{"source_id"}},
		{name: "merge unknown field", method: "POST", path: ct + "/merge", body: map[string]any{"source": 7}, status: 400, fields: []string{"source"}},
		{name: "merge over 1 MiB", method: "POST", path: ct + "/merge", body: bigBody("x"), status: 413},
		{name: "merge without token", method: "POST", path: ct + "/merge", body: map[string]any{"source_id": 1}, header: map[string]string{"Authorization": ""}, status: 401},

		// GET /api/v1/search
		{name: "search", method: "GET", path: "/api/v1/search?q=invoice", status: 200, check: func(t *testing.T, b []byte) {
			res := decode[searchOut](t, b)
			if len(res.Hits) != 1 || res.Hits[0].Ticket.ID != s.ticket.ID || res.Hits[0].Snippet != "<mark>Invoice</mark> wrong" {
				t.Fatalf("hits %s", b)
			}
		}},
		{name: "search without words", method: "GET", path: "/api/v1/search?q=%21%21", status: 422, fields: []string{"q"}},
		{name: "search without q", method: "GET", path: "/api/v1/search", status: 422, fields: []string{"q"}},
		{name: "search bad limit", method: "GET", path: "/api/v1/search?q=x&limit=-1", status: 422, fields: []string{"limit"}},
		{name: "search unknown parameter", method: "GET", path: "/api/v1/search?query=x", status: 400, fields: []string{"query"}},
		{name: "search without token", method: "GET", path: "/api/v1/search?q=x", header: map[string]string{"Authorization": ""}, status: 401},

		// Agents and teams.
		{name: "me", method: "GET", path: "/api/v1/me", status: 200, has: []string{`"email":"agent@example.com"`, `"role":"agent"`}},
		{name: "users", method: "GET", path: "/api/v1/users", status: 200, has: []string{"Alice Agent", "Bo Agent"}},
		{name: "teams", method: "GET", path: "/api/v1/teams", status: 200, has: []string{`"name":"Billing"`}},
		{name: "me without token", method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": ""}, status: 401},
		{name: "users without token", method: "GET", path: "/api/v1/users", header: map[string]string{"Authorization": ""}, status: 401},
		{name: "teams with wrong token", method: "GET", path: "/api/v1/teams", header: map[string]string{"Authorization": "Bearer " + e.token + "x"}, status: 401},
	})
}

// A browser session may call the API (the workspace's scripts do), but a
// state change needs the session's CSRF token as a header.
func TestAPISessionNeedsCSRF(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	cookie, err := auth.NewToken("")
	if err != nil {
		t.Fatal(err)
	}
	sess := domain.Session{ID: auth.HashToken(cookie), UserID: e.agent.ID, CSRF: "csrf-secret", CreatedAt: e.db.Now(), ExpiresAt: e.db.Now().Add(time.Hour)}
	if err := e.db.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"subject": "From the browser", "body": "Typed in the workspace", "requester": map[string]any{"email": "web@example.com"}}
	noToken := map[string]string{"Authorization": "", "Cookie": httpx.SessionCookie + "=" + cookie}
	runScenarios(t, e, []apiScenario{
		{name: "read with session", method: "GET", path: "/api/v1/me", header: noToken, status: 200, has: []string{"agent@example.com"}},
		{name: "write without CSRF", method: "POST", path: "/api/v1/tickets", body: body, header: noToken, status: 403, code: "forbidden"},
		{name: "write with wrong CSRF", method: "POST", path: "/api/v1/tickets", body: body, status: 403, code: "forbidden",
			header: map[string]string{"Authorization": "", "Cookie": httpx.SessionCookie + "=" + cookie, "X-CSRF-Token": "guess"}},
		{name: "write with CSRF", method: "POST", path: "/api/v1/tickets", body: body, status: 201,
			header: map[string]string{"Authorization": "", "Cookie": httpx.SessionCookie + "=" + cookie, "X-CSRF-Token": "csrf-secret"}},
	})
}
