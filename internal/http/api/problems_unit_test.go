package api

import (
	"andon/internal/http/httpx"
	"net/http/httptest"
	"strings"
	"testing"

	"andon/internal/domain"
)

// ticketClassIn embedded in a PATCH body reads top-level fields and keeps
// absent, null and a value apart.
func TestTicketClassInDecoding(t *testing.T) {
	type patch struct {
		Subject optional[string] `json:"subject"`
		ticketClassIn
	}
	read := func(body string) (domain.TicketClassification, error) {
		var in patch
		r := httptest.NewRequest("PATCH", "/api/v1/tickets/1", strings.NewReader(body))
		if err := httpx.DecodeJSON(httptest.NewRecorder(), r, &in); err != nil {
			return domain.TicketClassification{}, err
		}
		return in.classification()
	}
	c, err := read(`{"demand_type":"failure","failure_reason_id":3,"problem_id":null}`)
	if err != nil || *c.DemandType != domain.DemandFailure || *c.FailureReasonID != 3 || c.ProblemID == nil || *c.ProblemID != 0 {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = read(`{"subject":"x"}`)
	if err != nil || !c.Empty() {
		t.Fatalf("absent fields must keep: %+v %v", c, err)
	}
	if _, err := read(`{"problem_id":-1}`); domain.ErrorFields(err)["problem_id"] == "" {
		t.Fatalf("negative id: %v", err)
	}
	if _, err := read(`{"problem":1}`); domain.ErrorCode(err) != domain.EBadRequest {
		t.Fatalf("unknown field: %v", err)
	}
}
