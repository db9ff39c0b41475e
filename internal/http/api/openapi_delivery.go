package api

// deliveryAPIDoc documents where messages to a customer go: the reply
// route before sending, and the record kept on each agent message
// (Entry.meta.delivery, the same Route schema).
func deliveryAPIDoc() apiDoc {
	paths := obj{
		"/api/v1/tickets/{id}/reply-route": obj{
			"get": operation("replyRoute", "Where a public reply on the ticket would go if sent now (see docs/email.md, \"Where a reply goes\")",
				[]obj{pathParam("ticket id")}, nil, "200", jsonResponse("The route", ref("Route")), "400", "404"),
		},
	}
	return apiDoc{Paths: paths, Schemas: obj{"Route": routeSchema()}}
}

func routeSchema() obj {
	return object([]string{"via", "note"}, obj{
		"via": obj{"type": "array", "items": enum("chat", "email"), "nullable": true,
			"description": "how the message reaches the customer now: a live chat and/or email; empty (null in older records) when unreachable"},
		"email":       str("the address mailed; absent when no mail is sent"),
		"portal":      obj{"type": "boolean", "description": "the message also shows on the ticket's portal page"},
		"unreachable": obj{"type": "boolean", "description": "nothing will tell the customer: warn before sending (call them, for a phone ticket)"},
		"note":        str("one sentence saying where it goes, e.g. \"Ann has no email address: this reply will only be visible in the portal.\""),
	})
}

// notifyResultSchema is the answer of POST /api/v1/problems/{id}/notify:
// who was actually reached, how, and who could not be.
func notifyResultSchema() obj {
	count := func(d string) obj { return obj{"type": "integer", "minimum": 0, "description": d} }
	return object([]string{"countermeasure_id", "notified", "by_channel", "emailed", "entry_ids", "skipped", "unreachable"}, obj{
		"countermeasure_id": id0(),
		"notified":          count("tickets whose customer was reached (by_channel.email + by_channel.chat)"),
		"by_channel":        object(nil, obj{"email": count("notices mailed"), "chat": count("notices shown in a live chat")}),
		"emailed":           count("mails queued"),
		"entry_ids":         arrayOf(id0()),
		"skipped": arrayOf(object([]string{"ticket_id", "reason"}, obj{"ticket_id": id0(),
			"reason": str("why the ticket was not notified (already told, or unreachable)")})),
		"unreachable": arrayOf(object([]string{"ticket_id", "contact_id", "name", "reason"}, obj{
			"ticket_id": id0(), "contact_id": id0(), "name": str("the customer"),
			"reason": str(`the routing rule's sentence, e.g. "Cy has no email address: this notice will not reach them."`),
		})),
	})
}
