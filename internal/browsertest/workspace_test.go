package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"andon/internal/domain"
	"andon/internal/testutil"
)

// TestAgentHandlesTicket walks one ticket from the inbox to solved: open it,
// reply, add a note, log a call, change the status, and see each step in the
// timeline.
func TestAgentHandlesTicket(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	tk := e.ticket(domain.ChannelEmail, "Order 1042 arrived broken", "The mug was in pieces when I opened the box.", "ann@example.com", "Ann Smith")

	b := newTab(t, e.a().url, 0)
	b.login("maria@example.com")
	row := "#ticket-" + strconv.FormatInt(tk.ID, 10)
	b.waitFor("the ticket in the inbox", `document.querySelector('#inbox .ticket-row`+row+`')`)
	if got := b.text(row); !strings.Contains(got, "Order 1042 arrived broken") || !strings.Contains(got, "Ann Smith") {
		t.Fatalf("inbox row shows %q", got)
	}

	b.do(chromedp.Click(chromedp.CSS(row + " a.row-link")))
	b.waitFor("the ticket page", `location.pathname === `+quote(ticketPath(tk.ID))+` && document.getElementById('timeline')`)
	b.waitFor("the customer's message", entryWith("message", "The mug was in pieces"))
	if got := b.text("#customer-panel"); !strings.Contains(got, "ann@example.com") {
		t.Errorf("customer panel shows %q", got)
	}

	// Reply to the customer.
	b.do(
		chromedp.Click(chromedp.ID("tab-reply")),
		chromedp.SendKeys(chromedp.ID("reply-body"), "Sorry about that! A new mug is on its way."),
		chromedp.Click(chromedp.ID("reply-submit")),
	)
	b.waitFor("the reply in the timeline", entryWith("message", "A new mug is on its way"))

	// Internal note.
	b.do(
		chromedp.Click(chromedp.ID("tab-note")),
		chromedp.SendKeys(chromedp.ID("note-body"), "Courier damaged two parcels this week."),
		chromedp.Click(chromedp.ID("note-submit")),
	)
	b.waitFor("the note in the timeline", entryWith("note", "Courier damaged two parcels"))

	// Phone call.
	b.do(
		chromedp.Click(chromedp.ID("tab-call")),
		chromedp.Click(chromedp.ID("call-outbound")),
		chromedp.SendKeys(chromedp.ID("call-duration"), "4"),
		chromedp.SendKeys(chromedp.ID("call-body"), "Called Ann to confirm the address."),
		chromedp.Click(chromedp.ID("call-submit")),
	)
	b.waitFor("the call in the timeline", entryWith("call", "confirm the address"))
	if got := b.text(`#timeline .entry[data-kind="call"]`); !strings.Contains(got, "Outbound") || !strings.Contains(got, "4 min") {
		t.Errorf("call entry shows %q", got)
	}

	// Status.
	b.choose("#prop-status", "solved")
	if js[bool](b, `document.getElementById('props-save').offsetParent !== null`) {
		b.do(chromedp.Click(chromedp.ID("props-save"))) // without auto-save, the button saves
	}
	b.waitFor("the status change in the timeline", entryWith("event", "Solved"))
	b.waitFor("the solved badge", `document.querySelector('#ticket-head').innerText.includes('Solved')`)

	// Every step is in order in the one timeline.
	kinds := js[[]string](b, `Array.from(document.querySelectorAll('#timeline .entry')).map(e => e.dataset.kind)`)
	want := []string{"message", "message", "note", "call"}
	got := []string{}
	for _, k := range kinds {
		if k != "event" {
			got = append(got, k)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("timeline kinds %v, want %v (plus events)", kinds, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("timeline kinds %v, want %v (plus events)", kinds, want)
		}
	}
}

// TestLiveUpdatesBetweenAgents: two agents in separate browser sessions (on
// PostgreSQL, on two different nodes) see each other's work without
// reloading, and see who else is on a ticket.
func TestLiveUpdatesBetweenAgents(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	e.agent("bob@example.com", "Bob Chen", domain.RoleAgent)
	first := e.ticket(domain.ChannelEmail, "Invoice question", "Why was I charged twice?", "carl@example.com", "Carl")

	maria := newTab(t, e.a().url, 0)
	bob := newTab(t, e.b().url, 0)
	maria.login("maria@example.com")
	bob.login("bob@example.com")
	bob.live()
	bob.mark()
	firstBox := `#ticket-` + strconv.FormatInt(first.ID, 10) + ` input[name="id"]`
	bob.do(chromedp.Click(chromedp.CSS(firstBox))) // picked for a bulk action

	// A new ticket appears in Bob's inbox by itself; his pick survives.
	tk := e.ticket(domain.ChannelPhone, "Cannot log in", "Password reset mail never arrives", "+44 20 7946 0000", "Dana")
	bob.waitFor("the new ticket in the inbox", `document.querySelector('#inbox #ticket-`+strconv.FormatInt(tk.ID, 10)+`')`)
	bob.assertNotReloaded()
	if !js[bool](bob, `document.querySelector(`+quote(firstBox)+`).checked`) {
		t.Fatal("the live update unchecked the ticket picked for a bulk action")
	}
	if got := bob.text("#sel-count"); !strings.Contains(got, "1 selected") {
		t.Errorf("bulk bar says %q after the update, want 1 selected", got)
	}
	if got := bob.text("#inbox #ticket-" + strconv.FormatInt(tk.ID, 10)); !strings.Contains(got, "Cannot log in") {
		t.Fatalf("new row shows %q", got)
	}

	// Both open the first ticket; each sees the other is viewing.
	bob.open(ticketPath(first.ID))
	bob.live()
	bob.mark()
	maria.open(ticketPath(first.ID))
	maria.live()
	bob.waitFor("Maria viewing", `document.getElementById('presence') && document.getElementById('presence').innerText.includes('Maria Lopez is viewing')`)
	maria.waitFor("Bob viewing", `document.getElementById('presence') && document.getElementById('presence').innerText.includes('Bob Chen is viewing')`)

	// Maria types a reply: Bob is warned she is replying.
	maria.do(chromedp.SendKeys(chromedp.ID("reply-body"), "Hi Carl, I have refunded the second charge."))
	bob.waitFor("Maria replying", `document.getElementById('presence').innerText.includes('Maria Lopez is replying')`)

	// Her reply lands in Bob's open timeline without a reload.
	maria.do(chromedp.Click(chromedp.ID("reply-submit")))
	maria.waitFor("the reply in Maria's timeline", entryWith("message", "refunded the second charge"))
	bob.waitFor("the reply in Bob's timeline", entryWith("message", "refunded the second charge"))
	// The reply moved the ticket to pending: Bob's properties follow.
	bob.waitFor("status pending in Bob's properties", `document.getElementById('prop-status').value === 'pending'`)
	bob.assertNotReloaded()

	// Bob's half-typed note survives the live update.
	bob.do(chromedp.Click(chromedp.ID("tab-note")), chromedp.SendKeys(chromedp.ID("note-body"), "Check the other invoice"))
	if _, err := e.a().db.AddEntry(t.Context(), domain.NewEntry{TicketID: first.ID, Kind: domain.EntryMessage, Direction: domain.Inbound,
		Body: "Thanks, that was quick!", Actor: domain.Actor{ContactID: first.RequesterID, Name: "Carl"}}); err != nil {
		t.Fatal(err)
	}
	bob.waitFor("the customer's answer", entryWith("message", "that was quick"))
	if got := js[string](bob, `document.getElementById('note-body').value`); got != "Check the other invoice" {
		t.Fatalf("live update lost the note being typed: %q", got)
	}
	bob.assertNotReloaded()

	// Bob leaves the ticket: Maria's warning goes away.
	bob.open("/")
	maria.waitFor("Bob's presence gone", `document.getElementById('presence').hidden`)
}

// TestPhoneWidth: at 375 px the inbox and the ticket page do not scroll
// sideways and every action can be reached; a note can be added by tapping.
func TestPhoneWidth(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	tk := e.ticket(domain.ChannelEmail, "A rather long subject line that must wrap or truncate on a small phone screen without overflow",
		"Hello, my order number is 1234567890123456789012345678901234567890 and it has not arrived.", "a.very.long.address.for.testing@example-customer-domain.com", "Alexandra Montgomery-Smythe")
	e.ticket(domain.ChannelChat, "Chat about sizes", "Do you have it in XL?", "xl@example.com", "Sam")

	b := newTab(t, e.a().url, 375)
	b.login("maria@example.com")
	b.waitFor("rows", `document.querySelectorAll('#inbox .ticket-row').length === 2`)
	b.noHorizontalScroll("inbox")
	b.reachable("#ticket-" + strconv.FormatInt(tk.ID, 10) + " a.row-link")
	b.reachable("#nav-search") // the search box folds into a link on phones

	b.open(ticketPath(tk.ID))
	b.waitFor("the ticket page", `document.getElementById('timeline')`)
	b.noHorizontalScroll("ticket page")
	for _, sel := range []string{"#tab-reply", "#reply-body", "#reply-submit", "#tab-note", "#tab-call", "#prop-status", "#prop-assignee"} {
		b.reachable(sel)
	}
	b.do(chromedp.Tap(chromedp.ID("tab-note")))
	b.reachable("#note-body")
	b.reachable("#note-submit")
	b.do(chromedp.Tap(chromedp.ID("tab-call")))
	b.reachable("#call-submit")
	b.do(chromedp.Tap(chromedp.ID("tab-note")), chromedp.SendKeys(chromedp.ID("note-body"), "Added from my phone"))
	b.do(chromedp.Tap(chromedp.ID("note-submit")))
	b.waitFor("the note in the timeline", entryWith("note", "Added from my phone"))
	b.noHorizontalScroll("ticket page after a note")
}

// TestLiveResyncAfterLinkDrops: on PostgreSQL, when node B loses its LISTEN
// connection, changes made on node A meanwhile still reach B's pages (B
// reconnects and tells them to resync).
func TestLiveResyncAfterLinkDrops(t *testing.T) {
	if testutil.PostgresURL() == "" {
		t.Skip("needs PostgreSQL: two nodes linked by LISTEN/NOTIFY")
	}
	e := newEnv(t)
	e.agent("bob@example.com", "Bob Chen", domain.RoleAgent)
	bob := newTab(t, e.b().url, 0)
	bob.login("bob@example.com")
	bob.live()
	bob.mark()

	var n int
	err := e.b().db.Writer().QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, "andon-events-"+e.b().bus.NodeID()).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d listeners: %v", n, err)
	}
	tk := e.ticket(domain.ChannelEmail, "Sent while node B was deaf", "Hello?", "deaf@example.com", "Eve")
	bob.waitFor("the ticket after the resync", `document.querySelector('#inbox #ticket-`+strconv.FormatInt(tk.ID, 10)+`')`)
	bob.assertNotReloaded()
}

