package ingest_test

import (
	"context"
	"fmt"
	"testing"

	"andon/internal/domain"
)

func TestFailedMailPagesWithSubjects(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	var ids []int64
	for i := range 5 {
		// No From: unparseable, kept in the failed list.
		raw := fmt.Sprintf("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_%d?=\r\n\tfolded\r\nTo: support@acme.test\r\n\r\nbody %d\r\n", i, i)
		res := mustIngest(t, g, []byte(raw))
		if res.FailedID == 0 {
			t.Fatalf("%d not failed: %+v", i, res)
		}
		ids = append(ids, res.FailedID)
	}
	if n, err := db.CountFailedMail(ctx); err != nil || n != 5 {
		t.Fatalf("count = %d %v", n, err)
	}
	var seen []int64
	before := int64(0)
	for {
		page, err := db.FailedMailPage(ctx, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, f := range page {
			seen = append(seen, f.ID)
			i := len(ids) - len(seen)
			if want := fmt.Sprintf("Grüße %d folded", i); f.Subject != want || f.Size == 0 || f.Raw != nil {
				t.Errorf("row %d: subject %q size %d raw %v, want %q", f.ID, f.Subject, f.Size, f.Raw != nil, want)
			}
		}
		before = page[len(page)-1].ID
	}
	if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
		t.Fatalf("pages = %v, want %v newest first", seen, ids)
	}
	if _, err := g.Retry(ctx, ids[0]); err == nil {
		t.Fatal("retry of mail without sender succeeded")
	}
	if f, err := db.FailedMail(ctx, ids[0]); err != nil || f.Subject != "Grüße 0 folded" {
		t.Fatalf("one row: %+v %v", f, err)
	}
	if got := domain.RawSubject([]byte("From: a@b.c\r\n\r\nSubject: not a header\r\n")); got != "" {
		t.Errorf("subject from the body: %q", got)
	}
}
