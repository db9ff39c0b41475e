package api

// kbAPIDoc documents the knowledge-base endpoints and call reports
// (api_kb.go).
func kbAPIDoc() apiDoc {
	ts := obj{"type": "string", "format": "date-time"}
	article := pathParam("article id")
	paths := obj{
		"/api/v1/articles": obj{
			"get": operation("listArticles", "List articles, or search them best first with q (drafts included unless status=published); for the composer's article picker", []obj{
				queryParam("q", "words to find; plurals and word forms match", obj{"type": "string"}),
				queryParam("status", "draft or published", enum("draft", "published")),
				queryParam("category", "category id", obj{"type": "integer"}),
				queryParam("limit", "at most this many, 1 to 200 (default 50)", obj{"type": "integer", "minimum": 1, "maximum": 200}),
			}, nil, "200", jsonResponse("Articles (without q) or hits (with q)", obj{"oneOf": []obj{
				object([]string{"articles"}, obj{"articles": arrayOf(ref("Article"))}),
				object([]string{"hits"}, obj{"hits": arrayOf(ref("ArticleHit"))}),
			}}), "400", "422"),
			"post": operation("createArticle", "Write an article (a draft unless status is published)", nil, jsonBody(ref("ArticleInput")),
				"201", jsonResponse("The article", ref("Article")), bodyErrs("409")...),
		},
		"/api/v1/articles/{id}": obj{
			"get": operation("getArticle", "One article in any state", []obj{article}, nil, "200", jsonResponse("The article", ref("Article")), "404"),
			"patch": operation("updateArticle", "Change an article; every save is kept as a revision", []obj{article}, jsonBody(ref("ArticleInput")),
				"200", jsonResponse("The article", ref("Article")), bodyErrs("404", "409")...),
		},
		"/api/v1/articles/{id}/revisions": obj{
			"get": operation("listArticleRevisions", "Every save of an article, newest first", []obj{article}, nil, "200",
				jsonResponse("Revisions", object([]string{"revisions"}, obj{"revisions": arrayOf(ref("ArticleRevision"))})), "404"),
		},
		"/api/v1/articles/suggest": obj{
			"get": obj{"operationId": "suggestArticles", "summary": "Published articles matching what a customer types (public, rate-limited per address; used by the portal form and the chat widget)",
				"security":   []obj{},
				"parameters": []obj{queryParam("q", "the customer's words", obj{"type": "string"})},
				"responses": obj{
					"200": jsonResponse("At most 5 articles, best first", object([]string{"articles"}, obj{"articles": arrayOf(object(
						[]string{"id", "title", "url", "snippet_html"}, obj{"id": id0(), "title": str(""), "url": str("portal address"),
							"snippet_html": str("escaped text with matches in <mark>")}))})),
					"429": errRef("RateLimited"),
				}},
		},
		"/api/v1/kb/categories": obj{
			"get": operation("listCategories", "Knowledge-base categories in display order", nil, nil, "200",
				jsonResponse("Categories", object([]string{"categories"}, obj{"categories": arrayOf(ref("Category"))}))),
			"post": operation("createCategory", "Add a category", nil, jsonBody(strictObject([]string{"name"}, obj{
				"name": str(""), "description": str(""), "position": obj{"type": "integer"}})),
				"201", jsonResponse("The category", ref("Category")), bodyErrs("409")...),
		},
		"/api/v1/calls": obj{
			"post": operation("reportCall", "A telephony system reports a call: the customer's number (from when inbound, to when outbound) is matched to a contact (created if unknown) and the call is filed on their open ticket, or opens a phone ticket",
				nil, jsonBody(strictObject([]string{"from", "to", "direction"}, obj{
					"from": str("caller number"), "to": str("called number"), "direction": enum("inbound", "outbound"),
					"duration":      obj{"type": "integer", "minimum": 0, "maximum": 86400, "description": "seconds"},
					"recording_url": str("http(s) URL of the recording"), "notes": str("what was said")})),
				"200", jsonResponse("Filed on an open ticket", ref("CallResult")), bodyErrs()...),
		},
	}
	paths["/api/v1/calls"].(obj)["post"].(obj)["responses"].(obj)["201"] = jsonResponse("A new phone ticket", ref("CallResult"))
	nullableID := nullable(id0())
	return apiDoc{Paths: paths, Schemas: obj{
		"Article": object([]string{"id", "title", "slug", "category_id", "tags", "body", "status", "author_id", "source_ticket_id",
			"views", "helpful_yes", "helpful_no", "created_at", "updated_at", "published_at"}, obj{
			"id": id0(), "title": str(""), "slug": str("public address: /help/articles/{slug}"), "category_id": nullableID,
			"category": str("category name"), "category_slug": str(""), "tags": arrayOf(obj{"type": "string"}),
			"body": str("Markdown"), "status": enum("draft", "published"), "author_id": nullableID, "author": str("author name"),
			"source_ticket_id": nullableID, "views": id0(), "helpful_yes": id0(), "helpful_no": id0(),
			"created_at": ts, "updated_at": ts, "published_at": nullable(ts),
		}),
		"ArticleInput": strictObject(nil, obj{
			"title": str("required on create"), "slug": str("made from the title when absent"), "category_id": nullableID,
			"tags": arrayOf(obj{"type": "string"}), "body": str("Markdown"), "status": enum("draft", "published"),
		}),
		"ArticleHit": object([]string{"article", "title_html", "snippet_html", "rank"}, obj{
			"article": ref("Article"), "title_html": str("escaped title, matches in <mark>"),
			"snippet_html": str("escaped excerpt, matches in <mark>"), "rank": obj{"type": "number", "description": "lower is better"},
		}),
		"ArticleRevision": object([]string{"id", "article_id", "title", "body", "author_id", "created_at"}, obj{
			"id": id0(), "article_id": id0(), "title": str(""), "body": str("Markdown"), "author_id": nullableID, "author": str(""), "created_at": ts,
		}),
		"Category": object([]string{"id", "name", "slug", "description", "position", "articles", "created_at"}, obj{
			"id": id0(), "name": str(""), "slug": str(""), "description": str(""), "position": obj{"type": "integer"},
			"articles": obj{"type": "integer", "description": "published articles"}, "created_at": ts,
		}),
		"CallResult": object([]string{"ticket_id", "new_ticket", "ticket"}, obj{
			"ticket_id": id0(), "new_ticket": obj{"type": "boolean"}, "ticket": ref("Ticket"),
		}),
	}}
}
