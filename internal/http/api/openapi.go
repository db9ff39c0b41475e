package api

import (
	"andon/internal/http/httpx"
	"encoding/json"
	"net/http"
)

// The OpenAPI 3 description of REST API v1, written as Go data next to the
// handlers. TestOpenAPIMatchesRoutes keeps it true to the route table and
// checks real responses against its schemas.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func integer(desc string) obj { return obj{"type": "integer", "format": "int64", "description": desc} }

func enum(values ...string) obj { return obj{"type": "string", "enum": values} }

func nullable(o obj) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	out["nullable"] = true
	return out
}

func object(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// strictObject is a request body: unknown fields are rejected with 400.
func strictObject(required []string, props obj) obj {
	o := object(required, props)
	o["additionalProperties"] = false
	return o
}

func jsonBody(schema obj) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

func jsonResponse(desc string, schema obj) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
}

func errRef(name string) obj { return obj{"$ref": "#/components/responses/" + name} }

// operation builds one operation; errs names the documented error responses
// besides 401 and 429, which every authenticated operation can return.
func operation(id, summary string, params []obj, body obj, ok string, okResp obj, errs ...string) obj {
	responses := obj{ok: okResp, "401": errRef("Unauthorized"), "429": errRef("RateLimited")}
	for _, e := range errs {
		responses[e] = errRef(map[string]string{
			"400": "BadRequest", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
			"413": "TooLarge", "415": "Unsupported", "422": "Invalid",
		}[e])
	}
	op := obj{"operationId": id, "summary": summary, "responses": responses}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if body != nil {
		op["requestBody"] = body
	}
	return op
}

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

func pathParam(desc string) obj {
	return obj{"name": "id", "in": "path", "required": true, "description": desc, "schema": obj{"type": "integer", "format": "int64", "minimum": 1}}
}

// apiOpenAPI serves the document. Building it takes well under a
// millisecond, so it is not cached.
func (s *Handler) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := json.MarshalIndent(OpenAPIDoc(), "", "  ")
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

// apiDoc is one feature's part of the document: its paths and the schemas
// they refer to.
type apiDoc struct{ Paths, Schemas obj }

// openAPIParts lists every part of the document. A feature that adds
// /api/v1 routes documents them in a function of its own (like mailAPIDoc)
// and lists it here; TestOpenAPIMatchesRoutes fails until it does.
func openAPIParts() []apiDoc {
	return []apiDoc{coreAPIDoc(), mailAPIDoc(), problemAPIDoc(), kbAPIDoc(), reportsAPIDoc(), deliveryAPIDoc()}
}

// bodyErrs are the errors of an operation with a JSON body, plus extra.
func bodyErrs(extra ...string) []string {
	return append([]string{"400", "413", "415", "422"}, extra...)
}

