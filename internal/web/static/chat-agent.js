// Live chat in the agent workspace: the Available/Away toggle in the top
// bar, an alert (sound + toast + title) when a new chat starts, and on a
// chat ticket page read receipts both ways. Replies use the normal composer;
// the visitor's typing shows through the presence line (live.js).
(() => {
  'use strict';
  const body = document.body;
  if (!window.EventSource || !window.fetch || !body || !body.dataset.csrf) return; // signed-in pages only
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || body.dataset.csrf;
  const match = location.pathname.match(/^\/tickets\/(\d+)\/?$/);
  const ticketId = match ? Number(match[1]) : 0;
  const post = (url, data) => fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
    body: JSON.stringify(data),
  });

  // ---- Availability ----------------------------------------------------------
  const bar = document.getElementById('topbar');
  let status = 'away', beat = 0;
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.id = 'chat-status';
  toggle.className = 'btn btn-sm chat-status';
  function show() {
    const on = status === 'available';
    const narrow = window.matchMedia && window.matchMedia('(max-width: 640px)').matches; // the top bar is tight on phones
    toggle.textContent = (on ? '●' : '○') + (narrow ? '' : on ? ' Available' : ' Away');
    toggle.title = on ? 'Available for chat (click to go away)' : 'Away from chat (click to be available)';
    toggle.setAttribute('aria-label', on ? 'Chat: available' : 'Chat: away');
    toggle.setAttribute('aria-pressed', status === 'available' ? 'true' : 'false');
    toggle.style.color = status === 'available' ? '#15803d' : '';
  }
  function set(s) {
    return post('/chat/status', { status: s }).then((r) => r.ok && r.json()).then((j) => {
      if (!j) return;
      status = j.status;
      show();
      clearInterval(beat);
      // "available" expires on the server unless repeated: a closed tab turns away.
      if (status === 'available') beat = setInterval(() => post('/chat/status', { status: 'available' }), 60000);
    }).catch(() => {});
  }
  if (bar) {
    show();
    const menu = document.getElementById('user-menu');
    bar.insertBefore(toggle, menu || null);
    toggle.addEventListener('click', () => set(status === 'available' ? 'away' : 'available'));
    fetch('/chat/status', { credentials: 'same-origin' }).then((r) => r.ok && r.json()).then((j) => {
      if (j && j.status === 'available') set('available'); else { status = 'away'; show(); }
    }).catch(() => {});
  }

  // ---- New chat alert ------------------------------------------------------------
  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.15, ctx.currentTime);
      g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
      o.connect(g); g.connect(ctx.destination);
      o.start(); o.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio before a user gesture: the toast still shows */ }
  }
  let unseen = 0;
  const title = document.title;
  function alertChat(id) {
    beep();
    unseen++;
    document.title = '(' + unseen + ') New chat · ' + title;
    const t = document.createElement('a');
    t.className = 'flash chat-alert';
    t.setAttribute('role', 'alert');
    t.href = '/tickets/' + id;
    t.textContent = 'New chat #' + id + ' — open';
    t.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:1000;display:block;text-decoration:none';
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 15000);
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { unseen = 0; document.title = title; }
  });

  // ---- Read receipts on a chat ticket page -----------------------------------------
  let isChat = false, visitorRead = 0, readSent = 0;
  function lastID(sel) {
    let top = 0;
    document.querySelectorAll('#timeline ' + sel).forEach((e) => {
      const n = Number((e.id || '').replace('entry-', ''));
      if (n > top) top = n;
    });
    return top;
  }
  function markRead() {
    if (!isChat || document.visibilityState !== 'visible') return;
    const top = lastID('.entry[data-kind="message"][data-direction="inbound"]');
    if (top > readSent) { readSent = top; post('/chat/tickets/' + ticketId + '/read', { entry_id: top }).catch(() => {}); }
  }
  function showSeen() {
    if (!isChat) return;
    let seen = null;
    document.querySelectorAll('#timeline .entry[data-kind="message"][data-direction="outbound"]').forEach((e) => {
      if (Number(e.id.replace('entry-', '')) <= visitorRead) seen = e;
    });
    (window.__chatFiles || []).forEach((f) => {
      const entry = document.getElementById('entry-' + f.entry_id);
      if (!entry || entry.querySelector('[data-chat-file="' + f.id + '"]')) return;
      const a = document.createElement('a');
      a.className = 'chat-file';
      a.dataset.chatFile = f.id;
      a.href = '/chat/files/' + f.id;
      a.textContent = '📎 ' + f.filename;
      entry.appendChild(a);
    });
    const old = document.getElementById('chat-seen');
    if (old && seen && old.parentNode === seen) return; // unchanged: do not touch the DOM (the observer would loop)
    if (old) old.remove();
    if (seen) {
      const s = document.createElement('div');
      s.className = 'chat-seen muted';
      s.id = 'chat-seen';
      s.textContent = 'Seen by the visitor';
      seen.appendChild(s);
    }
  }
  let observing = false;
  // loadState reads the chat's receipts and files; called on load, whenever
  // the stream (re)connects (events may have been missed) and on new entries.
  function loadState() {
    return fetch('/chat/tickets/' + ticketId, { credentials: 'same-origin' }).then((r) => r.ok && r.json()).then((j) => {
      if (!j || !j.chat) return;
      isChat = true;
      visitorRead = Math.max(visitorRead, j.visitor_read);
      window.__chatFiles = j.files || [];
      body.classList.add('chat-ticket');
      showSeen();
      markRead();
      const tl = document.getElementById('timeline');
      if (tl && !observing) {
        observing = true;
        // live.js swaps the timeline in place; redo our marks when it does.
        new MutationObserver(() => { showSeen(); markRead(); }).observe(tl.parentNode, { childList: true, subtree: true });
      }
    }).catch(() => {});
  }
  if (ticketId) {
    loadState();
    document.addEventListener('visibilitychange', markRead);
  }

  // ---- Stream ---------------------------------------------------------------------------
  const es = new EventSource('/chat/events');
  es.addEventListener('open', () => { if (ticketId) loadState(); });
  es.addEventListener('chat', (e) => {
    const c = JSON.parse(e.data);
    if (c.kind === 'chat.started') alertChat(c.ticket_id);
    if (c.ticket_id !== ticketId) return;
    if (c.kind === 'chat.read' && c.by === 'visitor') { visitorRead = Math.max(visitorRead, c.entry_id); showSeen(); }
    if (c.kind === 'entry.created' && isChat) loadState();
  });
  window.addEventListener('pagehide', () => es.close());
})();
