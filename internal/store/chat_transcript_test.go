package store_test

import (
	"context"
	"strings"
	"testing"

	"andon/internal/domain"
	"andon/internal/settings"
	"andon/internal/testutil"
)

// The transcript a visitor mails themselves names the installation as the
// admin branded it, and "Andon" (the shared default) before that.
func TestChatTranscriptNamesTheBrand(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	v, err := db.CreateChatVisitor(ctx, "v_transcript", "hash", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.PostChatMessage(ctx, v, domain.NewChatMessage{ClientID: "c1", Body: "Is my order shipped?", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	tid := p.Message.TicketID
	transcript := func() string {
		t.Helper()
		if err := db.EnqueueChatTranscript(ctx, v.ID, tid, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		out, err := db.Outbox(ctx, tid, 10)
		if err != nil || len(out) == 0 {
			t.Fatalf("outbox: %v, %v", out, err)
		}
		return out[0].Body
	}
	if body := transcript(); !strings.HasPrefix(body, "Your chat with "+domain.DefaultBrandName+" (") || !strings.Contains(body, "Is my order shipped?") {
		t.Errorf("unbranded transcript: %q", body)
	}
	if err := db.SetSettings(ctx, map[string]string{settings.BrandName: "Acme Help"}); err != nil {
		t.Fatal(err)
	}
	if body := transcript(); !strings.HasPrefix(body, "Your chat with Acme Help (") {
		t.Errorf("branded transcript: %q", body)
	}
}
