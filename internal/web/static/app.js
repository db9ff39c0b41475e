// Andon agent workspace: keyboard shortcuts, inbox selection, composer tabs,
// in-place ticket properties, customer lookup. Every page works without it.
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.remove("no-js");
  doc.documentElement.classList.add("js");

  function $(sel, root) { return (root || doc).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }
  function csrf() { var m = $('meta[name="csrf-token"]'); return m ? m.content : ""; }

  function typing(el) {
    if (!el) return false;
    var t = el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }

  // refresh fetches the current page again and swaps the given parts in
  // place, keeping whatever the agent is typing elsewhere.
  function refresh(selectors) {
    return fetch(location.pathname + location.search, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { swap(html, selectors); });
  }
  function swap(html, selectors) {
    var next = new DOMParser().parseFromString(html, "text/html");
    selectors.forEach(function (sel) {
      var a = $(sel), b = $(sel, next);
      if (a && b) a.replaceWith(b);
    });
    wire();
  }
  window.Andon = { csrf: csrf, refresh: refresh, swap: swap };

  // ---- Inbox: selection, open, bulk bar --------------------------------
  // selected is the index of the row with .selected. live.js replaces the
  // rows (keeping that class), so the index is read back from the DOM after
  // each live update; -1 when the selected ticket left the list.
  var selected = -1;
  function rows() { return $$("#inbox .ticket-row"); }
  function syncSelected() {
    selected = -1;
    rows().forEach(function (r, i) { if (r.classList.contains("selected")) selected = i; });
  }
  doc.addEventListener("andon:live-updated", syncSelected);
  function select(i) {
    var rs = rows();
    if (!rs.length) return;
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r, j) { r.classList.toggle("selected", j === i); });
    selected = i;
    rs[i].scrollIntoView({ block: "nearest" });
    try { sessionStorage.setItem("andon.sel", rs[i].dataset.id); } catch (e) { /* private mode */ }
  }
  function openSelected() {
    var r = rows()[selected];
    if (r) location.href = r.dataset.url;
  }
  function restoreSelection() {
    var id;
    try { id = sessionStorage.getItem("andon.sel"); } catch (e) { return; }
    rows().forEach(function (r, i) { if (r.dataset.id === id) select(i); });
  }
  function updateBulk() {
    var bar = $("#bulkbar");
    if (!bar) return;
    var n = $$('#inbox input[name="id"]:checked').length;
    bar.classList.toggle("active", n > 0);
    $$("#inbox .ticket-row").forEach(function (r) {
      var c = $('input[name="id"]', r);
      r.classList.toggle("checked", !!(c && c.checked));
    });
    var label = $("#sel-count");
    if (label) label.textContent = n === 1 ? "1 selected" : n + " selected";
  }

  // ---- Ticket: composer tabs -------------------------------------------
  function showTab(name, focus) {
    var comp = $("#composer");
    if (!comp) return false;
    $$(".tab", comp).forEach(function (t) { t.setAttribute("aria-selected", t.dataset.tab === name ? "true" : "false"); });
    $$(".pane", comp).forEach(function (p) { p.hidden = p.id !== "pane-" + name; });
    comp.dataset.tab = name;
    if (focus) {
      var target = $("#pane-" + name + " textarea");
      if (name === "call") target = $("#call-duration") || target;
      // Focus after the key event, so the shortcut letter is not typed.
      if (target) setTimeout(function () { target.focus(); comp.scrollIntoView({ block: "nearest" }); }, 0);
    }
    return true;
  }

  // ---- Ticket: properties change in place --------------------------------
  function saveProps(form) {
    var status = $("#props-status");
    if (status) status.textContent = "Saving…";
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)),
      headers: { "X-CSRF-Token": csrf(), "Accept": "text/html" }
    }).then(function (r) {
      return r.text().then(function (html) {
        swap(html, ["#ticket-head", "#timeline", "#props", "#customer-panel"]);
        var s = $("#props-status");
        if (s) s.textContent = r.ok ? "Saved" : "Not saved";
        setTimeout(function () { var s2 = $("#props-status"); if (s2) s2.textContent = ""; }, 2500);
      });
    }).catch(function () { form.submit(); });
  }

  // ---- New ticket: customer lookup ---------------------------------------
  var lookupTimer;
  function lookup(input) {
    var list = $("#customer-results"), hidden = $("#contact-id");
    if (!list) return;
    if (hidden) hidden.value = "";
    var found = $("#found-contact");
    if (found) found.remove();
    clearTimeout(lookupTimer);
    var q = input.value.trim();
    if (q.length < 3) { list.innerHTML = ""; return; }
    lookupTimer = setTimeout(function () {
      fetch(input.dataset.lookup + "?limit=5&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { contacts: [] }; })
        .then(function (page) {
          list.innerHTML = "";
          (page.contacts || []).forEach(function (c) {
            var li = doc.createElement("li"), b = doc.createElement("button");
            b.type = "button";
            var ids = (c.identities || []).map(function (i) { return i.value; });
            var name = doc.createElement("strong");
            name.textContent = c.name || ids[0] || "Contact " + c.id;
            var sub = doc.createElement("span");
            sub.className = "muted";
            sub.textContent = [c.organization].concat(ids.slice(0, 2)).filter(Boolean).join(" · ");
            b.appendChild(name); b.appendChild(sub);
            b.addEventListener("click", function () {
              if (hidden) hidden.value = c.id;
              input.value = ids[0] || input.value;
              list.innerHTML = "";
              var box = doc.createElement("div");
              box.className = "found-contact"; box.id = "found-contact";
              box.textContent = "✓ " + name.textContent + (c.organization ? " · " + c.organization : "");
              list.after(box);
              var subj = $("#subject-input");
              if (subj) subj.focus();
            });
            li.appendChild(b); list.appendChild(li);
          });
        }).catch(function () { list.innerHTML = ""; });
    }, 180);
  }

  // ---- Help overlay ---------------------------------------------------------
  function help(show) {
    var o = $("#help-overlay");
    if (!o) return;
    o.hidden = show === undefined ? !o.hidden : !show;
  }

  // wire attaches handlers to elements that may be swapped in.
  function wire() {
    $$("[data-autosubmit]").forEach(function (el) {
      if (el.dataset.wired) return;
      el.dataset.wired = "1";
      el.addEventListener("change", function () { el.form.submit(); });
    });
    var props = $("#props");
    if (props && !props.dataset.wired) {
      props.dataset.wired = "1";
      props.addEventListener("change", function () { saveProps(props); });
      props.addEventListener("submit", function (e) { e.preventDefault(); saveProps(props); });
    }
  }

  doc.addEventListener("click", function (e) {
    var t = e.target.closest("[data-tab]");
    if (t && t.classList.contains("tab")) { showTab(t.dataset.tab, true); return; }
    var a = e.target.closest("[data-action]");
    if (a && a.dataset.action === "help") { e.preventDefault(); var m = $("#user-menu"); if (m) m.open = false; help(true); return; }
    if (a && a.dataset.action === "help-close") { help(false); return; }
    if (e.target.id === "help-overlay") help(false);
    var menu = $("#user-menu");
    if (menu && menu.open && !e.target.closest("#user-menu")) menu.open = false;
  });
  doc.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches('#inbox input[name="id"]')) updateBulk();
  });
  doc.addEventListener("input", function (e) {
    if (e.target.id === "customer-input") lookup(e.target);
  });

  var pendingG = 0;
  doc.addEventListener("keydown", function (e) {
    var el = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && el.tagName === "TEXTAREA" && el.form) {
      e.preventDefault();
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
      return;
    }
    if (e.key === "Escape") {
      var o = $("#help-overlay");
      if (o && !o.hidden) { help(false); return; }
      if (typing(el)) el.blur();
      return;
    }
    if (typing(el) || e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (pendingG && Date.now() - pendingG < 1200) {
      pendingG = 0;
      if (k === "i") { location.href = "/"; e.preventDefault(); return; }
      if (k === "n") { location.href = "/tickets/new"; e.preventDefault(); return; }
    }
    pendingG = 0;
    switch (k) {
      case "j": if (rows().length) { select(selected + 1); e.preventDefault(); } break;
      case "k": if (rows().length) { select(selected < 0 ? 0 : selected - 1); e.preventDefault(); } break;
      case "o": if (selected >= 0) { openSelected(); e.preventDefault(); } break;
      case "Enter":
        if (selected >= 0 && !(el.closest && el.closest("a,button"))) { openSelected(); e.preventDefault(); }
        break;
      case "x": {
        var r = rows()[selected];
        var c = r && $('input[name="id"]', r);
        if (c) { c.checked = !c.checked; updateBulk(); e.preventDefault(); }
        break;
      }
      case "r": if (showTab("reply", true)) e.preventDefault(); break;
      case "n": if (showTab("note", true)) e.preventDefault(); break;
      case "c": if (showTab("call", true)) e.preventDefault(); break;
      case "/": {
        var s = $("#search-input");
        if (s && s.offsetParent === null) { location.href = "/search"; e.preventDefault(); break; }
        if (s) { e.preventDefault(); setTimeout(function () { s.focus(); s.select(); }, 0); }
        break;
      }
      case "g": pendingG = Date.now(); break;
      case "?": help(); e.preventDefault(); break;
    }
  });

  wire();
  restoreSelection();
  updateBulk();
  var flash = $("#flash");
  if (flash) setTimeout(function () { flash.remove(); }, 5000);
  if (location.hash && location.hash.indexOf("#entry-") === 0) {
    var entry = $(location.hash);
    if (entry) entry.classList.add("highlight");
  }
})();