// OpenAPIDoc assembles the document.
func OpenAPIDoc() obj {
	paths, schemas := obj{}, obj{}
	for _, part := range openAPIParts() {
		for k, v := range part.Paths {
			paths[k] = v
		}
		for k, v := range part.Schemas {
			schemas[k] = v
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":   "Andon REST API",
			"version": "1",
			"description": "Tickets, their timeline and customers. Authenticate with `Authorization: Bearer <token>` " +
				"(create one with `andon token create`). Every error uses one envelope: " +
				`{"error": {"code": "invalid", "message": "...", "fields": {"subject": "required"}}}.`,
		},
		"servers":    []obj{{"url": "/"}},
		"security":   []obj{{"bearer": []string{}}},
		"paths":      paths,
		"components": obj{"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}}, "schemas": schemas, "responses": errorResponses()},
	}
}

// coreAPIDoc documents tickets, contacts, search, agents and teams. Bodies
// written by the client are strict (additionalProperties false) because
// decodeJSON rejects unknown fields.
func coreAPIDoc() apiDoc {
	limit := queryParam("limit", "page size, 1 to 200 (default 50)", obj{"type": "integer", "minimum": 1, "maximum": 200})
	cursor := queryParam("cursor", "next_cursor of the previous page", obj{"type": "string"})
	paths := obj{
		"/api/v1/tickets": obj{
			"get": operation("listTickets", "List tickets, keyset-paged", []obj{
				queryParam("status", "one status or several, comma-separated", obj{"type": "string", "example": "new,open"}),
				queryParam("assignee", `an agent id, "me" or "none"`, obj{"type": "string"}),
				queryParam("team", `a team id or "none"`, obj{"type": "string"}),
				queryParam("tag", "tickets carrying this tag", obj{"type": "string"}),
				queryParam("channel", "channel of origin", ref("Channel")),
				queryParam("requester", "tickets of this contact id", obj{"type": "integer"}),
				queryParam("sort", "order (default updated)", enum("updated", "priority", "oldest", "newest")),
				limit, cursor,
			}, nil, "200", jsonResponse("A page of tickets", ref("TicketPage")), "400", "422"),
			"post": operation("createTicket", "Open a ticket for a customer", nil, jsonBody(ref("NewTicket")),
				"201", jsonResponse("The new ticket", ref("Ticket")), bodyErrs("403")...),
		},
		"/api/v1/tickets/{id}": obj{
			"get": operation("getTicket", "A ticket with its whole timeline", []obj{pathParam("ticket id")}, nil,
				"200", jsonResponse("The ticket", ref("Ticket")), "404"),
			"patch": operation("updateTicket", "Change fields of a ticket; each change is recorded in the timeline",
				[]obj{pathParam("ticket id")}, jsonBody(ref("TicketPatch")),
				"200", jsonResponse("The updated ticket", ref("Ticket")), bodyErrs("403", "404")...),
		},
		"/api/v1/tickets/{id}/messages": obj{
			"post": operation("addMessage", "Reply to the customer, or add an internal note", []obj{pathParam("ticket id")},
				jsonBody(ref("NewMessage")), "201", jsonResponse("The new timeline entry", ref("Entry")), bodyErrs("403", "404")...),
		},
		"/api/v1/tickets/{id}/calls": obj{
			"post": operation("addCall", "Log a phone call on the ticket", []obj{pathParam("ticket id")},
				jsonBody(ref("NewCall")), "201", jsonResponse("The new timeline entry", ref("Entry")), bodyErrs("403", "404")...),
		},
		"/api/v1/contacts": obj{
			"get": operation("listContacts", "Find contacts by name, email, phone or organization", []obj{
				queryParam("q", "search text (prefix of a name, address, number or organization)", obj{"type": "string"}), limit, cursor,
			}, nil, "200", jsonResponse("A page of contacts", ref("ContactPage")), "400", "422"),
			"post": operation("createContact", "Create a contact", nil, jsonBody(ref("NewContact")),
				"201", jsonResponse("The new contact", ref("ContactWithTickets")), bodyErrs("403", "409")...),
		},
		"/api/v1/contacts/{id}": obj{
			"get": operation("getContact", "A contact with their tickets on every channel", []obj{pathParam("contact id")}, nil,
				"200", jsonResponse("The contact", ref("ContactWithTickets")), "404"),
		},
		"/api/v1/contacts/{id}/merge": obj{
			"post": operation("mergeContact", "Merge another contact into this one; identities and tickets follow",
				[]obj{pathParam("contact id (kept)")}, jsonBody(ref("Merge")),
				"200", jsonResponse("The merged contact", ref("ContactWithTickets")), bodyErrs("403", "404")...),
		},
		"/api/v1/search": obj{
			"get": operation("search", "Full-text search over tickets and their timelines, best first", []obj{
				queryParam("q", "words to find (prefix match)", obj{"type": "string"}), limit,
			}, nil, "200", jsonResponse("Hits, one per ticket", ref("SearchResults")), "400", "422"),
		},
		"/api/v1/me": obj{
			"get": operation("me", "The account the token belongs to", nil, nil, "200", jsonResponse("The account", ref("User"))),
		},
		"/api/v1/users": obj{
			"get": operation("listUsers", "Every agent account", nil, nil, "200",
				jsonResponse("Agents", object([]string{"users"}, obj{"users": arrayOf(ref("User"))}))),
		},
		"/api/v1/teams": obj{
			"get": operation("listTeams", "Every team", nil, nil, "200",
				jsonResponse("Teams", object([]string{"teams"}, obj{"teams": arrayOf(ref("Team"))}))),
		},
		"/api/v1/openapi.json": obj{
			"get": obj{"operationId": "openapi", "summary": "This document", "security": []obj{},
				"responses": obj{"200": obj{"description": "OpenAPI 3 document", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}}},
		},
	}
	return apiDoc{Paths: paths, Schemas: coreSchemas()}
}

func errorResponses() obj {
	resp := func(desc string) obj { return jsonResponse(desc, ref("Error")) }
	return obj{
		"BadRequest":   resp("Malformed JSON, unknown field or unknown parameter (code bad_request)"),
		"Unauthorized": resp("Missing or wrong token (code unauthorized)"),
		"Forbidden":    resp("Not allowed, e.g. a browser session without its CSRF header (code forbidden)"),
		"NotFound":     resp("No such resource (code not_found)"),
		"Conflict":     resp("Conflicts with existing data, e.g. an address that belongs to another contact (code conflict)"),
		"TooLarge":     resp("Request body over 1 MiB (code too_large)"),
		"Unsupported":  resp("Content-Type is not application/json (code unsupported)"),
		"Invalid":      resp("Validation failed; fields names each problem (code invalid)"),
		"RateLimited":  resp("Too many requests; retry after the Retry-After header (code rate_limited)"),
	}
}

func coreSchemas() obj {
	ts := obj{"type": "string", "format": "date-time"}
	id := integer("")
	return obj{
		"Error": object([]string{"error"}, obj{"error": object([]string{"code", "message"}, obj{
			"code":    enum("bad_request", "invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "rate_limited", "internal", "unsupported", "unprocessable"),
			"message": str("human-readable, safe to show"),
			"fields":  obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "problem per field"},
		})}),
		"Status":    enum("new", "open", "pending", "on_hold", "solved", "closed"),
		"Priority":  enum("low", "normal", "high", "urgent"),
		"Channel":   enum("email", "chat", "portal", "phone", "api"),
		"Direction": enum("inbound", "outbound"),
		"UserRef":   object([]string{"id", "name", "email"}, obj{"id": id, "name": str(""), "email": str("")}),
		"TeamRef":   object([]string{"id", "name"}, obj{"id": id, "name": str("")}),
		"Identity": object([]string{"id", "kind", "value"}, obj{
			"id": id, "kind": enum("email", "phone", "visitor"), "value": str("normalized: lowercase email, +digits phone"),
		}),
		"Contact": object([]string{"id", "name", "identities", "created_at"}, obj{
			"id": id, "name": str(""), "organization_id": nullable(integer("")), "organization": str(""),
			"identities": arrayOf(ref("Identity")), "created_at": ts,
		}),
		"ContactWithTickets": obj{"allOf": []obj{ref("Contact"), object([]string{"tickets"}, obj{
			"tickets":             arrayOf(ref("Ticket")),
			"tickets_next_cursor": str("more tickets: GET /api/v1/tickets?requester={id}&sort=newest&cursor=..."),
		})}},
		"ContactPage": object([]string{"contacts", "next_cursor"}, obj{
			"contacts": arrayOf(ref("Contact")), "next_cursor": str("empty on the last page"),
		}),
		"Ticket": object([]string{"id", "number", "subject", "status", "priority", "channel", "requester_id", "assignee_id", "team_id", "tags", "created_at", "updated_at"}, obj{
			"id": id, "number": integer("the human number, shown as #1042"), "subject": str(""),
			"status": ref("Status"), "priority": ref("Priority"), "channel": ref("Channel"),
			"requester_id": id, "requester": ref("Contact"),
			"assignee_id": nullable(integer("")), "assignee": ref("UserRef"),
			"team_id": nullable(integer("")), "team": ref("TeamRef"),
			"tags": arrayOf(obj{"type": "string"}), "preview": str("start of the latest public text"),
			"created_at": ts, "updated_at": ts,
			"first_response_at": nullable(ts), "solved_at": nullable(ts),
			"reopen_count":      obj{"type": "integer"},
			"demand_type":       enum("", "value", "failure"),
			"failure_reason_id": nullable(integer("a failure reason (GET /api/v1/failure-reasons)")),
			"problem_id":        nullable(integer("the problem the ticket is linked to")),
			"timeline":          obj{"type": "array", "items": ref("Entry"), "description": "only on GET /api/v1/tickets/{id}"},
		}),
		"TicketPage": object([]string{"tickets", "next_cursor"}, obj{
			"tickets": arrayOf(ref("Ticket")), "next_cursor": str("empty on the last page"),
		}),
		"CallInfo": object([]string{"direction", "duration_seconds"}, obj{
			"direction": ref("Direction"), "duration_seconds": obj{"type": "integer"}, "from": str(""), "to": str(""), "recording_url": str(""),
		}),
		"Event": object([]string{"field", "from", "to"}, obj{"field": str("status, priority, assignee, team, tags or subject"), "from": str(""), "to": str("")}),
		"Entry": object([]string{"id", "ticket_id", "kind", "body", "created_at"}, obj{
			"id": id, "ticket_id": id, "kind": enum("message", "note", "call", "event"),
			"channel": str(""), "direction": ref("Direction"),
			"author_user_id": id, "author_contact_id": id, "author_name": str(""),
			"body": str(""), "call": ref("CallInfo"), "event": ref("Event"), "created_at": ts,
			"meta": obj{"type": "object", "description": "channel-specific data: email holds what arrived by mail; on an agent's message to the customer, delivery says where it went",
				"properties": obj{"delivery": ref("Route"), "email": ref("EmailMeta")}},
		}),
		"SearchHit": object([]string{"ticket", "field", "snippet", "rank"}, obj{
			"ticket": ref("Ticket"), "entry_id": id, "field": enum("subject", "body"),
			"snippet": str("HTML-escaped text with matches wrapped in <mark>"), "rank": obj{"type": "number", "description": "lower is better"},
		}),
		"SearchResults": object([]string{"query", "hits"}, obj{"query": str(""), "hits": arrayOf(ref("SearchHit"))}),
		"User": object([]string{"id", "email", "name", "role", "active"}, obj{
			"id": id, "email": str(""), "name": str(""), "role": enum("admin", "agent", "collaborator"), "active": obj{"type": "boolean"},
			"created_at": ts, "team_ids": arrayOf(obj{"type": "integer"}),
		}),
		"Team": object([]string{"id", "name"}, obj{"id": id, "name": str(""), "created_at": ts}),
		"Requester": strictObject(nil, obj{
			"email": str("email or phone is required"), "phone": str(""), "name": str(""),
		}),
		"NewTicket": strictObject([]string{"subject", "body"}, obj{
			"subject": str("at most 250 characters"), "body": str("the customer's words"),
			"requester":    ref("Requester"),
			"requester_id": integer("an existing contact, instead of requester"),
			"channel":      ref("Channel"), "priority": ref("Priority"), "status": ref("Status"),
			"tags":        arrayOf(obj{"type": "string"}),
			"assignee_id": nullable(integer("")), "team_id": nullable(integer("")),
		}),
		"TicketPatch": strictObject(nil, obj{
			"subject": str(""), "status": ref("Status"), "priority": ref("Priority"),
			"assignee_id": nullable(integer("null unassigns")), "team_id": nullable(integer("null removes the team")),
			"tags": obj{"type": "array", "nullable": true, "items": obj{"type": "string"}, "description": "replaces every tag"},
			"demand_type": obj{"type": "string", "nullable": true, "enum": []any{"", "value", "failure"},
				"description": "value or failure demand; empty or null unclassifies"},
			"failure_reason_id": nullable(integer("a failure reason; makes the ticket failure demand; null clears")),
			"problem_id":        nullable(integer("link the ticket to this problem (moving it from another); null unlinks")),
		}),
		"NewMessage": strictObject([]string{"body"}, obj{
			"body":     str(""),
			"internal": obj{"type": "boolean", "description": "true for an internal note the customer never sees"},
			"status":   ref("Status"),
		}),
		"NewCall": strictObject([]string{"direction"}, obj{
			"direction": ref("Direction"), "duration_seconds": obj{"type": "integer", "minimum": 0, "maximum": 86400},
			"notes": str(""), "from": str(""), "to": str(""), "status": ref("Status"),
		}),
		"NewContact": strictObject(nil, obj{
			"name": str(""), "organization": str(""),
			"emails": arrayOf(obj{"type": "string"}), "phones": arrayOf(obj{"type": "string"}),
			"identities": arrayOf(strictObject([]string{"kind", "value"}, obj{"kind": enum("email", "phone", "visitor"), "value": str("")})),
		}),
		"Merge": strictObject([]string{"source_id"}, obj{"source_id": integer("the contact merged away")}),
	}
}
