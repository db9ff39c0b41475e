package api

// reportsAPIDoc documents the reports endpoints (web_reports.go). Every
// figure is defined in docs/metrics.md.
func reportsAPIDoc() apiDoc {
	params := []obj{
		queryParam("from", "first day, YYYY-MM-DD (UTC); default 29 days before to", obj{"type": "string", "format": "date"}),
		queryParam("to", "last day, inclusive, YYYY-MM-DD (UTC); default today", obj{"type": "string", "format": "date"}),
		queryParam("team", "team id", obj{"type": "integer", "format": "int64"}),
		queryParam("channel", "ticket channel", enum("email", "chat", "portal", "phone", "api")),
		queryParam("tag", "ticket tag", obj{"type": "string"}),
	}
	period := obj{
		"from": obj{"type": "string", "format": "date-time"}, "to": obj{"type": "string", "format": "date-time", "description": "exclusive"},
		"previous_from": obj{"type": "string", "format": "date-time"}, "previous_to": obj{"type": "string", "format": "date-time"},
	}
	section := func(desc string) obj {
		props := obj{"current": obj{"type": "object", "description": desc}, "previous": obj{"type": "object", "description": "the same figures for the period of the same length just before"}}
		for k, v := range period {
			props[k] = v
		}
		return object([]string{"from", "to", "current", "previous"}, props)
	}
	figure := object([]string{"value", "previous"}, obj{"value": obj{"type": "number"}, "previous": obj{"type": "number"}})
	summaryProps := obj{"figures": obj{"type": "object", "additionalProperties": figure,
		"description": "every headline figure by key (tickets_solved, first_contact_resolution_pct, failure_demand_pct, ces_avg, csat_avg, ...)"}}
	for k, v := range period {
		summaryProps[k] = v
	}
	op := func(id, summary, desc string) obj {
		o := operation(id, summary+" Admins only.", params, nil, "200", jsonResponse(summary, section(desc)), "403", "422")
		return obj{"get": o}
	}
	summary := operation("reportSummary", "Every headline figure of the period and of the previous period. Admins only.", params, nil, "200",
		jsonResponse("Headline figures", object([]string{"from", "to", "figures"}, summaryProps)), "403", "422")
	return apiDoc{Paths: obj{
		"/api/v1/reports/summary":        obj{"get": summary},
		"/api/v1/reports/resolution":     op("reportResolution", "Resolution: tickets solved, first-contact resolution, time to resolution, reopen rate.", "Resolution"),
		"/api/v1/reports/effort":         op("reportEffort", "Customer effort: messages, tickets per customer, transfers, channel switches, waiting, CES.", "Effort"),
		"/api/v1/reports/failure-demand": op("reportFailureDemand", "Failure demand: share by week, Pareto of reasons, value-chain stages.", "FailureDemand"),
		"/api/v1/reports/problems":       op("reportProblems", "Problems: open, customers affected, time to countermeasure, recurrence.", "Problems"),
		"/api/v1/reports/self-service":   op("reportSelfService", "Self-service: searches, views, votes, deflections, searches without results.", "SelfService"),
		"/api/v1/reports/satisfaction":   op("reportSatisfaction", "Satisfaction: CSAT average, distribution and comments.", "Satisfaction"),
		"/api/v1/reports/load":           op("reportLoad", "Load: incoming by channel, hour-of-week heat map, backlog by day.", "Load"),
	}, Schemas: obj{}}
}