// TestKeyboardSelectionAfterLiveUpdate: j/k carry on from the selected row
// after a live update has moved it (a new ticket arrived above it).
func TestKeyboardSelectionAfterLiveUpdate(t *testing.T) {
	e := newEnv(t)
	e.agent("maria@example.com", "Maria Lopez", domain.RoleAgent)
	for _, s := range []string{"Oldest", "Middle", "Newest"} {
		e.ticket(domain.ChannelEmail, s+" ticket", "Hello", strings.ToLower(s)+"@example.com", s)
	}
	b := newTab(t, e.a().url, 0)
	b.login("maria@example.com")
	b.waitFor("three rows", `document.querySelectorAll('#inbox .ticket-row').length === 3`)
	b.live()
	b.mark()
	selected := `(() => { const rs = Array.from(document.querySelectorAll('#inbox .ticket-row'));
		const i = rs.findIndex(r => r.classList.contains('selected'));
		return i < 0 ? '' : i + ':' + rs[i].dataset.id; })()`
	b.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
	before := js[string](b, selected)
	if !strings.HasPrefix(before, "1:") {
		t.Fatalf("after j j the selection is %q, want the second row", before)
	}
	id := strings.TrimPrefix(before, "1:")
	next := js[string](b, `document.querySelectorAll('#inbox .ticket-row')[2].dataset.id`)

	tk := e.ticket(domain.ChannelEmail, "Arrived meanwhile", "Hi", "late@example.com", "Late")
	b.waitFor("the new ticket", `document.querySelector('#inbox #ticket-`+strconv.FormatInt(tk.ID, 10)+`')`)
	b.assertNotReloaded()
	after := js[string](b, selected)
	if !strings.HasSuffix(after, ":"+id) || after == before {
		t.Fatalf("after the update the selection is %q, want ticket %s one row further down", after, id)
	}
	b.do(chromedp.KeyEvent("j"))
	if got := js[string](b, selected); !strings.HasSuffix(got, ":"+next) {
		t.Fatalf("j after the update selected %q, want the row below ticket %s (%s)", got, id, next)
	}
	b.do(chromedp.KeyEvent("k"))
	if got := js[string](b, selected); got != after {
		t.Fatalf("k went to %q, want back to %q", got, after)
	}
}
