package browsertest

import (
	"testing"

	"andon/internal/domain"
)

// TestPhoneTopBar: at 375 px an admin (the most nav links) sees every nav
// link and the top-bar actions at once, none under another, without having
// to scroll the nav sideways; on the search page the box gets its own row.
func TestPhoneTopBar(t *testing.T) {
	e := newEnv(t)
	e.agent("ada@example.com", "Ada Admin", domain.RoleAdmin)
	b := newTab(t, e.a().url, 375)
	b.login("ada@example.com")
	for _, p := range []string{"/", "/search"} {
		b.open(p)
		b.waitFor("the top bar", `document.getElementById('nav-reports')`)
		// No element scrolls: reachable() would scroll the nav and hide the bug.
		res := js[string](b, `(() => {
			const nav = document.querySelector('.mainnav');
			if (nav.scrollWidth > nav.clientWidth + 1) return 'the nav overflows by ' + (nav.scrollWidth - nav.clientWidth) + 'px';
			const items = [...document.querySelectorAll('#topbar .mainnav a, #topbar .btn-new, #topbar .brand, #topbar .topsearch, #topbar #user-menu summary')]
				.filter(el => el.getBoundingClientRect().width > 0);
			const vw = document.documentElement.clientWidth;
			for (const el of items) {
				const r = el.getBoundingClientRect();
				if (r.left < 0 || r.right > vw + 1) return (el.id || el.className) + ' sticks out of the screen';
				const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				if (!hit || !(el === hit || el.contains(hit))) return (el.id || el.className) + ' is covered by ' + (hit ? hit.tagName + '#' + hit.id + '.' + hit.className : 'nothing');
				for (const o of items) {
					if (o === el || o.contains(el) || el.contains(o)) continue;
					const q = o.getBoundingClientRect();
					if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) return (el.id || el.className) + ' overlaps ' + (o.id || o.className);
				}
			}
			return 'ok';
		})()`)
		if res != "ok" {
			t.Errorf("%s: %s", p, res)
		}
		b.noHorizontalScroll(p)
	}
}
