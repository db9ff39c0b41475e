package server_test

import (
	. "andon/internal/http/server"
	"andon/internal/testutil"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// routedAPI is every method+path the route tables mark as part of the REST
// API (InOpenAPI); the same tables are what the server mounts.
func routedAPI(t *testing.T) map[string]bool {
	t.Helper()
	routed := map[string]bool{}
	srv, err := newServer(t, Deps{DB: testutil.OpenDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range srv.Routes() {
		if rt.InOpenAPI {
			routed[rt.Pattern()] = true
		}
		if strings.HasPrefix(rt.Path, "/api/v1/") && !rt.InOpenAPI {
			t.Errorf("%s is under /api/v1 but not in the OpenAPI document", rt.Pattern())
		}
	}
	return routed
}

// The OpenAPI document is valid, documents every routed endpoint, and
// documents nothing that is not routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadedDoc(t)
	routed := routedAPI(t)
	if !routed["GET /api/v1/openapi.json"] || !routed["POST /api/v1/tickets"] {
		t.Fatalf("route scan found too little: %v", routed)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing, extra []string
	for r := range routed {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routed but not in openapi.json: %v\n(document them in a function like mailAPIDoc and list it in openAPIParts, openapi.go)", missing)
	}
	if len(extra) > 0 {
		t.Errorf("in openapi.json but not routed: %v", extra)
	}
	// Every operation can fail authentication and the rate limit, and
	// every operation with a JSON body can fail to parse it.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if path == "/api/v1/openapi.json" {
				continue
			}
			public := op.Security != nil && len(*op.Security) == 0 // needs no token: cannot answer 401
			for _, code := range []int{401, 429} {
				if public && code == 401 {
					continue
				}
				if op.Responses.Status(code) == nil {
					t.Errorf("%s %s does not document %d", method, path, code)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
				for _, code := range []int{400, 413, 415, 422} {
					if op.Responses.Status(code) == nil {
						t.Errorf("%s %s does not document %d", method, path, code)
					}
				}
			}
		}
	}
}

// The document is served without a token, as JSON.
func TestOpenAPIServed(t *testing.T) {
	e := newAPIEnv(t)
	resp, body := e.request("GET", "/api/v1/openapi.json", nil, map[string]string{"Authorization": ""})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), `"openapi": "3.0.3"`) || !strings.Contains(string(body), `"/api/v1/tickets/{id}/messages"`) {
		t.Fatalf("openapi.json body: %.200s", body)
	}
	checkAgainstDoc(t, "GET", "/api/v1/openapi.json", 200, body)
}
