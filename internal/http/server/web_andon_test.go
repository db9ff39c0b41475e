package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
)

// The ticket page carries the andon panel: the failure-demand hint, demand
// classified in one click (failure with its reason, or value, which drops
// the reason), and attaching the ticket to an open problem.
func TestWebTicketAndonPanel(t *testing.T) {
	e := newWSEnv(t)
	ctx := context.Background()
	e.login("ann@example.com")
	stage, err := e.db.CreateStage(ctx, store.StageInput{Name: pp("Logistics")})
	if err != nil {
		t.Fatal(err)
	}
	late, err := e.db.CreateFailureReason(ctx, store.FailureReasonInput{Name: pp("Late delivery"), StageID: &stage.ID})
	if err != nil {
		t.Fatal(err)
	}
	first := e.ticket(domain.NewTicket{Subject: "Parcel late", Body: "My parcel has not arrived.", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "jo@example.com", Name: "Jo"}})
	chase := e.ticket(domain.NewTicket{Subject: "Still no parcel", Body: "Any news on my parcel?", Channel: domain.ChannelChat,
		Requester: domain.Requester{Email: "jo@example.com", Name: "Jo"}})
	by := domain.Actor{UserID: e.agent.ID, Name: e.agent.Name}
	p, err := e.db.CreateProblem(ctx, domain.NewProblem{Title: "Depot backlog delays parcels", TicketIDs: []int64{first.ID}}, by)
	if err != nil {
		t.Fatal(err)
	}
	page := "/tickets/" + strconv.FormatInt(chase.ID, 10)
	code, body := e.get(page)
	if code != 200 {
		t.Fatalf("ticket page: %d", code)
	}
	mustContain(t, body, `id="andon-panel"`, "Looks like failure demand", "chasing open ticket "+first.Ref(),
		`id="demand-failure"`, "Logistics: Late delivery", `id="attach-problem"`, p.Ref()+" Depot backlog delays parcels", "Pull the andon")

	// One click: failure demand with its reason.
	_, body = e.post(page+"/classify", url.Values{"demand_type": {"failure"}, "failure_reason_id": {strconv.FormatInt(late.ID, 10)}})
	mustContain(t, body, "Ticket classified.", `aria-pressed="true" title="Caused by our failure`)
	tk, _ := e.db.Ticket(ctx, chase.ID)
	if tk.DemandType != domain.DemandFailure || tk.FailureReasonID == nil || *tk.FailureReasonID != late.ID {
		t.Fatalf("classified %+v", tk)
	}
	// The value button posts the reason select too; value demand drops it.
	_, body = e.post(page+"/classify", url.Values{"demand_type": {"value"}, "failure_reason_id": {strconv.FormatInt(late.ID, 10)}})
	mustContain(t, body, "Ticket classified.")
	if tk, _ = e.db.Ticket(ctx, chase.ID); tk.DemandType != domain.DemandValue || tk.FailureReasonID != nil {
		t.Fatalf("value demand %+v", tk)
	}

	// Attach to the open problem.
	_, body = e.post("/problems", url.Values{"ticket_id": {strconv.FormatInt(chase.ID, 10)}, "problem_id": {strconv.FormatInt(p.ID, 10)}})
	mustContain(t, body, "Ticket linked to the problem.", `id="andon-problem"`, p.Ref()+" Depot backlog delays parcels")
	if strings.Contains(body, `id="pull-andon"`) {
		t.Fatal("a linked ticket still offers to pull the andon")
	}
}

