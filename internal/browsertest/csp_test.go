package browsertest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// consoleWatch collects what a tab's console reports about the page's
// security policies: a Content-Security-Policy violation ("Refused to
// execute inline script ...") or a malformed Permissions-Policy. Pages run
// under the real policy, so anything inline that slipped into a template
// or script fails the test that opened the page.
type consoleWatch struct {
	mu   sync.Mutex
	seen []string
}

// policyMessage reports whether a console text is a security-policy report.
func policyMessage(s string) bool {
	return strings.Contains(s, "Refused to") || strings.Contains(s, "Content Security Policy") ||
		strings.Contains(s, "Content-Security-Policy") || strings.Contains(s, "Permissions-Policy")
}

// listen is a chromedp listener: it runs on the tab's reading goroutine, so
// it only records.
func (c *consoleWatch) listen(ev any) {
	var text string
	switch ev := ev.(type) {
	case *log.EventEntryAdded:
		if ev.Entry == nil {
			return
		}
		if ev.Entry.Source != log.EntrySourceSecurity && !policyMessage(ev.Entry.Text) {
			return
		}
		text = ev.Entry.Text + " (" + ev.Entry.URL + ")"
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a != nil && len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else if a != nil {
				parts = append(parts, a.Description)
			}
		}
		if text = strings.Join(parts, " "); !policyMessage(text) {
			return
		}
	default:
		return
	}
	c.mu.Lock()
	c.seen = append(c.seen, text)
	c.mu.Unlock()
}

func (c *consoleWatch) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// check fails t for every policy report the tab's console received.
func (c *consoleWatch) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.seen {
		t.Errorf("browser console reported a security-policy violation: %s", s)
	}
}

// TestConsoleWatchCatchesCSPViolations proves the watch is not blind: an
// inline script injected into one of Andon's pages is refused by the CSP,
// and the console report is caught.
func TestConsoleWatchCatchesCSPViolations(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e.a().url, 0)
	b.open("/login")
	js[bool](b, `(() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.head.appendChild(s); return true })()`)
	for i := 0; i < 50 && b.watch.count() == 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if js[bool](b, `window.__inline === 1`) {
		t.Fatal("an inline script ran on an Andon page: no CSP")
	}
	if b.watch.count() == 0 {
		t.Fatal("the console watch saw no report of the refused inline script")
	}
	b.watch.mu.Lock()
	b.watch.seen = nil // expected here; must not fail the test at cleanup
	b.watch.mu.Unlock()
}
