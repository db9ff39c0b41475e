package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
)

// TestAgentPullsTheAndon: from a customer's ticket an agent pulls the andon
// (opens a problem), links the two other tickets the problem page suggests,
// adds a countermeasure, puts it in place and notifies the customers; each
// of the three tickets then shows the notice in its timeline.
func TestAgentPullsTheAndon(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	t1 := e.ticket(domain.ChannelEmail, "Kettle switch snapped", "The on/off switch of my new kettle snapped after two days.", "ann@example.com", "Ann Smith")
	t2 := e.ticket(domain.ChannelChat, "Switch snapped on my kettle", "My kettle switch snapped off, it is only a week old.", "bob@example.com", "Bob Jones")
	t3 := e.ticket(domain.ChannelPortal, "Broken kettle switch", "The kettle power switch is broken, it snapped.", "cy@example.com", "Cy Young")
	e.ticket(domain.ChannelEmail, "Invoice address", "Please change the address on my invoice.", "dee@example.com", "Dee Dee")

	b := newTab(t, e.a().url, 0)
	b.login("maria@example.com")
	b.open(ticketPath(t1.ID))
	b.waitFor("the andon panel", `document.getElementById('andon-panel') && document.getElementById('pull-andon-button')`)

	// Pull the andon: the form opens with the ticket's subject as title.
	b.do(chromedp.Click(chromedp.ID("pull-andon-button")))
	b.waitFor("the problem form", `document.getElementById('andon-title-input').offsetParent !== null`)
	js[chromedp.Void](b, `document.getElementById('andon-title-input').value = ''`)
	b.do(
		chromedp.SendKeys(chromedp.ID("andon-title-input"), "Kettle switches snap"),
		chromedp.SendKeys(chromedp.CSS(`#pull-andon-form textarea[name=description]`), "On/off switches of the new kettle snap within days."),
		chromedp.Click(chromedp.ID("open-problem")),
	)
	b.waitFor("the new problem", `/^\/problems\/\d+$/.test(location.pathname) && document.getElementById('linked-`+id(t1.ID)+`')`)
	if got := b.text("#flash"); !strings.Contains(got, "Andon pulled") {
		t.Errorf("flash after pulling the andon: %q", got)
	}
	problemPath := js[string](b, `location.pathname`)

	// Link the two other tickets from the suggestions.
	for _, tk := range []*domain.Ticket{t2, t3} {
		sel := "#suggested-" + id(tk.ID)
		b.waitFor("the suggestion of "+tk.Ref(), `document.querySelector(`+quote(sel)+`)`)
		b.do(chromedp.Click(chromedp.CSS(sel + " button")))
		b.waitFor(tk.Ref()+" linked", `document.getElementById('linked-`+id(tk.ID)+`')`)
	}
	if got := b.text("#ticket-suggestions"); strings.Contains(got, "Invoice address") {
		t.Errorf("an unrelated ticket is suggested: %q", got)
	}

	// A colleague watching the problem (on the other node, on PostgreSQL)
	// sees it change without reloading.
	e.agent("lee@example.com", "Lee Chan", domain.RoleAgent)
	watcher := newTab(t, e.b().url, 0)
	watcher.login("lee@example.com")
	watcher.open(problemPath)
	watcher.live()
	watcher.mark()

	// A countermeasure, then in place.
	b.do(
		chromedp.SendKeys(chromedp.ID("cm-what"), "Supplier restores the old switch mould"),
		chromedp.Click(chromedp.CSS(`#countermeasure-form button[type=submit]`)),
	)
	b.waitFor("the countermeasure", `document.querySelector('#cm-list .cm') && document.getElementById('cm-list').innerText.includes('old switch mould')`)
	b.choose(`#cm-list form[action^="/countermeasures/"] select[name=status]`, "in_place")
	b.do(chromedp.Click(chromedp.CSS(`#cm-list form[action^="/countermeasures/"] button`)))
	b.waitFor("the problem in place", `document.getElementById('problem-status').innerText.toLowerCase().includes('in place')`)

	watcher.waitFor("the live status change", `document.getElementById('problem-status').innerText.toLowerCase().includes('in place')`)
	watcher.waitFor("the live countermeasure", `document.getElementById('cm-list').innerText.includes('old switch mould')`)
	watcher.assertNotReloaded()

	// Notify every customer.
	b.do(chromedp.Click(chromedp.ID("notify-button")))
	// The outcome (who was reached, on which channel, who was not) is shown
	// on the problem page the notify form answers with.
	b.waitFor("the notify outcome", `(document.getElementById('notify-summary') || {innerText: ''}).innerText.includes('3 customer(s) notified')`)
	if got := js[string](b, `location.pathname`); !strings.HasPrefix(got, problemPath) {
		t.Errorf("after notifying: at %s, want the problem page %s", got, problemPath)
	}

	// Each ticket shows the notice, on its own channel, in its timeline.
	for _, tk := range []*domain.Ticket{t1, t2, t3} {
		b.open(ticketPath(tk.ID))
		b.waitFor("the notice on "+tk.Ref(), entryWith("message", "Supplier restores the old switch mould"))
		ch := js[string](b, `Array.from(document.querySelectorAll('#timeline .entry[data-kind="message"]')).filter(e => e.innerText.includes('old switch mould')).map(e => e.dataset.channel + '/' + e.dataset.direction).join()`)
		if ch != string(tk.Channel)+"/outbound" {
			t.Errorf("%s notice is %q, want %s/outbound", tk.Ref(), ch, tk.Channel)
		}
		if got := b.text("#andon-problem"); !strings.Contains(got, "Kettle switches snap") {
			t.Errorf("%s andon panel shows %q", tk.Ref(), got)
		}
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }
