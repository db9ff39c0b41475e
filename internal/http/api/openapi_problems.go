package api

import "andon/internal/domain"

// problemAPIDoc documents the andon-cord endpoints (api_problems.go,
// api_problems_ref.go).
func problemAPIDoc() apiDoc {
	id := pathParam("problem id")
	tid := obj{"name": "ticket_id", "in": "path", "required": true, "description": "ticket id", "schema": obj{"type": "integer", "format": "int64", "minimum": 1}}
	limit := queryParam("limit", "how many, 1 to 200", obj{"type": "integer", "minimum": 1, "maximum": 200})
	admin := func(o obj) obj {
		o["description"] = "Admins only."
		o["responses"].(obj)["403"] = errRef("Forbidden")
		return o
	}
	collab := "Collaborators see only problems they own (or their team owns, or hold a countermeasure of)."
	problem := jsonResponse("The problem with its tickets, countermeasures and timeline", ref("Problem"))
	w := bodyErrs
	stageSchema := object([]string{"id", "name", "position", "active"}, obj{"id": id0(), "name": str(""), "position": obj{"type": "integer"}, "active": obj{"type": "boolean"}, "created_at": obj{"type": "string", "format": "date-time"}})
	reasonSchema := object([]string{"id", "stage_id", "stage", "name", "active"}, obj{"id": id0(), "stage_id": id0(), "stage": str("stage name"), "name": str(""), "active": obj{"type": "boolean"}, "created_at": obj{"type": "string", "format": "date-time"}})
	stage, reason := ref("Stage"), ref("FailureReason")
	nullID := nullable(obj{"type": "integer", "format": "int64"})
	paths := obj{
		"/api/v1/problems": obj{
			"get": operation("listProblems", "The problem board. "+collab, []obj{
				queryParam("status", "one status or several, comma-separated", obj{"type": "string", "example": "investigating,root_cause_found"}),
				queryParam("stage", "value-chain stage id", obj{"type": "integer"}), limit,
			}, nil, "200", jsonResponse("Problems, most recently changed first", object([]string{"problems"}, obj{"problems": arrayOf(ref("Problem"))})), "400", "403", "422"),
			"post": operation("createProblem", "Pull the andon: open a problem, linking tickets", nil, jsonBody(strictObject([]string{"title"}, obj{
				"title": str(""), "description": str(""), "stage_id": id0(), "owner_user_id": id0(), "owner_team_id": id0(),
				"ticket_ids": arrayOf(id0()),
			})), "201", problem, w("403")...),
		},
		"/api/v1/problems/{id}": obj{
			"get": operation("getProblem", "A problem. "+collab, []obj{id}, nil, "200", problem, "403", "404"),
			"patch": operation("updateProblem", "Change a problem; a problem cannot be verified without a countermeasure in place",
				[]obj{id}, jsonBody(strictObject(nil, obj{
					"title": str(""), "description": nullable(str("")), "stage_id": nullID, "owner_user_id": nullID, "owner_team_id": nullID,
					"status": enum(problemStatusNames()...), "whys": nullable(arrayOf(obj{"type": "string"})), "root_cause": nullable(str("")),
				})), "200", problem, w("403", "404")...),
		},
		"/api/v1/problems/{id}/notes": obj{
			"post": operation("addProblemNote", "Record a finding on the problem and its tickets' timelines", []obj{id},
				jsonBody(strictObject([]string{"body"}, obj{"body": str("")})), "201", problem, w("403", "404")...),
		},
		"/api/v1/problems/{id}/tickets": obj{
			"post": operation("linkTicket", "Link a ticket to the problem (moving it from another)", []obj{id},
				jsonBody(strictObject([]string{"ticket_id"}, obj{"ticket_id": id0()})), "200", problem, w("403", "404")...),
		},
		"/api/v1/problems/{id}/tickets/{ticket_id}": obj{
			"get": operation("getProblemTicket", "A linked ticket with its timeline", []obj{id, tid}, nil, "200",
				jsonResponse("The ticket", ref("Ticket")), "403", "404"),
			"delete": operation("unlinkTicket", "Unlink a ticket from the problem", []obj{id, tid}, nil, "200", problem, "403", "404"),
		},
		"/api/v1/problems/{id}/countermeasures": obj{
			"post": operation("addCountermeasure", "Plan a countermeasure; one in place moves the problem on", []obj{id},
				jsonBody(strictObject([]string{"what"}, countermeasureProps())), "201", jsonResponse("The countermeasure", ref("Countermeasure")), w("403", "404")...),
		},
		"/api/v1/countermeasures/{id}": obj{
			"patch": operation("updateCountermeasure", "Change a countermeasure; in_place starts recurrence tracking",
				[]obj{pathParam("countermeasure id")}, jsonBody(strictObject(nil, countermeasureProps())),
				"200", jsonResponse("The countermeasure", ref("Countermeasure")), w("403", "404")...),
		},
		"/api/v1/problems/{id}/notify": obj{
			"post": operation("notifyProblem", "Tell every customer with a linked ticket, on the ticket's own channel, that a countermeasure is in place. "+
				"Placeholders: {{customer_name}}, {{ticket_ref}}, {{ticket_subject}}, {{problem_title}}, {{countermeasure}}, {{agent_name}}. "+
				"Tickets already told about the countermeasure are skipped unless force.", []obj{id},
				jsonBody(strictObject(nil, obj{"template": str("empty: a default notice"), "countermeasure_id": id0(), "force": obj{"type": "boolean"}})),
				"200", jsonResponse("What was sent", notifyResultSchema()), w("403", "404")...),
		},
		"/api/v1/problems/{id}/suggestions": obj{
			"get": operation("problemSuggestions", "Unlinked tickets of the last 30 days that look like the problem, best first", []obj{id, limit}, nil,
				"200", jsonResponse("Suggestions", object([]string{"tickets"}, obj{"tickets": arrayOf(object([]string{"ticket", "score", "reasons"}, obj{
					"ticket": ref("Ticket"), "score": obj{"type": "number"}, "reasons": arrayOf(obj{"type": "string"}),
				}))})), "400", "403", "404"),
		},
		"/api/v1/tickets/{id}/andon": obj{
			"get": operation("ticketAndon", "The andon panel of a ticket: the failure-demand hint and open problems it looks like", []obj{pathParam("ticket id"), limit}, nil,
				"200", jsonResponse("Hint and suggestions", object([]string{"demand_hint", "problems"}, obj{
					"demand_hint": nullable(object([]string{"demand_type", "reason"}, obj{"demand_type": enum("value", "failure"), "reason": str("")})),
					"problems":    arrayOf(object([]string{"problem", "score", "reasons"}, obj{"problem": ref("Problem"), "score": obj{"type": "number"}, "reasons": arrayOf(obj{"type": "string"})})),
				})), "400", "403", "404"),
		},
		"/api/v1/value-chain-stages": obj{
			"get":  operation("listStages", "The value chain, in order", nil, nil, "200", jsonResponse("Stages", object([]string{"stages"}, obj{"stages": arrayOf(stage)})), "403"),
			"post": admin(operation("createStage", "Add a stage", nil, jsonBody(strictObject([]string{"name"}, obj{"name": str(""), "position": obj{"type": "integer"}, "active": obj{"type": "boolean"}})), "201", jsonResponse("The stage", stage), w("409")...)),
		},
		"/api/v1/value-chain-stages/{id}": obj{
			"patch": admin(operation("updateStage", "Rename, reorder or (de)activate a stage", []obj{pathParam("stage id")}, jsonBody(strictObject(nil, obj{"name": str(""), "position": obj{"type": "integer"}, "active": obj{"type": "boolean"}})), "200", jsonResponse("The stage", stage), w("404", "409")...)),
		},
		"/api/v1/failure-reasons": obj{
			"get":  operation("listFailureReasons", "Failure reasons by stage", nil, nil, "200", jsonResponse("Reasons", object([]string{"failure_reasons"}, obj{"failure_reasons": arrayOf(reason)})), "403"),
			"post": admin(operation("createFailureReason", "Add a failure reason to a stage", nil, jsonBody(strictObject([]string{"name", "stage_id"}, obj{"name": str(""), "stage_id": id0(), "active": obj{"type": "boolean"}})), "201", jsonResponse("The reason", reason), w("409")...)),
		},
		"/api/v1/failure-reasons/{id}": obj{
			"patch": admin(operation("updateFailureReason", "Rename, move or (de)activate a failure reason", []obj{pathParam("failure reason id")}, jsonBody(strictObject(nil, obj{"name": str(""), "stage_id": id0(), "active": obj{"type": "boolean"}})), "200", jsonResponse("The reason", reason), w("404", "409")...)),
		},
	}
	return apiDoc{Paths: paths, Schemas: obj{
		"Problem": problemSchema(), "Countermeasure": countermeasureSchema(), "Stage": stageSchema, "FailureReason": reasonSchema,
	}}
}

