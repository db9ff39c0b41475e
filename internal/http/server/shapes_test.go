package server_test

import (
	"andon/internal/http/api"
	"andon/internal/http/widget"
)

// The JSON shapes the black-box tests decode answers into.
type (
	contactOut      = api.ContactOut
	searchOut       = api.SearchOut
	callReportOut   = api.CallReportOut
	revisionList    = api.RevisionList
	articleHits     = api.ArticleHits
	articleList     = api.ArticleList
	categoryList    = api.CategoryList
	suggestions     = api.Suggestions
	newVisitorOut   = widget.NewVisitorOut
	widgetConfigOut = widget.WidgetConfigOut
)

var openAPIDoc = api.OpenAPIDoc
