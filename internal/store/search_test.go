package store_test

import (
	"context"
	"strings"
	"testing"

	"andon/internal/testutil"
)

// A subject match outranks a body-only match, one hit per ticket, and a long
// body is cut to a window around the matched word, with the word marked.
func TestSearchSubjectFirstAndBodyWindow(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	long := strings.Repeat("lorem ipsum dolor sit amet ", 40) + "the espresso grinder was delivered broken " + strings.Repeat("consectetur adipiscing elit ", 40)
	body := newTicket(t, db, "Question about my order", long, "a@example.com")
	subj := newTicket(t, db, "Grinder delivered broken", "See subject.", "b@example.com")
	newTicket(t, db, "Unrelated", "Nothing to see", "c@example.com")
	hits, err := db.Search(ctx, "grinder deliver", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Ticket.ID != subj.ID || hits[0].Field != "subject" || hits[1].Ticket.ID != body.ID {
		t.Fatalf("hits %+v", hits)
	}
	if !strings.Contains(hits[0].Snippet, "<mark>Grinder</mark>") {
		t.Fatalf("subject snippet %q", hits[0].Snippet)
	}
	s := hits[1].Snippet
	if !strings.Contains(s, "<mark>grinder</mark>") || !strings.Contains(strings.ToLower(s), "<mark>delivered</mark>") || len(s) > 400 {
		t.Fatalf("body snippet %q", s)
	}
	if hits[1].Ticket.Subject != "Question about my order" {
		t.Fatalf("ticket not loaded: %+v", hits[1].Ticket)
	}
}
