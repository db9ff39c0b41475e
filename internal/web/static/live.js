// Live updates for the agent workspace. One Server-Sent Events stream
// (/events) says *that* something changed (kinds and ids only); the page then
// fetches its own URL and swaps in the regions that changed, so the server
// stays the only place that renders HTML.
//
//   Inbox (#inbox):      the list is replaced; selected/checked rows survive;
//                        new rows get the class live-new. #views recounts.
//   Ticket (#timeline):  new .entry elements are appended (live-new);
//                        #ticket-head, #customer-panel and any [data-live]
//                        region are replaced unless the agent is working in
//                        them; #props fields take the saved values in place.
//   Problem (/problems/ID): its [data-live] regions on "problem.updated".
//   Collision warning:   the ticket page posts presence (viewing/replying)
//                        every 10 s; colleagues' presence shows in #presence.
// After each update the document gets an "andon:live-updated" event.
(() => {
  'use strict';
  const body = document.body;
  if (!window.EventSource || !window.fetch || !body || !body.dataset.csrf) return; // signed-in pages only

  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || body.dataset.csrf;
  const match = location.pathname.match(/^\/tickets\/(\d+)\/?$/);
  const ticketId = match ? match[1] : '';
  const problemPage = /^\/problems\/\d+\/?$/.test(location.pathname); // its [data-live] regions refresh
  const $ = (id) => document.getElementById(id);
  const root = document.documentElement;

  // ---- Refreshing regions -------------------------------------------------

  let timer = 0, busy = false, again = false;
  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay === undefined ? 200 : delay);
  };

  async function refresh() {
    if (busy) { again = true; return; }
    if (!livePage()) return;
    busy = true;
    try {
      const res = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'andon-live' } });
      if (res.ok) apply(new DOMParser().parseFromString(await res.text(), 'text/html'));
    } catch (e) {
      // Offline for a moment: the stream reconnects and resyncs.
    } finally {
      busy = false;
      if (again) { again = false; schedule(); }
    }
  }

  const keyOf = (el) => el.id || el.dataset.id || el.dataset.ticketId || (el.querySelector('a[href]') || {}).href || '';

  const listOf = (d) => d.getElementById('inbox') || d.getElementById('inbox-empty');
  const livePage = () => !!(listOf(document) || $('timeline') || problemPage);

  function apply(doc) {
    const list = listOf(document), freshList = listOf(doc);
    if (list && freshList) {
      if (list.id === 'inbox' && freshList.id === 'inbox') swapInbox(list, freshList);
      else list.replaceWith(document.importNode(freshList, true)); // empty ⇄ non-empty
    }
    const tl = $('timeline'), freshTl = doc.getElementById('timeline');
    if (tl && freshTl) mergeTimeline(tl, freshTl);
    const ids = ['views', 'ticket-head', 'customer-panel'];
    document.querySelectorAll('[data-live][id]').forEach((el) => ids.push(el.id));
    ids.forEach((id) => replaceRegion($(id), doc.getElementById(id)));
    syncForm($('props'), doc.getElementById('props'));
    root.dataset.liveUpdated = String(Date.now());
    document.dispatchEvent(new CustomEvent('andon:live-updated'));
  }

  // swapInbox replaces the list, keeping what the agent selected, checked
  // and focused, and marks rows that are new.
  function swapInbox(inbox, fresh) {
    const before = new Set(), selected = new Set(), checked = new Set();
    inbox.querySelectorAll('.ticket-row').forEach((row) => {
      const k = keyOf(row);
      before.add(k);
      if (row.classList.contains('selected') || row.classList.contains('is-selected') || row.getAttribute('aria-selected') === 'true') selected.add(k);
    });
    inbox.querySelectorAll('input[type=checkbox]:checked').forEach((c) => checked.add(c.name + '=' + c.value));
    const focused = inbox.contains(document.activeElement) ? document.activeElement.closest('.ticket-row') : null;
    const focusKey = focused ? keyOf(focused) : '';
    const scroll = inbox.scrollTop;

    inbox.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
    for (const a of fresh.getAttributeNames()) inbox.setAttribute(a, fresh.getAttribute(a));

    let restored = null;
    inbox.querySelectorAll('input[type=checkbox]').forEach((c) => {
      if (checked.has(c.name + '=' + c.value)) { c.checked = true; restored = c; }
    });
    if (restored) restored.dispatchEvent(new Event('change', { bubbles: true })); // bulk bar recounts
    inbox.querySelectorAll('.ticket-row').forEach((row) => {
      const k = keyOf(row);
      if (!before.has(k)) row.classList.add('live-new');
      if (selected.has(k)) {
        row.classList.add('selected');
        if (row.hasAttribute('aria-selected')) row.setAttribute('aria-selected', 'true');
      }
      if (focusKey && k === focusKey) (row.querySelector('a[href]') || row).focus({ preventScroll: true });
    });
    inbox.scrollTop = scroll;
  }

  // mergeTimeline appends entries this page has not shown yet, in the order
  // the server renders them. Entries need an id (or data-id).
  function mergeTimeline(tl, fresh) {
    const have = new Map(Array.from(tl.querySelectorAll('.entry'), (el) => [keyOf(el), el]));
    const entries = Array.from(fresh.querySelectorAll('.entry'));
    if (entries.some((e) => !keyOf(e))) { // no ids to merge by: replace the lot
      tl.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
      return;
    }
    let prev = null;
    for (const e of entries) {
      let cur = have.get(keyOf(e));
      if (cur && cur.outerHTML !== e.outerHTML && !cur.contains(document.activeElement)) {
        const next = document.importNode(e, true); // e.g. a delivery state changed
        cur.replaceWith(next);
        cur = next;
      } else if (!cur) {
        cur = document.importNode(e, true);
        cur.classList.add('live-new');
        if (prev) prev.after(cur);
        else if (e.parentNode === fresh) tl.prepend(cur);
        else { // nested (e.g. day groups): put it where the server did, or at the end
          const group = e.parentNode.id ? $(e.parentNode.id) : null;
          (group || tl).append(cur);
        }
      }
      prev = cur;
    }
  }

  // replaceRegion swaps a region unless the agent is working in it.
  function replaceRegion(cur, fresh) {
    if (!cur || !fresh) return;
    if (cur.contains(document.activeElement) && document.activeElement !== body) return;
    if (cur.querySelector('details[open]')) return;
    cur.replaceWith(document.importNode(fresh, true));
  }

  // syncForm updates a form's fields in place (keeping its listeners) to the
  // server's values, skipping fields the agent has focused or changed.
  function syncForm(form, fresh) {
    if (!form || !fresh) return;
    for (const el of form.elements) {
      if (!el.name || el.type === 'hidden' || el === document.activeElement) continue;
      const f = fresh.elements.namedItem(el.name);
      if (!f || f instanceof RadioNodeList) continue;
      if (el.tagName === 'SELECT') {
        const saved = Array.from(el.options).find((o) => o.defaultSelected) || el.options[0];
        if (saved && el.value !== saved.value) continue; // changed, not saved yet
        const want = Array.from(f.options).find((o) => o.defaultSelected) || f.options[0];
        if (!want) continue;
        if (!Array.from(el.options).some((o) => o.value === want.value)) el.replaceChildren(...Array.from(f.options, (o) => document.importNode(o, true)));
        for (const o of el.options) o.defaultSelected = o.value === want.value;
        el.value = want.value;
      } else if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT') {
        if (el.type === 'checkbox' || el.type === 'radio') {
          if (el.checked === el.defaultChecked) el.checked = el.defaultChecked = f.defaultChecked;
        } else if (el.value === el.defaultValue) {
          el.value = el.defaultValue = f.defaultValue;
        }
      }
    }
  }

  // ---- Presence (collision warning) ----------------------------------------

  const others = new Map(); // user id → {name, state, until}
  let me = 0, ttl = 30;

  function presenceBox() {
    let box = $('presence');
    if (!box) {
      const anchor = $('timeline') || $('composer');
      if (!anchor) return null;
      box = document.createElement('div');
      box.id = 'presence';
      box.className = 'presence';
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      anchor.parentNode.insertBefore(box, anchor);
    }
    return box;
  }

  function renderPresence() {
    const box = presenceBox();
    if (!box) return;
    const now = Date.now();
    for (const [id, p] of others) if (p.until <= now) others.delete(id);
    const list = Array.from(others.values()).sort((a, b) => (a.state === b.state ? a.name.localeCompare(b.name) : a.state === 'replying' ? -1 : 1));
    box.textContent = list.map((p) => p.name + (p.state === 'replying' ? ' is replying…' : ' is viewing')).join(' · ');
    box.hidden = list.length === 0;
    box.classList.toggle('presence-replying', list.some((p) => p.state === 'replying'));
  }

  function onPresence(p) {
    if (String(p.ticket_id) !== ticketId || p.user_id === me) return;
    if (p.state === 'left') others.delete(p.user_id);
    else others.set(p.user_id, { name: p.name || 'Someone', state: p.state, until: Date.now() + ttl * 1000 });
    renderPresence();
  }

  let myState = '', lastTyped = 0, lastSent = 0;
  function post(state, keepalive) {
    lastSent = Date.now();
    myState = state;
    return fetch('/tickets/' + ticketId + '/presence', {
      method: 'POST', credentials: 'same-origin', keepalive: !!keepalive,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify({ state: state }),
    }).catch(() => {});
  }

  function tick() {
    if (document.visibilityState !== 'visible') return; // a hidden tab lets its presence expire
    const state = Date.now() - lastTyped < 12000 ? 'replying' : 'viewing';
    if (state !== myState || Date.now() - lastSent >= 10000) post(state);
  }

  if (ticketId) {
    document.addEventListener('input', (e) => {
      if (e.target && e.target.id === 'reply-body') {
        lastTyped = Date.now();
        if (myState !== 'replying') tick();
      }
    });
    document.addEventListener('visibilitychange', tick);
    window.addEventListener('pagehide', () => post('left', true));
    setInterval(tick, 2000);
    setInterval(renderPresence, 5000);
    tick();
  }

  // ---- The stream -----------------------------------------------------------

  let opened = false;
  // since: changes made while this page was being built are replayed.
  const q = new URLSearchParams();
  if (ticketId) q.set('ticket', ticketId);
  if (body.dataset.liveSince) q.set('since', body.dataset.liveSince);
  const es = new EventSource('/events' + (q.toString() ? '?' + q : ''));
  es.addEventListener('open', () => {
    if (opened) schedule(0); // reconnected: we may have missed changes
    opened = true;
  });
  es.addEventListener('hello', (e) => {
    const d = JSON.parse(e.data);
    me = d.user_id;
    ttl = d.presence_ttl || ttl;
    root.dataset.live = 'connected';
  });
  es.addEventListener('error', () => { root.dataset.live = 'reconnecting'; });
  es.addEventListener('resync', () => schedule(0));
  es.addEventListener('presence', (e) => onPresence(JSON.parse(e.data)));
  es.addEventListener('change', (e) => {
    const c = JSON.parse(e.data);
    if (listOf(document) && /^(ticket|entry)\./.test(c.kind)) schedule(300);
    else if (ticketId && String(c.ticket_id) === ticketId) schedule(100);
    else if (problemPage && c.kind === 'problem.updated') schedule(300); // ids are not sent: refetch on any
  });
  window.addEventListener('pagehide', () => es.close());
  window.addEventListener('pageshow', (e) => { if (e.persisted) location.reload(); }); // back from bfcache: stream is gone
})();
