package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"andon/internal/mail/ingest"
)

// nestedMIME builds depth nested multipart/mixed levels around one text
// part; closed adds every closing boundary, else none is closed (the
// shape that costs enmime 2^depth).
func nestedMIME(from, msgID string, depth int, closed bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nSubject: nested %d\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n", from, depth, msgID)
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nhello from level %d\r\n", depth-1, depth)
	if closed {
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
	}
	return []byte(b.String())
}

func TestNestedMultipartsAreBounded(t *testing.T) {
	g, db := newIngester(t)
	ctx := context.Background()
	for _, depth := range []int{10, 11, 17, 26, 30, 100, 1000} {
		for _, closed := range []bool{true, false} {
			raw := nestedMIME("n@example.com", fmt.Sprintf("<nest-%d-%v@example.com>", depth, closed), depth, closed)
			start := time.Now()
			res, err := g.Ingest(ctx, ingest.Input{Raw: raw, Source: ingest.SourceAPI})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if took > ingest.DefaultLimits().Timeout {
				t.Errorf("depth %d closed=%v took %v", depth, closed, took)
			}
			over := depth > ingest.DefaultLimits().MaxDepth || (!closed && depth > ingest.DefaultLimits().MaxUnclosed)
			if !over {
				if res.TicketID == 0 {
					t.Fatalf("depth %d closed=%v: not stored: %+v", depth, closed, res)
				}
				e, err := db.Entry(ctx, res.EntryID)
				if err != nil || !strings.Contains(e.Body, fmt.Sprintf("hello from level %d", depth)) {
					t.Fatalf("depth %d closed=%v: body %q %v", depth, closed, e.Body, err)
				}
				continue
			}
			if res.FailedID == 0 {
				t.Fatalf("depth %d closed=%v: over the limit but not in failed mail: %+v", depth, closed, res)
			}
			f, err := db.FailedMail(ctx, res.FailedID)
			if err != nil {
				t.Fatal(err)
			}
			if string(f.Raw) != string(raw) || !strings.Contains(f.Error, "over a parsing limit") {
				t.Fatalf("depth %d closed=%v: failed row %q, raw kept %v", depth, closed, f.Error, string(f.Raw) == string(raw))
			}
		}
	}
}

func TestParseLimits(t *testing.T) {
	big := "From: a@example.com\r\nX-Pad: " + strings.Repeat("x", 300<<10) + "\r\n\r\nhi\r\n"
	if _, err := ingest.Parse([]byte(big)); err == nil || !strings.Contains(err.Error(), "header block") {
		t.Fatalf("huge header: %v", err)
	}
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for i := 0; i < 1200; i++ {
		b.WriteString("--x\r\nContent-Type: text/plain\r\n\r\np\r\n")
	}
	b.WriteString("--x--\r\n")
	if _, err := ingest.Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "MIME parts") {
		t.Fatalf("many parts: %v", err)
	}
	lim := ingest.DefaultLimits()
	lim.MaxParts = 2000
	lim.Timeout = 2 * time.Minute // this case is about the part count, not time (-race on a loaded machine is slow)
	if _, err := ingest.ParseLimited([]byte(b.String()), lim); err != nil {
		t.Fatalf("raised part limit: %v", err)
	}
	// The wall-time limit answers the caller even when the parse is slow:
	// 16 open levels cost enmime about 200 ms.
	lim = ingest.DefaultLimits()
	lim.MaxUnclosed, lim.Timeout, lim.TimeoutPerMB = 100, 20*time.Millisecond, time.Nanosecond
	start := time.Now()
	_, err := ingest.ParseLimited(nestedMIME("a@example.com", "<t@example.com>", 16, false), lim)
	if err == nil || !strings.Contains(err.Error(), "longer than 20ms") || time.Since(start) > 10*time.Second {
		t.Fatalf("timeout: %v after %v", err, time.Since(start))
	}
}

// enmime takes a boundary anywhere in a preamble line as the first
// delimiter; the pre-scan must see that nesting too.
func TestPreambleDelimitersCountAsNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: sly\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "junk --b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	b.WriteString("junk --b39\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	if s := ingest.Scan([]byte(b.String())); s.Depth < 40 || s.Unclosed < 40 {
		t.Fatalf("scan = %+v, want depth and unclosed 40", s)
	}
	start := time.Now()
	if _, err := ingest.Parse([]byte(b.String())); err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("sly nesting: %v after %v", err, time.Since(start))
	}
}

// FuzzParse hunts for shapes that pass the pre-scan but still cost the
// parser much time (no database: thousands of inputs a second).
func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir("testdata/corpus")
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join("testdata", "corpus", e.Name()))
		f.Add(b)
	}
	for _, d := range []int{5, 10, 11, 30} {
		f.Add(nestedMIME("f@example.com", "<fz@example.com>", d, false))
		f.Add(nestedMIME("f@example.com", "<fz@example.com>", d, true))
	}
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\njunk --b0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\njunk --b1\r\n\r\nx\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		_, _ = ingest.Parse(raw)
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("parse took %v (scan %+v)", took, ingest.Scan(raw))
		}
	})
}
