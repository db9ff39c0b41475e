package workspace

import (
	"bytes"
	"context"
	"html/template"
	"os"
	"testing"

	"andon/internal/domain"
	"andon/internal/testutil"
	"andon/internal/web"
)

// The andon panel partial renders with real data, so the ticket page can
// include it.
func TestAndonPanelRenders(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	agent, err := db.CreateUser(ctx, domain.NewUser{Email: "ann@example.com", Name: "Ann Agent", Role: domain.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	ticket := func(n domain.NewTicket) *domain.Ticket {
		t.Helper()
		tk, err := db.CreateTicket(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	srv := &Handler{db: db}
	first := ticket(domain.NewTicket{Subject: "Wrong size", Body: "Shoes are the wrong size", Channel: domain.ChannelEmail,
		Requester: domain.Requester{Email: "fi@example.com", Name: "Fi"}})
	chase := ticket(domain.NewTicket{Subject: "Any news on the wrong size shoes?", Body: "Still waiting", Channel: domain.ChannelChat,
		Requester: domain.Requester{Email: "fi@example.com", Name: "Fi"}})
	by := domain.Actor{UserID: agent.ID, Name: agent.Name}
	if _, err := db.CreateProblem(ctx, domain.NewProblem{Title: "Shoes labelled with the wrong size", TicketIDs: []int64{first.ID}}, by); err != nil {
		t.Fatal(err)
	}
	chase, _ = db.Ticket(ctx, chase.ID)
	a, err := srv.andonPanel(ctx, chase)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../web/templates/_andon.html")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("").Funcs(web.Funcs(assets)).Parse(string(src)))
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "andon-panel", a); err != nil {
		t.Fatal(err)
	}
	mustContain(t, buf.String(), "Looks like failure demand", "chasing open ticket "+first.Ref(), "Shoes labelled with the wrong size", "Pull the andon")
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !bytes.Contains([]byte(body), []byte(w)) {
			t.Errorf("page lacks %q", w)
		}
	}
}
