package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
)

// widgetCall is an HTTP call authenticated as the widget does it.
func (v *chatVisitor) widgetCall(method, path, body string) (int, map[string]any) {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.base+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Visitor-Id", v.id)
	req.Header.Set("X-Visitor-Token", v.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return res.StatusCode, out
}

func TestChatSurveyInWidget(t *testing.T) {
	db, _, base := newLiveServer(t)
	ctx := context.Background()
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)
	v := newChatVisitor(t, base, "Cleo", "cleo@example.com")
	v.connect(0)
	_, ticket := v.say("c1", "My order is late")
	tq := "/widget/survey?ticket=" + strconv.FormatInt(ticket, 10)
	// Not before the chat is solved or ended.
	if code, _ := v.widgetCall("GET", tq, ""); code != http.StatusConflict {
		t.Fatalf("survey of an open chat: %d", code)
	}
	solved := domain.StatusSolved
	if _, err := db.UpdateTicket(ctx, ticket, domain.TicketUpdate{Status: &solved}, domain.Actor{UserID: agent.user.ID}); err != nil {
		t.Fatal(err)
	}
	if f := v.wait("survey"); int64(f["ticket"].(float64)) != ticket {
		t.Fatalf("survey frame: %v", f)
	}
	code, q := v.widgetCall("GET", tq, "")
	if code != 200 || q["due"] != true || q["csat_question"] == "" || q["ces_question"] == "" {
		t.Fatalf("survey questions: %d %v", code, q)
	}
	// Another visitor can neither see nor answer this chat's survey.
	other := newChatVisitor(t, base, "Eve", "")
	if code, _ := other.widgetCall("POST", "/widget/survey", `{"ticket":`+strconv.FormatInt(ticket, 10)+`,"csat":1,"ces":1}`); code != http.StatusNotFound {
		t.Fatalf("other visitor answered: %d", code)
	}
	if code, out := v.widgetCall("POST", "/widget/survey", `{"ticket":`+strconv.FormatInt(ticket, 10)+`,"csat":9}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("csat 9: %d %v", code, out)
	}
	code, out := v.widgetCall("POST", "/widget/survey", `{"ticket":`+strconv.FormatInt(ticket, 10)+`,"csat":4,"ces":6,"comment":"quick, thanks"}`)
	if code != 200 || out["due"] != false {
		t.Fatalf("answer: %d %v", code, out)
	}
	if code, _ := v.widgetCall("POST", "/widget/survey", `{"ticket":`+strconv.FormatInt(ticket, 10)+`,"csat":1}`); code != http.StatusConflict {
		t.Fatalf("second answer accepted: %d", code)
	}
	// The answers are on the ticket's timeline.
	tk, err := db.TicketWithTimeline(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, e := range tk.Timeline {
		if e.Kind == domain.EntryEvent && e.Event != nil && e.Event.Field == "survey" {
			found[e.Event.To] = true
			if e.Event.To == "CSAT 4/5" && e.Body != "quick, thanks" {
				t.Fatalf("comment: %q", e.Body)
			}
		}
	}
	if !found["CSAT 4/5"] || !found["CES 6/7"] {
		t.Fatalf("survey not on the timeline: %v", found)
	}
}

// A visitor who ends the chat is asked too, before any agent solves it.
func TestChatSurveyAfterVisitorEnds(t *testing.T) {
	db, _, base := newLiveServer(t)
	agent := newLiveAgent(t, db, base, "ann@example.com", "Ann Agent")
	setAvailable(t, agent)
	v := newChatVisitor(t, base, "", "")
	v.connect(0)
	_, ticket := v.say("c1", "Never mind")
	v.send(map[string]any{"t": "end"})
	v.wait("ended")
	code, out := v.widgetCall("POST", "/widget/survey", `{"ticket":`+strconv.FormatInt(ticket, 10)+`,"ces":7}`)
	if code != 200 || out["due"] != true {
		t.Fatalf("answer after end: %d %v", code, out)
	}
	if a, err := db.SurveyAnswers(context.Background(), ticket); err != nil || a["ces"] != 7 || len(a) != 1 {
		t.Fatalf("stored %v %v", a, err)
	}
}

func TestPortalSurveyOnSolvedTicket(t *testing.T) {
	e := newPortalEnv(t)
	ctx := context.Background()
	tk, err := e.db.CreateTicket(ctx, domain.NewTicket{Subject: "Broken kettle", Body: "It leaks", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "kim@example.com", Name: "Kim"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signInCustomer("kim@example.com")
	page := "/help/tickets/" + strconv.FormatInt(tk.ID, 10)
	res, body := b.get(page)
	mustStatus(t, res, body, 200)
	if strings.Contains(body, `id="portal-survey"`) {
		t.Fatal("survey offered on an open ticket")
	}
	solved := domain.StatusSolved
	if _, err := e.db.UpdateTicket(ctx, tk.ID, domain.TicketUpdate{Status: &solved}, domain.Actor{UserID: e.agent.ID}); err != nil {
		t.Fatal(err)
	}
	res, body = b.get(page)
	mustStatus(t, res, body, 200)
	m := regexp.MustCompile(`action="(/survey/[^"]+)"`).FindStringSubmatch(body)
	if !strings.Contains(body, `id="portal-survey"`) || m == nil || !strings.Contains(body, `name="ces"`) {
		t.Fatalf("no survey on the solved ticket: %s", body)
	}
	res, body = b.post(m[1], url.Values{"csat": {"5"}, "ces": {"2"}, "comment": {"took three emails"}})
	mustStatus(t, res, body, 200)
	if !strings.Contains(body, `id="survey-done"`) {
		t.Fatalf("not recorded: %s", body)
	}
	res, body = b.get(page)
	mustStatus(t, res, body, 200)
	if strings.Contains(body, `id="portal-survey"`) {
		t.Fatal("survey offered again after answering")
	}
	full, err := e.db.TicketWithTimeline(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range full.Timeline {
		if en.Event != nil && en.Event.Field == "survey" && (en.Event.To == "CSAT 5/5" || en.Event.To == "CES 2/7") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("survey answers on the timeline: %d", n)
	}
}
