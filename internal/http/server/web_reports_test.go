package server_test

import (
	. "andon/internal/http/server"
	"andon/internal/reports"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"andon/internal/auth"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// reportsEnv is a real server with an admin signed in on the workspace and
// holding an API token.
type reportsEnv struct {
	*wsEnv
	srv     *Server
	surveys *reports.Surveys
	token   string
}

func newReportsEnv(t *testing.T) *reportsEnv {
	t.Helper()
	db := testutil.OpenDB(t)
	surveys, err := reports.NewSurveys(db, "", "", "http://andon.test")
	if err != nil {
		t.Fatal(err)
	}
	srv, url := startServer(t, Deps{DB: db, Surveys: surveys})
	e := &reportsEnv{wsEnv: &wsEnv{t: t, db: db, url: url}, srv: srv, surveys: surveys}
	e.agent = e.user("lead@example.com", "Lea Lead", domain.RoleAdmin)
	e.client = e.newClient()
	e.login("lead@example.com")
	tok, err := auth.NewToken(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAPIToken(context.Background(), e.agent.ID, "test", auth.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	e.token = tok
	return e
}

func (e *reportsEnv) api(path string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		checkAgainstDoc(e.t, "GET", strings.SplitN(path, "?", 2)[0], resp.StatusCode, b)
	}
	return resp.StatusCode, b
}

// solvedTicket makes a ticket answered once and solved.
func (e *reportsEnv) solvedTicket(email string) *domain.Ticket {
	e.t.Helper()
	ctx := context.Background()
	tk := e.ticket(domain.NewTicket{Subject: "Refund", Body: "Please refund", Requester: domain.Requester{Email: email}, Channel: domain.ChannelEmail})
	if _, err := e.db.AddEntry(ctx, domain.NewEntry{TicketID: tk.ID, Kind: domain.EntryMessage, Direction: domain.Outbound, Body: "Done",
		Actor: domain.Actor{UserID: e.agent.ID}, Status: domain.StatusSolved}); err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func TestReportsDashboardAPIAndCSVAgree(t *testing.T) {
	e := newReportsEnv(t)
	e.solvedTicket("ann@c.test")
	e.solvedTicket("bob@c.test")
	e.ticket(domain.NewTicket{Subject: "Open", Body: "Still waiting", Requester: domain.Requester{Email: "ann@c.test"}, Channel: domain.ChannelChat})

	code, page := e.get("/reports")
	if code != 200 {
		t.Fatalf("GET /reports: %d %s", code, page)
	}
	mustContain(t, page, `id="nav-reports"`, `id="fig-tickets_solved" data-value="2"`, `id="fig-incoming" data-value="3"`,
		`<svg class="rep-chart" id="chart-load-channels"`, `<title>email: 2 tickets</title>`, `href="/reports/backlog.csv?`)

	code, body := e.api("/api/v1/reports/summary")
	if code != 200 {
		t.Fatalf("summary: %d %s", code, body)
	}
	var sum struct {
		Figures map[string]struct{ Value, Previous float64 } `json:"figures"`
	}
	if err := json.Unmarshal(body, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Figures["tickets_solved"].Value != 2 || sum.Figures["first_contact_resolution_pct"].Value != 100 || sum.Figures["tickets_per_customer"].Value != 1.5 {
		t.Errorf("summary figures %+v", sum.Figures)
	}
	// The CSV export holds exactly the API's figures.
	code, csvBody := e.get("/reports/summary.csv")
	if code != 200 {
		t.Fatalf("summary.csv: %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(sum.Figures) {
		t.Errorf("csv has %d figures, api %d", len(rows)-1, len(sum.Figures))
	}
	for _, r := range rows[1:] {
		f, ok := sum.Figures[r[0]]
		v, _ := strconv.ParseFloat(r[1], 64)
		p, _ := strconv.ParseFloat(r[2], 64)
		if !ok || f.Value != v || f.Previous != p {
			t.Errorf("csv %v, api %+v", r, f)
		}
	}
	// Each detailed report answers, with the filters.
	for _, s := range []string{"resolution", "effort", "failure-demand", "problems", "self-service", "satisfaction", "load"} {
		if code, b := e.api("/api/v1/reports/" + s + "?channel=chat"); code != 200 {
			t.Errorf("%s: %d %s", s, code, b)
		}
	}
	code, body = e.api("/api/v1/reports/load?channel=chat")
	var load struct {
		Current struct{ Incoming int } `json:"current"`
	}
	_ = json.Unmarshal(body, &load)
	if load.Current.Incoming != 1 {
		t.Errorf("chat incoming %d: %s", load.Current.Incoming, body)
	}
	if code, _ := e.api("/api/v1/reports/summary?from=2026-13-01"); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
		t.Errorf("bad date: %d", code)
	}
	if code, _ := e.get("/reports/nosuch.csv"); code != 404 {
		t.Errorf("unknown csv: %d", code)
	}
	// Agents do not see the reports.
	e.user("agent@example.com", "Al Agent", domain.RoleAgent)
	e.client = e.newClient()
	e.login("agent@example.com")
	if code, _ := e.get("/reports"); code != http.StatusForbidden {
		t.Errorf("agent GET /reports: %d", code)
	}
}

var hiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestSurveyLink: a score link from the email only opens the form with the
// score chosen (mail scanners follow links); the customer's POST records it,
// once.
func TestSurveyLink(t *testing.T) {
	e := newReportsEnv(t)
	ctx := context.Background()
	tk := e.solvedTicket("ann@c.test")
	token := e.surveys.Token(tk.ID)
	anon := e.newClient()
	get := func(path string) (int, string) {
		resp, body := e.do(anon, "GET", path, nil, nil)
		return resp.StatusCode, body
	}
	csatRows := func() int {
		rows, err := e.db.ReportSurveys(ctx, store.ReportFilter{From: tk.CreatedAt.Add(-1e12), To: tk.CreatedAt.Add(1e12)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows {
			if r.TicketID == tk.ID && r.Kind == "csat" {
				n++
			}
		}
		return n
	}

	var body string
	for range 2 { // a scanner and then the customer
		var code int
		code, body = get("/survey/" + token + "?csat=5")
		if code != 200 {
			t.Fatalf("survey link: %d %s", code, body)
		}
		mustContain(t, body, `id="survey-csat"`, `name="csat" value="5" checked`, `id="survey-ces"`)
		if strings.Contains(body, `id="survey-thanks"`) || strings.Contains(body, `value="4" checked`) {
			t.Error("a GET of the link claims to have recorded the score")
		}
	}
	if a, _ := e.db.SurveyAnswers(ctx, tk.ID); len(a) != 0 {
		t.Fatalf("GET of the survey link recorded %v", a)
	}
	if n := csatRows(); n != 0 {
		t.Fatalf("the report counts %d answers after GETs only", n)
	}
	m := hiddenCSRF.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on the survey page")
	}
	post := func(tok string, form url.Values) (int, string) {
		form.Set("csrf", m[1])
		resp, body := e.do(anon, "POST", "/survey/"+tok, form, nil)
		return resp.StatusCode, body
	}
	code, body := post(token, url.Values{"csat": {"5"}})
	if code != 200 {
		t.Fatalf("survey post: %d %s", code, body)
	}
	mustContain(t, body, `id="survey-thanks"`, `id="survey-ces"`)
	if strings.Contains(body, `id="survey-csat"`) {
		t.Error("the answered question is asked again")
	}
	// The answer is on the ticket's timeline.
	full, err := e.db.TicketWithTimeline(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := full.Timeline[len(full.Timeline)-1]
	if last.Kind != domain.EntryEvent || last.Event == nil || last.Event.Field != "survey" || last.Event.To != "CSAT 5/5" {
		t.Errorf("timeline ends with %+v %+v", last, last.Event)
	}
	// Single use: another post (or another score) does not change it.
	if code, _ := post(token, url.Values{"csat": {"1"}}); code != http.StatusConflict {
		t.Errorf("second post: %d", code)
	}
	if a, _ := e.db.SurveyAnswers(ctx, tk.ID); a["csat"] != 5 {
		t.Errorf("csat after second post %v", a)
	}
	if n := csatRows(); n != 1 {
		t.Errorf("the report counts %d satisfaction answers, want 1", n)
	}
	// Tamper-proof: another ticket id, a bad signature, garbage.
	parts := strings.Split(token, ".")
	other := e.solvedTicket("bob@c.test")
	for _, bad := range []string{strconv.FormatInt(other.ID, 10) + "." + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAAAA", "x"} {
		if code, _ := get("/survey/" + bad + "?csat=1"); code != http.StatusForbidden {
			t.Errorf("tampered %q: %d", bad, code)
		}
		if code, _ := post(bad, url.Values{"csat": {"1"}}); code != http.StatusForbidden {
			t.Errorf("post to tampered %q: %d", bad, code)
		}
	}
	if a, _ := e.db.SurveyAnswers(ctx, other.ID); len(a) != 0 {
		t.Errorf("a forged link recorded %v", a)
	}
	// Out of range scores are refused.
	if code, _ := post(e.surveys.Token(other.ID), url.Values{"csat": {"9"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("csat=9: %d", code)
	}
	// The follow-up form records effort and the comment.
	code, body = post(token, url.Values{"ces": {"6"}, "comment": {"Easy enough"}})
	if code != 200 || !strings.Contains(body, `id="survey-done"`) {
		t.Fatalf("survey form: %d %s", code, body)
	}
	rows, err := e.db.ReportSurveys(ctx, store.ReportFilter{From: tk.CreatedAt.Add(-1e12), To: tk.CreatedAt.Add(1e12)})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range rows {
		if r.TicketID == tk.ID && r.Kind == "ces" && r.Score == 6 && r.Comment == "Easy enough" {
			found = true
		}
	}
	if !found {
		t.Errorf("ces answer not stored: %+v", rows)
	}
}

func TestSurveyOfferedByEmail(t *testing.T) {
	e := newReportsEnv(t)
	ctx := context.Background()
	if _, err := e.db.EnsureDefaultMailbox(ctx, "help@andon.test", "Help"); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetSettings(ctx, map[string]string{"survey.subject": "Tell us"}); err != nil {
		t.Fatal(err)
	}
	tk := e.solvedTicket("ann@c.test")
	n, err := e.surveys.OfferDue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("offered %d, %v", n, err)
	}
	if n, _ := e.surveys.OfferDue(ctx); n != 0 {
		t.Errorf("offered again: %d", n)
	}
	out, err := e.db.Outbox(ctx, tk.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var mail *domain.OutboxMessage
	for _, o := range out {
		if strings.HasPrefix(o.Subject, "Tell us") {
			mail = o
		}
	}
	if mail == nil || len(mail.To) != 1 || mail.To[0] != "ann@c.test" {
		t.Fatalf("no survey mail to the requester: %+v", out)
	}
	link := regexp.MustCompile(`http://andon\.test(/survey/[^)]+\?csat=4)`).FindStringSubmatch(mail.Body)
	if link == nil {
		t.Fatalf("no csat=4 link in %s", mail.Body)
	}
	// The link opens the form with 4 chosen; sending it records the score.
	c := e.newClient()
	resp, body := e.do(c, "GET", link[1], nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="csat" value="4" checked`) {
		t.Fatalf("link from the email: %d %s", resp.StatusCode, body)
	}
	if a, _ := e.db.SurveyAnswers(ctx, tk.ID); len(a) != 0 {
		t.Fatalf("opening the link recorded %v", a)
	}
	m := hiddenCSRF.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on the survey page")
	}
	path, _, _ := strings.Cut(link[1], "?")
	if resp, _ := e.do(c, "POST", path, url.Values{"csrf": {m[1]}, "csat": {"4"}}, nil); resp.StatusCode != 200 {
		t.Fatalf("send the survey: %d", resp.StatusCode)
	}
	if a, _ := e.db.SurveyAnswers(ctx, tk.ID); a["csat"] != 4 {
		t.Errorf("answers %v", a)
	}
}

func TestSurveyTextsEditable(t *testing.T) {
	e := newReportsEnv(t)
	code, page := e.get("/settings/surveys")
	if code != 200 || !strings.Contains(page, `id="surveys-form"`) {
		t.Fatalf("GET /settings/surveys: %d", code)
	}
	resp, _ := e.post("/settings/surveys", url.Values{"subject": {"Did we fix it?"}, "ces_question": {"How easy  was it?"}})
	if resp.StatusCode != 200 {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	tk := e.solvedTicket("ann@c.test")
	resp, body := e.do(e.newClient(), "GET", "/survey/"+e.surveys.Token(tk.ID)+"?csat=4", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("survey: %d", resp.StatusCode)
	}
	mustContain(t, body, "Did we fix it?", "How easy was it?")
	resp, _ = e.post("/settings/surveys", url.Values{"subject": {strings.Repeat("x", 301)}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("too long: %d", resp.StatusCode)
	}
}
