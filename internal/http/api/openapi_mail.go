package api

// mailAPIDoc documents the email channel's endpoints (api_mail.go), which
// are for admins except the outbox and original-message reads.
func mailAPIDoc() apiDoc {
	admin := func(o obj) obj {
		o["description"] = "Admins only."
		o["responses"].(obj)["403"] = errRef("Forbidden")
		return o
	}
	noContent := obj{"description": "Done"}
	raw := func(ct, desc string) obj {
		return obj{"description": desc, "content": obj{ct: obj{"schema": obj{"type": "string", "format": "binary"}}}}
	}
	mailbox := pathParam("mailbox id")
	inbound := object([]string{"ticket_id", "entry_id", "new_ticket", "duplicate"}, obj{
		"ticket_id": id0(), "entry_id": id0(), "new_ticket": obj{"type": "boolean"}, "duplicate": obj{"type": "boolean"}, "failed_id": id0(),
	})
	ts := obj{"type": "string", "format": "date-time"}
	paths := obj{
		"/api/v1/inbound/email": obj{"post": admin(operation("inboundEmail", "Deliver one raw RFC 5322 message (pipe from an MTA)", nil,
			obj{"required": true, "content": obj{"message/rfc822": obj{"schema": obj{"type": "string", "format": "binary"}}}},
			"202", jsonResponse("Stored (or kept as failed mail)", inbound), "415", "422"))},
		"/api/v1/mailboxes": obj{
			"get": admin(operation("listMailboxes", "Every mailbox", nil, nil, "200",
				jsonResponse("Mailboxes", object([]string{"mailboxes"}, obj{"mailboxes": arrayOf(ref("Mailbox"))})))),
			"post": admin(operation("createMailbox", "Add a mailbox", nil, jsonBody(ref("MailboxInput")), "201",
				jsonResponse("The mailbox", ref("Mailbox")), bodyErrs()...)),
		},
		"/api/v1/mailboxes/{id}": obj{
			"get": admin(operation("getMailbox", "One mailbox (passwords are never shown)", []obj{mailbox}, nil, "200",
				jsonResponse("The mailbox", ref("Mailbox")), "404")),
			"patch": admin(operation("updateMailbox", "Change a mailbox; absent fields keep their values", []obj{mailbox},
				jsonBody(ref("MailboxInput")), "200", jsonResponse("The mailbox", ref("Mailbox")), bodyErrs("404")...)),
			"delete": admin(operation("deleteMailbox", "Remove a mailbox", []obj{mailbox}, nil, "204", noContent, "404")),
		},
		"/api/v1/failed-mail": obj{"get": admin(operation("listFailedMail", "Messages that could not be turned into tickets, newest first, paged",
			[]obj{queryParam("before", "next_before of the previous page: only ids below it", obj{"type": "integer", "format": "int64", "minimum": 1}),
				queryParam("limit", "page size, 1 to 200 (default 50)", obj{"type": "integer", "minimum": 1, "maximum": 200})}, nil,
			"200", jsonResponse("Failed mail, newest first", ref("FailedMailPage")), "400", "422"))},
		"/api/v1/failed-mail/{id}/raw": obj{"get": admin(operation("getFailedMailRaw", "The raw message, as a download", []obj{pathParam("failed mail id")}, nil,
			"200", raw("message/rfc822", "The message"), "404"))},
		"/api/v1/failed-mail/{id}/retry": obj{"post": admin(operation("retryFailedMail", "Process a failed message again", []obj{pathParam("failed mail id")}, nil,
			"200", jsonResponse("Where it went", inbound), "404", "422"))},
		"/api/v1/outbox/{id}/retry": obj{"post": admin(operation("retryOutbox", "Send a failed outgoing email again", []obj{pathParam("outbox message id")}, nil,
			"204", noContent, "404", "422"))},
		"/api/v1/tickets/{id}/outbox": obj{"get": operation("listOutbox", "Emails sent or queued for a ticket", []obj{pathParam("ticket id")}, nil,
			"200", jsonResponse("Outgoing email", object([]string{"outbox"}, obj{"outbox": arrayOf(obj{"type": "object"})})), "404")},
		"/api/v1/entries/{id}/original": obj{"get": operation("getEntryOriginal", "The original email of a timeline entry, as plain text",
			[]obj{pathParam("entry id")}, nil, "200", raw("text/plain", "The raw message"), "404")},
		"/api/v1/entries/{id}/attachments/{part}": obj{"get": operation("getEntryAttachment",
			"An attachment of an email entry, by index in meta.email.attachments or by Content-ID (cid: images)",
			[]obj{pathParam("entry id"), {"name": "part", "in": "path", "required": true, "schema": str("")}}, nil,
			"200", raw("application/octet-stream", "The attachment (images inline with their own type, attached messages as message/rfc822, everything else as a download)"), "404")},
		"/api/v1/mail/settings": obj{
			"get": admin(operation("getMailSettings", "Texts of automatic mail (acknowledgement template)", nil, nil, "200",
				jsonResponse("Settings", ref("MailSettings")))),
			"put": admin(operation("putMailSettings", "Change the acknowledgement template; {{name}}, {{ticket}} and {{subject}} are replaced",
				nil, jsonBody(ref("MailSettings")), "200", jsonResponse("Settings", ref("MailSettings")), bodyErrs()...)),
		},
	}
	return apiDoc{Paths: paths, Schemas: obj{
		"Mailbox": object([]string{"id", "address"}, obj{
			"id": id0(), "address": str(""), "display_name": str(""), "team_id": nullable(integer("")), "is_default": obj{"type": "boolean"},
			"imap_host": str(""), "imap_port": obj{"type": "integer"}, "imap_user": str(""), "imap_tls": str(""), "imap_folder": str(""),
			"smtp_host": str(""), "smtp_port": obj{"type": "integer"}, "smtp_user": str(""), "smtp_tls": str(""),
			"imap_password_set": obj{"type": "boolean"}, "smtp_password_set": obj{"type": "boolean"}, "created_at": ts, "updated_at": ts,
		}),
		"FailedMail": object([]string{"id", "source", "error", "size", "subject", "created_at"}, obj{
			"id": id0(), "mailbox_id": nullable(integer("")), "source": str("smtp, imap or api"), "error": str("why it could not become an entry"),
			"size": obj{"type": "integer", "description": "bytes"}, "subject": str("the message's Subject, decoded; empty when unreadable"),
			"created_at": ts, "retried_at": nullable(ts), "resolved_at": nullable(ts),
		}),
		"FailedMailPage": object([]string{"failed_mail", "next_before", "next"}, obj{
			"failed_mail": arrayOf(ref("FailedMail")),
			"next_before": nullable(integer("pass as before for the next page; null on the last page")),
			"next":        str("URL of the next page; empty on the last page"),
		}),
		"EmailMeta": object(nil, obj{
			"message_id": str(""), "from": str("sender address"), "from_name": str(""), "subject": str(""),
			"attachments": arrayOf(ref("EmailAttachment")),
		}),
		"EmailAttachment": object([]string{"name", "content_type"}, obj{
			"name": str("file name; <subject>.eml for an attached message"), "content_type": str(""),
			"size": obj{"type": "integer", "description": "bytes"}, "content_id": str("for cid: images"), "inline": obj{"type": "boolean"},
			"message": object([]string{"subject", "from", "text"}, obj{
				"subject": str(""), "from": str(""), "text": str("its text, also appended to the entry's body"),
			}),
		}),
		"MailSettings": strictObject(nil, obj{"ack_subject": str(""), "ack_body": str("markdown")}),
		"MailboxInput": strictObject(nil, obj{
			"address": str(""), "display_name": str(""), "team_id": nullable(integer("")), "is_default": obj{"type": "boolean"},
			"imap_host": str(""), "imap_port": obj{"type": "integer"}, "imap_user": str(""), "imap_password": str("write-only"),
			"imap_tls": str(""), "imap_folder": str(""), "smtp_host": str(""), "smtp_port": obj{"type": "integer"},
			"smtp_user": str(""), "smtp_password": str("write-only"), "smtp_tls": str(""),
		}),
	}}
}

func id0() obj { return obj{"type": "integer", "format": "int64"} }
