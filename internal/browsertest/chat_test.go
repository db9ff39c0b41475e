package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
)

// sitePage is a customer's own website (another origin) embedding the widget.
func sitePage(t *testing.T, andonURL string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>
<body><h1>Welcome to the shop</h1><script src="%s/widget.js" async></script></body></html>`, andonURL)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// w is a JS expression for an element inside the widget's shadow root.
func w(sel string) string {
	return `document.getElementById('andon-chat').shadowRoot.querySelector(` + quote(sel) + `)`
}

// TestChatWidgetWithAgent: a visitor on a plain page (widget from node A)
// chats with an agent in the workspace (node B on PostgreSQL): messages both
// ways, typing both ways, read receipt, a file, at desktop and phone widths.
func TestChatWidgetWithAgent(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	agent := newTab(t, e.b().url, 0)
	agent.login("maria@example.com")
	agent.waitFor("the chat toggle", `document.getElementById('chat-status')`)
	agent.do(chromedp.Click(chromedp.ID("chat-status")))
	agent.waitFor("available", `document.getElementById('chat-status').getAttribute('aria-pressed') === 'true'`)
	agent.live()

	for _, width := range []int{0, 390} { // desktop, then a phone
		func() {
			agent.open("/")
			agent.live()
			site := sitePage(t, e.a().url)
			v := newTab(t, site, width)
			v.open("/")
			v.waitFor("the launcher", w(".launch"))
			v.do(chromedp.Evaluate[chromedp.Void](w(".launch") + `.click()`))
			v.waitFor("the start form", w("form input[name=email]"))
			if width != 0 {
				// Full screen on a phone.
				v.waitFor("a full-screen panel", w(".panel")+`.getBoundingClientRect().width === window.innerWidth`)
			}
			name := "Vera " + strconv.Itoa(width)
			question := "My parcel " + strconv.Itoa(width) + " is late <b>again</b>"
			v.do(chromedp.Evaluate[chromedp.Void](`(() => {
				const r = ` + w("form") + `;
				r.querySelector('input[name=name]').value = ` + quote(name) + `;
				r.querySelector('textarea').value = ` + quote(question) + `;
				r.querySelector('button[type=submit]').click();
			})()`))
			v.waitFor("the question in the chat", w(".log .m.v .b")+` && `+w(".log .m.v .b")+`.textContent === `+quote(question))
			v.waitFor("the message stored", w(".log .m.v .meta")+`.textContent === ''`)

			// The chat appears in the agent's inbox live, with an alert.
			agent.waitFor("the chat alert", `document.querySelector('.chat-alert')`)
			agent.waitFor("the chat in the inbox", `[...document.querySelectorAll('#inbox .ticket-row')].some(r => r.textContent.includes(`+quote("My parcel "+strconv.Itoa(width))+`))`)
			href := js[string](agent, `document.querySelector('.chat-alert').getAttribute('href')`)
			js[chromedp.Void](agent, `document.querySelectorAll('.chat-alert').forEach(a => a.remove())`)
			agent.open(href)
			agent.waitFor("the question on the ticket", `[...document.querySelectorAll('#timeline .entry[data-kind=message]')].some(x => x.textContent.includes(`+quote(question)+`))`)
			agent.live()

			// Visitor typing shows on the ticket page.
			v.do(chromedp.Evaluate[chromedp.Void](`(() => { const i = ` + w(".bar textarea") + `; i.value = 'hm'; i.dispatchEvent(new Event('input')); })()`))
			agent.waitFor("the visitor typing", `document.getElementById('presence') && document.getElementById('presence').textContent.includes(`+quote(name)+`)`)

			// Agent typing shows in the widget; the reply arrives with name and initials.
			agent.do(chromedp.Click(chromedp.ID("tab-reply")), chromedp.SendKeys(chromedp.ID("reply-body"), "Let me check that for you."))
			v.waitFor("the agent typing", w(".typing")+`.textContent.includes('Maria Lopez is typing')`)
			agent.do(chromedp.Click(chromedp.ID("reply-submit")))
			v.waitFor("the reply", w(".log .m.a .b")+` && `+w(".log .m.a .b")+`.textContent === 'Let me check that for you.'`)
			if got := js[string](v, w(".log .m.a .av")+`.textContent`); got != "ML" {
				t.Errorf("agent avatar shows %q, want ML", got)
			}
			// The agent has the chat open: the visitor sees "Seen".
			v.waitFor("seen", w(".log .m.v .meta")+`.textContent === 'Seen'`)
			// The visitor read the reply: the agent sees it.
			agent.waitFor("seen by the visitor", `document.getElementById('chat-seen')`)

			// Visitor → agent, live; then a file.
			v.do(chromedp.Evaluate[chromedp.Void](`(() => { const i = ` + w(".bar textarea") + `; i.value = 'Thanks!'; ` + w(".bar .go") + `.click(); })()`))
			agent.waitFor("the visitor's message", `[...document.querySelectorAll('#timeline .entry[data-kind=message]')].some(x => x.textContent.includes('Thanks!'))`)
			v.do(chromedp.Evaluate[chromedp.Void](`(() => {
				const f = ` + w("input[type=file]") + `;
				const dt = new DataTransfer();
				dt.items.add(new File(['order 1042 receipt'], 'receipt.txt', { type: 'text/plain' }));
				f.files = dt.files;
				f.dispatchEvent(new Event('change'));
			})()`))
			v.waitFor("the file in the widget", w(".log .f")+` && `+w(".log .f")+`.textContent.includes('receipt.txt')`)
			agent.waitFor("the file on the ticket", `document.querySelector('#timeline a.chat-file') && document.querySelector('#timeline a.chat-file').textContent.includes('receipt.txt')`)
			js[chromedp.Void](agent, `void fetch(document.querySelector('#timeline a.chat-file').href).then(r => r.text()).then(x => { window.__download = x; })`)
			agent.waitFor("the file's content", `(window.__download || '').includes('order 1042 receipt')`)
		}()
	}
}
