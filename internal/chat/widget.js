/* Andon chat widget. Embed:
 *   <script src="https://HOST/widget.js" data-team="Support" async></script>
 * Plain JS, no dependencies, talks only to HOST. Every text is set with
 * textContent, so nothing a visitor or agent types is ever parsed as HTML.
 * Protocol: internal/chat/conn.go. */
(function () {
  'use strict';
  var me = document.currentScript || document.querySelector('script[src*="/widget.js"]');
  if (!me || window.__andonChat) return;
  window.__andonChat = true;
  var BASE = new URL(me.src, location.href).origin;
  var TEAM = me.getAttribute('data-team') || '';
  var KEY = 'andon-chat:' + BASE;
  var cfg = { name: 'Support', color: '#2563eb', online: false };
  var store = load();       // {visitor, token, name, email, outbox: [{cid, body}]}
  var msgs = [];            // rendered messages, by server id order
  var byID = {}, byCID = {};
  var last = 0, agentRead = 0, ticket = 0, ended = false, offline = false;
  var ws = null, backoff = 500, timer = 0, opened = false;

  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || { outbox: [] }; } catch (e) { return { outbox: [] }; } }
  function save() { try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* private mode: this page only */ } }
  function cid() { return 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }

  // ---- DOM helpers --------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function initials(name) {
    var p = String(name || '?').trim().split(/\s+/);
    return ((p[0] || '?').charAt(0) + (p.length > 1 ? p[p.length - 1].charAt(0) : '')).toUpperCase();
  }

  var host = el('div');
  host.id = 'andon-chat';
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  var style = el('style');
  root.appendChild(style);
  function paint() {
    var c = /^#[0-9a-f]{6}$/i.test(cfg.color) ? cfg.color : '#2563eb';
    style.textContent = ':host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}' +
      '.launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:' + c + ';color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;font-size:24px}' +
      '.launch .dot{position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#ef4444;display:none}.launch.unread .dot{display:block}' +
      '.panel{position:fixed;right:20px;bottom:88px;width:370px;height:560px;max-height:calc(100vh - 110px);background:#fff;color:#111;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;z-index:2147483001}' +
      '.panel[hidden]{display:none}' +
      '@media (max-width:520px){.panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0}}' +
      '.head{background:' + c + ';color:#fff;padding:12px 14px;display:flex;align-items:center;gap:10px}.head img{width:28px;height:28px;border-radius:6px;background:#fff;object-fit:contain}' +
      '.head .t{flex:1;min-width:0}.head b{display:block;font-weight:600}.head small{opacity:.85;font-size:12px}.head button{background:transparent;border:0;color:#fff;cursor:pointer;font-size:13px;padding:4px 6px;border-radius:6px}.head button:hover{background:rgba(255,255,255,.2)}' +
      '.note{background:#fef3c7;color:#78350f;padding:8px 12px;font-size:13px}.note[hidden]{display:none}' +
      '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f8fafc}' +
      '.m{display:flex;gap:8px;max-width:85%}.m.v{align-self:flex-end;flex-direction:row-reverse}' +
      '.av{flex:none;width:28px;height:28px;border-radius:50%;background:' + c + ';color:#fff;font-size:11px;font-weight:600;display:flex;align-items:center;justify-content:center}' +
      '.b{padding:8px 11px;border-radius:12px;background:#fff;border:1px solid #e2e8f0;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}.m.v .b{background:' + c + ';color:#fff;border-color:transparent}' +
      '.who{font-size:11px;color:#64748b;margin-bottom:2px}.meta{font-size:11px;color:#94a3b8;text-align:right;margin-top:2px}' +
      '.b img{display:block;max-width:220px;max-height:220px;border-radius:8px;margin-top:4px}.b .f{display:block;color:inherit;text-decoration:underline;cursor:pointer;margin-top:4px;background:none;border:0;padding:0;text-align:left}' +
      '.typing{font-size:12px;color:#64748b;padding:0 14px 4px;min-height:18px;background:#f8fafc}' +
      '.form{padding:14px;display:flex;flex-direction:column;gap:8px;overflow-y:auto;flex:1}.form label{font-size:12px;color:#475569}' +
      'input,textarea{width:100%;border:1px solid #cbd5e1;border-radius:8px;padding:8px 10px;color:#111;background:#fff}textarea{resize:none}' +
      '.go{background:' + c + ';color:#fff;border:0;border-radius:8px;padding:9px 14px;cursor:pointer;font-weight:600}.go:disabled{opacity:.6}' +
      '.sug{display:flex;flex-direction:column;gap:4px}.sug a{color:' + c + ';font-size:13px}.err{color:#b91c1c;font-size:12px}' +
      '.bar{display:flex;gap:6px;padding:8px;border-top:1px solid #e2e8f0;align-items:flex-end}.bar textarea{flex:1;max-height:120px}' +
      '.icon{background:transparent;border:0;cursor:pointer;font-size:18px;padding:6px;color:#475569}' +
      '.end{padding:10px 12px;border-top:1px solid #e2e8f0;display:flex;flex-direction:column;gap:6px;font-size:13px}.end[hidden]{display:none}' +
      '.survey{display:flex;flex-direction:column;gap:6px}.scale{display:flex;gap:4px}.scale button{flex:1;min-height:34px;border:1px solid #cbd5e1;' +
      'border-radius:6px;background:#fff;cursor:pointer}.scale button[aria-pressed=true]{background:' + c + ';color:#fff}.hint{color:#64748b;font-size:11px}';
  }
  paint();

  // ---- Layout ---------------------------------------------------------------
  var launch = el('button', 'launch', '💬');
  launch.type = 'button';
  launch.setAttribute('aria-label', 'Chat with us');
  launch.appendChild(el('span', 'dot'));
  var panel = el('div', 'panel');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', 'Chat');
  var head = el('div', 'head');
  var logo = el('img');
  logo.alt = '';
  logo.hidden = true;
  var titles = el('div', 't');
  var title = el('b', null, cfg.name);
  var status = el('small', null, '');
  titles.appendChild(title);
  titles.appendChild(status);
  var endBtn = el('button', null, 'End chat');
  endBtn.type = 'button';
  endBtn.hidden = true;
  var closeBtn = el('button', null, '✕');
  closeBtn.type = 'button';
  closeBtn.setAttribute('aria-label', 'Close chat');
  head.appendChild(logo); head.appendChild(titles); head.appendChild(endBtn); head.appendChild(closeBtn);
  var note = el('div', 'note');
  note.hidden = true;
  note.setAttribute('role', 'status');
  var log = el('div', 'log');
  log.setAttribute('aria-live', 'polite');
  var typing = el('div', 'typing');
  var endBox = el('div', 'end');
  endBox.hidden = true;
  var bar = el('div', 'bar');
  var input = el('textarea');
  input.rows = 1;
  input.placeholder = 'Type a message…';
  input.setAttribute('aria-label', 'Message');
  input.maxLength = 4000;
  var fileIn = el('input');
  fileIn.type = 'file';
  fileIn.accept = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv';
  fileIn.hidden = true;
  var attach = el('button', 'icon', '📎');
  attach.type = 'button';
  attach.setAttribute('aria-label', 'Attach a file');
  var send = el('button', 'go', 'Send');
  send.type = 'button';
  bar.appendChild(attach); bar.appendChild(fileIn); bar.appendChild(input); bar.appendChild(send);
  panel.appendChild(head); panel.appendChild(note);
  root.appendChild(launch); root.appendChild(panel);

  // The first screen: optional name and email, and the question.
  var form = el('form', 'form');
  var fName = el('input'), fEmail = el('input'), fQ = el('textarea'), sug = el('div', 'sug'), fErr = el('div', 'err'), fGo = el('button', 'go', 'Start chat');
  fName.name = 'name'; fName.autocomplete = 'name'; fName.maxLength = 100;
  fEmail.name = 'email'; fEmail.type = 'email'; fEmail.autocomplete = 'email';
  fQ.name = 'question'; fQ.rows = 4; fQ.maxLength = 4000; fQ.required = true;
  fGo.type = 'submit';
  var lEmail = el('label', null, 'Email (optional)');
  [[el('label', null, 'Name (optional)'), fName], [lEmail, fEmail], [el('label', null, 'How can we help?'), fQ]].forEach(function (p) {
    form.appendChild(p[0]); form.appendChild(p[1]);
  });
  form.appendChild(sug); form.appendChild(fErr); form.appendChild(fGo);

  function showChat() {
    if (form.parentNode) panel.removeChild(form);
    panel.appendChild(log); panel.appendChild(typing); panel.appendChild(endBox); panel.appendChild(bar);
    endBtn.hidden = false;
  }
  function showForm() {
    panel.appendChild(form);
    fEmail.required = !cfg.online;
    lEmail.textContent = cfg.online ? 'Email (optional)' : 'Email (we reply by email)';
  }
  // A forgotten visitor (token refused): start over with the form.
  function reset() {
    ws = null;
    store = { outbox: [] };
    save();
    msgs = []; byID = {}; byCID = {}; last = 0; ticket = 0;
    log.textContent = '';
    [log, typing, endBox, bar].forEach(function (n) { if (n.parentNode) panel.removeChild(n); });
    endBtn.hidden = true;
    fGo.disabled = false;
    showForm();
  }
  function setStatus() {
    status.textContent = offline || !cfg.online ? 'Away: we reply by email' : 'We are online';
    note.hidden = !(offline || !cfg.online);
    note.textContent = "No one is available right now. Leave a message and we'll answer by email" + (store.email ? ' (' + store.email + ').' : '.');
  }

  // ---- Messages ---------------------------------------------------------------
  function render(m) {
    var row = el('div', 'm ' + (m.from === 'agent' ? 'a' : 'v'));
    if (m.from === 'agent') {
      var av = el('div', 'av', initials(m.name));
      av.title = m.name || '';
      row.appendChild(av);
    }
    var col = el('div');
    if (m.from === 'agent') col.appendChild(el('div', 'who', m.name || cfg.name));
    var b = el('div', 'b', m.files && m.files.length && /^Sent /.test(m.body) ? '' : m.body);
    (m.files || []).forEach(function (f) { b.appendChild(fileView(f)); });
    col.appendChild(b);
    var meta = el('div', 'meta', '');
    col.appendChild(meta);
    row.appendChild(col);
    m.row = row; m.meta = meta;
    return row;
  }
  function fetchFile(f) {
    return fetch(BASE + '/widget/files/' + f.id, { headers: auth() }).then(function (r) {
      if (!r.ok) throw new Error('file');
      return r.blob();
    });
  }
  function fileView(f) {
    if (/^image\//.test(f.type)) {
      var img = el('img');
      img.alt = f.name;
      fetchFile(f).then(function (bl) { img.src = URL.createObjectURL(bl); }).catch(function () { img.alt = f.name + ' (unavailable)'; });
      return img;
    }
    var a = el('button', 'f', '📄 ' + f.name);
    a.type = 'button';
    a.onclick = function () {
      fetchFile(f).then(function (bl) {
        var l = document.createElement('a');
        l.href = URL.createObjectURL(bl); l.download = f.name; l.click();
      });
    };
    return a;
  }
  function add(m) {
    if (byID[m.id]) return;
    var pending = m.cid && byCID[m.cid];
    if (pending && !pending.id) { // our own message: now stored
      pending.id = m.id; pending.ticket = m.ticket;
      byID[m.id] = pending;
      pending.meta.textContent = '';
      markSeen();
      return;
    }
    byID[m.id] = m;
    if (m.cid) byCID[m.cid] = m;
    msgs.push(m);
    log.appendChild(render(m));
    if (m.id > last) last = m.id;
    if (m.ticket) ticket = Math.max(ticket, m.ticket);
    if (m.from === 'agent') {
      typing.textContent = '';
      if (panel.hidden) launch.classList.add('unread');
    }
    log.scrollTop = log.scrollHeight;
    markSeen();
    readSoon();
  }
  function pendingMsg(c, body) {
    var m = { cid: c, body: body, from: 'visitor' };
    byCID[c] = m;
    msgs.push(m);
    log.appendChild(render(m));
    m.meta.textContent = 'Sending…';
    log.scrollTop = log.scrollHeight;
  }
  function markSeen() {
    var lastMine = null;
    msgs.forEach(function (m) { if (m.from === 'visitor' && m.id && m.meta) { m.meta.textContent = ''; if (m.id <= agentRead) lastMine = m; } });
    if (lastMine) lastMine.meta.textContent = 'Seen';
  }
  var readTimer = 0;
  function readSoon() {
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (panel.hidden || document.visibilityState !== 'visible' || !ws || ws.readyState !== 1) return;
      var top = 0;
      msgs.forEach(function (m) { if (m.from === 'agent' && m.id > top) top = m.id; });
      if (top > (store.read || 0)) { store.read = top; save(); wsSend({ t: 'read', id: top }); }
    }, 300);
  }

  // ---- Socket ---------------------------------------------------------------------
  function auth() { return { 'X-Visitor-Id': store.visitor, 'X-Visitor-Token': store.token }; }
  function wsSend(f) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(f)); return true; } return false; }
  function connect() {
    clearTimeout(timer);
    if (!store.visitor) return;
    var s = new WebSocket(BASE.replace(/^http/, 'ws') + '/widget/ws');
    ws = s;
    s.onopen = function () { s.send(JSON.stringify({ t: 'hello', visitor: store.visitor, token: store.token, last: last })); };
    s.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (x) { return; }
      switch (f.t) {
        case 'welcome':
          backoff = 500;
          cfg.online = !!f.online; offline = !!f.offline;
          if (f.ticket) ticket = f.ticket;
          agentRead = f.id || 0;
          setStatus();
          // Resend what was never acknowledged; the server drops duplicates.
          store.outbox.forEach(function (o) { s.send(JSON.stringify({ t: 'msg', cid: o.cid, body: o.body })); });
          break;
        case 'msg': add(f.msg); break;
        case 'ack':
          store.outbox = store.outbox.filter(function (o) { return o.cid !== f.cid; });
          save();
          add({ id: f.id, cid: f.cid, ticket: f.ticket, from: 'visitor' });
          if (f.ticket) { ticket = f.ticket; ended = false; endBox.hidden = true; }
          break;
        case 'typing':
          typing.textContent = f.on ? (f.name || 'Agent') + ' is typing…' : '';
          clearTimeout(s.typingTimer);
          if (f.on) s.typingTimer = setTimeout(function () { typing.textContent = ''; }, 15000);
          break;
        case 'read': agentRead = Math.max(agentRead, f.id); markSeen(); break;
        case 'status': cfg.online = !!f.online; offline = !!f.offline; setStatus(); break;
        case 'ended': ended = true; showEnded(); break;
        case 'survey': showSurvey(f.ticket); break;
        case 'error':
          if (f.code === 'unauthorized') { reset(); return; }
          if (f.cid && byCID[f.cid] && f.code !== 'internal') {
            byCID[f.cid].meta.textContent = f.message || 'Not sent';
            store.outbox = store.outbox.filter(function (o) { return o.cid !== f.cid; });
            save();
          }
          break;
      }
    };
    s.onclose = function () {
      if (ws !== s) return;
      ws = null;
      // Reconnect with backoff and jitter; the hello asks for what we missed.
      timer = setTimeout(connect, backoff + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { if (!ws && store.visitor) connect(); readSoon(); }
  });
  window.addEventListener('online', function () { if (!ws) { backoff = 500; connect(); } });

  function post(body) {
    body = body.trim();
    if (!body) return;
    var c = cid();
    store.outbox.push({ cid: c, body: body });
    save();
    pendingMsg(c, body);
    wsSend({ t: 'msg', cid: c, body: body });
    stopTyping();
  }

  // ---- Typing -------------------------------------------------------------------------
  var typingSent = 0, typingStop = 0;
  function stopTyping() { clearTimeout(typingStop); if (typingSent) { typingSent = 0; wsSend({ t: 'typing', on: false }); } }
  input.addEventListener('input', function () {
    var now = Date.now();
    if (now - typingSent > 3000) { typingSent = now; wsSend({ t: 'typing', on: true }); }
    clearTimeout(typingStop);
    typingStop = setTimeout(stopTyping, 4000);
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); post(input.value); input.value = ''; }
  });
  send.onclick = function () { post(input.value); input.value = ''; input.focus(); };
  attach.onclick = function () { fileIn.click(); };
  fileIn.onchange = function () {
    var f = fileIn.files[0];
    fileIn.value = '';
    if (!f) return;
    var c = cid();
    pendingMsg(c, f.name);
    if (f.size > 5 * 1024 * 1024) { byCID[c].meta.textContent = 'Files are limited to 5 MB'; return; }
    var fd = new FormData();
    fd.append('cid', c);
    fd.append('file', f, f.name);
    fetch(BASE + '/widget/upload', { method: 'POST', headers: auth(), body: fd }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || 'Upload failed');
        var p = byCID[c];
        p.files = j.files;
        p.meta.textContent = '';
        var b = p.row.querySelector('.b');
        b.textContent = '';
        (j.files || []).forEach(function (x) { b.appendChild(fileView(x)); });
        add(j);
      });
    }).catch(function (e) { byCID[c].meta.textContent = e.message; });
  };

  // ---- End and transcript -----------------------------------------------------------
  endBtn.onclick = function () { if (ticket && !ended) wsSend({ t: 'end' }); };
  function showEnded() {
    endBox.textContent = '';
    endBox.hidden = false;
    endBox.appendChild(el('div', null, 'This chat has ended. Write again any time.'));
    var em = el('input');
    em.type = 'email';
    em.placeholder = 'Email for the transcript';
    em.value = store.email || '';
    var go = el('button', 'go', 'Email me the transcript');
    go.type = 'button';
    var t = ticket;
    go.onclick = function () {
      go.disabled = true;
      fetch(BASE + '/widget/transcript', {
        method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, auth()),
        body: JSON.stringify({ ticket: t, email: em.value }),
      }).then(function (r) {
        if (!r.ok) { go.textContent = 'Could not send the transcript'; return; }
        return r.json().then(function (b) {
          // An address not yet proven gets a confirmation link first.
          go.textContent = b.status === 'confirm' ? 'Check your inbox to confirm the address' : 'Transcript sent';
        });
      }).catch(function () { go.disabled = false; });
    };
    endBox.appendChild(em); endBox.appendChild(go);
    showSurvey(t);
  }

  // ---- Survey: satisfaction (1-5) and effort (1-7), asked once the chat is solved or ended ----
  var surveyed = {};
  function showSurvey(t) {
    if (!t || surveyed[t]) return;
    surveyed[t] = 1;
    fetch(BASE + '/widget/survey?ticket=' + t, { headers: auth() }).then(function (r) { return r.ok ? r.json() : null; }).then(function (q) {
      if (!q || !q.due) return;
      var box = el('div', 'survey'), pick = {};
      function scale(kind, text, n, lo, hi) {
        if (q.answers[kind]) return;
        box.appendChild(el('div', 'q', text));
        var row = el('div', 'scale'), bs = [];
        for (var i = 1; i <= n; i++) (function (i) {
          var b = el('button', null, String(i));
          b.type = 'button'; b.setAttribute('aria-pressed', 'false');
          b.onclick = function () { pick[kind] = i; bs.forEach(function (x, j) { x.setAttribute('aria-pressed', String(j === i - 1)); }); };
          bs.push(b); row.appendChild(b);
        })(i);
        box.appendChild(row);
        box.appendChild(el('div', 'hint', '1 = ' + lo + ', ' + n + ' = ' + hi));
      }
      scale('csat', q.csat_question, 5, 'very unsatisfied', 'very satisfied');
      scale('ces', q.ces_question, 7, 'very hard', 'very easy');
      var com = el('textarea');
      com.placeholder = 'Anything you want to tell us? (optional)'; com.maxLength = 5000;
      var go = el('button', 'go', 'Send'), msg = el('div', 'hint');
      go.type = 'button';
      go.onclick = function () {
        if (!pick.csat && !pick.ces) { msg.textContent = 'Choose a score first.'; return; }
        go.disabled = true;
        fetch(BASE + '/widget/survey', {
          method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, auth()),
          body: JSON.stringify({ ticket: t, csat: pick.csat || 0, ces: pick.ces || 0, comment: com.value }),
        }).then(function (r) { return r.json().then(function (j) {
          if (!r.ok) throw new Error((j.error && j.error.message) || 'Could not send');
          box.textContent = ''; box.appendChild(el('div', 'q', j.thanks));
        }); }).catch(function (e) { msg.textContent = e.message; go.disabled = false; });
      };
      box.appendChild(com); box.appendChild(go); box.appendChild(msg);
      endBox.hidden = false;
      endBox.appendChild(box);
    }).catch(function () { surveyed[t] = 0; });
  }

  // ---- Start form and knowledge-base suggestions ------------------------------------------
  var sugTimer = 0, sugQ = '';
  fQ.addEventListener('input', function () {
    clearTimeout(sugTimer);
    sugTimer = setTimeout(function () {
      var q = fQ.value.trim();
      if (q.length < 4 || q === sugQ) return;
      sugQ = q;
      fetch(BASE + '/api/v1/articles/suggest?q=' + encodeURIComponent(q)).then(function (r) { return r.ok ? r.json() : null; }).then(function (j) {
        sug.textContent = '';
        if (!j || !j.articles || !j.articles.length) return;
        sug.appendChild(el('div', 'who', 'These articles may help:'));
        j.articles.slice(0, 3).forEach(function (a) {
          var l = el('a', null, a.title);
          var u = new URL(a.url, BASE);
          if (u.protocol !== 'https:' && u.protocol !== 'http:') return;
          l.href = u.href; l.target = '_blank'; l.rel = 'noopener';
          sug.appendChild(l);
        });
      }).catch(function () { /* suggestions are optional */ });
    }, 350);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    fErr.textContent = '';
    fGo.disabled = true;
    fetch(BASE + '/widget/visitors', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: fName.value, email: fEmail.value, team: TEAM }),
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error && (j.error.fields && (j.error.fields.email || j.error.fields.name))) || (j.error && j.error.message) || 'Please try again');
        store = { visitor: j.visitor, token: j.token, name: j.name, email: fEmail.value.trim(), outbox: [] };
        save();
        showChat();
        setStatus();
        post(fQ.value);
        connect();
      });
    }).catch(function (x) { fErr.textContent = x.message; fGo.disabled = false; });
  });

  // ---- Open / close ------------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    launch.classList.remove('unread');
    launch.setAttribute('aria-expanded', 'true');
    (store.visitor ? input : fName).focus();
    readSoon();
  }
  launch.onclick = function () { if (panel.hidden) open(); else panel.hidden = true; };
  closeBtn.onclick = function () { panel.hidden = true; launch.focus(); };

  function start() {
    document.body.appendChild(host);
    fetch(BASE + '/widget/config?team=' + encodeURIComponent(TEAM)).then(function (r) { return r.json(); }).then(function (c) {
      cfg = c;
      title.textContent = c.name;
      if (c.logo_url) { logo.src = c.logo_url; logo.hidden = false; }
      paint();
      setStatus();
      if (!store.visitor) showForm();
    }).catch(function () { if (!store.visitor) showForm(); });
    if (store.visitor) {
      showChat();
      store.outbox.forEach(function (o) { pendingMsg(o.cid, o.body); });
      connect();
    }
  }
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