// Once a countermeasure is in place, one click turns the solution into a
// knowledge-base draft and opens it in the editor.
func TestWebProblemToArticle(t *testing.T) {
	e := newWSEnv(t)
	ctx := context.Background()
	e.login("ann@example.com")
	tk := e.ticket(domain.NewTicket{Subject: "App crashes on login", Body: "The app closes when I sign in.", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "kim@example.com", Name: "Kim"}})
	by := domain.Actor{UserID: e.agent.ID, Name: e.agent.Name}
	p, err := e.db.CreateProblem(ctx, domain.NewProblem{Title: "App crashes at sign-in", Description: "The Android app closes right after signing in.",
		TicketIDs: []int64{tk.ID}}, by)
	if err != nil {
		t.Fatal(err)
	}
	path := "/problems/" + strconv.FormatInt(p.ID, 10)
	rc := "Release 4.2 shipped with a broken token cache."
	if _, err := e.db.UpdateProblem(ctx, p.ID, domain.ProblemUpdate{RootCause: &rc}, by); err != nil {
		t.Fatal(err)
	}
	cm, err := e.db.AddCountermeasure(ctx, p.ID, domain.NewCountermeasure{What: "Release 4.2.1 fixes the cache; update from the store"}, by)
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.get(path)
	if strings.Contains(body, `id="to-article"`) {
		t.Fatal("article button before a countermeasure is in place")
	}
	_, body = e.post(path+"/to-article", nil)
	mustContain(t, body, "Not saved", "none in place yet")

	inPlace := domain.CMInPlace
	if _, err := e.db.UpdateCountermeasure(ctx, cm.ID, domain.CountermeasureUpdate{Status: &inPlace}, by); err != nil {
		t.Fatal(err)
	}
	_, body = e.get(path)
	mustContain(t, body, `id="to-article"`)
	resp, body := e.post(path+"/to-article", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/kb/articles/") || !strings.HasSuffix(resp.Request.URL.Path, "/edit") {
		t.Fatalf("to article: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, body, "Draft article created", "App crashes at sign-in")
	id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(resp.Request.URL.Path, "/kb/articles/"), "/edit"), 10, 64)
	a, err := e.db.Article(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != domain.ArticleDraft || a.Title != "App crashes at sign-in" || !strings.Contains(a.Body, rc) ||
		!strings.Contains(a.Body, "Release 4.2.1 fixes the cache") || !strings.Contains(a.Body, "closes right after signing in") {
		t.Fatalf("draft article %+v", a)
	}
}

// An admin invites an upstream collaborator, who lands on the problem board.
func TestWebInviteCollaborator(t *testing.T) {
	e := newAdminEnv(t)
	admin := e.signedIn("boss@example.com")
	_, body := admin.get("/settings/agents")
	wantContains(t, "agents page", body, `<option value="collaborator"`)
	res, body := admin.post("/settings/agents/invite", url.Values{"email": {"eng@supplier.example"}, "name": {"Eve Engineer"}, "role": {"collaborator"}})
	wantStatus(t, "invite collaborator", res, http.StatusOK)
	wantContains(t, "invite collaborator", body, "Invitation created", "Collaborator</span>")
	token := inviteToken(t, body)
	guest := e.browser()
	guest.get("/invite/" + token)
	res, body = guest.post("/invite/"+token, url.Values{"name": {"Eve"}, "password": {testPassword}, "password2": {testPassword}})
	wantStatus(t, "accept", res, http.StatusOK)
	if res.Request.URL.Path != "/problems" {
		t.Fatalf("collaborator lands on %s, want the problem board", res.Request.URL.Path)
	}
	if strings.Contains(body, `id="nav-inbox"`) {
		t.Fatal("collaborator sees the inbox link")
	}
	u, _, err := e.db.UserByEmail(context.Background(), "eng@supplier.example")
	if err != nil || u.Role != domain.RoleCollaborator {
		t.Fatalf("invited account %+v %v", u, err)
	}
	// And an agent can be made a collaborator.
	res, body = admin.post("/settings/agents/"+strconv.FormatInt(e.agent.ID, 10)+"/role", url.Values{"role": {"collaborator"}})
	wantStatus(t, "role", res, http.StatusOK)
	wantContains(t, "role", body, "Alan Agent is now a collaborator.")
}

func pp[T any](v T) *T { return &v }