func problemStatusNames() []string {
	out := make([]string, len(domain.ProblemStatuses))
	for i, s := range domain.ProblemStatuses {
		out[i] = string(s)
	}
	return out
}

func countermeasureProps() obj {
	return obj{
		"what": str("what will be done"), "owner_user_id": nullable(obj{"type": "integer", "format": "int64"}),
		"due_date": str("YYYY-MM-DD or empty"), "status": enum("planned", "in_progress", "in_place", "failed"),
		"verification": str("how it will be verified"), "recurrence_window_days": obj{"type": "integer", "minimum": 1, "maximum": 365},
	}
}

func countermeasureSchema() obj {
	ts := obj{"type": "string", "format": "date-time"}
	p := countermeasureProps()
	p["id"], p["problem_id"], p["owner"] = id0(), id0(), ref("UserRef")
	p["in_place_at"], p["notified_at"], p["created_at"], p["updated_at"] = nullable(ts), nullable(ts), ts, ts
	p["recurrence"] = object([]string{"count", "in_window", "window_ends_at", "verified", "flagged", "ticket_ids"}, obj{
		"count": obj{"type": "integer"}, "in_window": obj{"type": "integer"}, "window_ends_at": ts,
		"verified": obj{"type": "boolean"}, "flagged": obj{"type": "boolean"}, "ticket_ids": arrayOf(id0()),
	})
	return object([]string{"id", "problem_id", "what", "status", "recurrence_window_days", "in_place_at"}, p)
}

func problemSchema() obj {
	ts := obj{"type": "string", "format": "date-time"}
	nid := nullable(obj{"type": "integer", "format": "int64"})
	return object([]string{"id", "title", "status", "whys", "root_cause", "ticket_count", "customer_count", "recurrences", "created_at", "updated_at"}, obj{
		"id": id0(), "title": str(""), "description": str(""), "stage_id": nid, "stage": str("stage name"),
		"owner_user_id": nid, "owner_team_id": nid, "owner": ref("UserRef"), "owner_team": ref("TeamRef"),
		"status": enum(problemStatusNames()...), "whys": arrayOf(obj{"type": "string"}), "root_cause": str(""),
		"created_by_id": nid, "created_at": ts, "updated_at": ts, "closed_at": nullable(ts),
		"ticket_count": obj{"type": "integer"}, "customer_count": obj{"type": "integer"},
		"next_due": str("earliest due date of an open countermeasure"), "recurrences": obj{"type": "integer"},
		"tickets":         arrayOf(ref("Ticket")),
		"countermeasures": arrayOf(ref("Countermeasure")),
		"timeline": arrayOf(object([]string{"id", "problem_id", "kind", "created_at"}, obj{
			"id": id0(), "problem_id": id0(), "kind": enum("event", "note"), "field": str(""), "from": str(""), "to": str(""),
			"body": str(""), "author_user_id": id0(), "author_name": str(""), "created_at": ts,
		})),
	})
}
