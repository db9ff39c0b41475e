// Article picker for the agent composer: a button with
// data-article-picker="#textarea-id" opens a small search box; choosing an
// article inserts a Markdown link to its public page at the cursor.
// Usage: <button type="button" data-article-picker="#reply-body">Insert article</button>
// and <script src="{{asset "kb_picker.js"}}" defer></script>.
(function () {
  "use strict";
  var open = null;

  function close() {
    if (open) { open.remove(); open = null; }
  }

  function insert(ta, text) {
    var s = ta.selectionStart || 0, e = ta.selectionEnd || 0;
    ta.value = ta.value.slice(0, s) + text + ta.value.slice(e);
    ta.selectionStart = ta.selectionEnd = s + text.length;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    ta.focus();
  }

  function picker(btn, ta) {
    close();
    var box = document.createElement("div");
    box.className = "kb-picker card";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Insert a knowledge-base article");
    box.style.cssText = "position:absolute;z-index:50;width:min(420px,90vw);padding:8px;background:#fff;box-shadow:0 12px 32px rgba(16,24,40,.16)";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Search published articles";
    input.setAttribute("aria-label", "Search articles");
    var list = document.createElement("ul");
    list.style.cssText = "list-style:none;margin:6px 0 0;padding:0;max-height:260px;overflow:auto";
    box.appendChild(input);
    box.appendChild(list);
    var r = btn.getBoundingClientRect();
    box.style.left = Math.max(8, r.left + window.scrollX) + "px";
    box.style.top = (r.bottom + window.scrollY + 4) + "px";
    document.body.appendChild(box);
    open = box;
    input.focus();
    var timer = 0, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim(), my = ++seq;
        if (!q) { list.textContent = ""; return; }
        fetch("/api/v1/articles?status=published&limit=8&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (res) { return res.ok ? res.json() : { hits: [] }; })
          .then(function (d) {
            if (my !== seq) return;
            list.textContent = "";
            (d.hits || []).forEach(function (h) {
              var li = document.createElement("li");
              var b = document.createElement("button");
              b.type = "button";
              b.className = "btn btn-ghost btn-sm";
              b.style.cssText = "width:100%;justify-content:flex-start";
              b.textContent = h.article.title;
              b.addEventListener("click", function () {
                insert(ta, "[" + h.article.title + "](" + location.origin + "/help/articles/" + h.article.slug + ")");
                close();
              });
              li.appendChild(b);
              list.appendChild(li);
            });
            if (!list.children.length) {
              var none = document.createElement("li");
              none.className = "muted";
              none.textContent = "No published article matches.";
              list.appendChild(none);
            }
          })
          .catch(function () {});
      }, 200);
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); btn.focus(); } });
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-article-picker]");
    if (btn) {
      var ta = document.querySelector(btn.getAttribute("data-article-picker"));
      if (ta) { e.preventDefault(); picker(btn, ta); }
      return;
    }
    if (open && !open.contains(e.target)) close();
  });
  document.documentElement.dataset.articlePicker = "ready";
})();
