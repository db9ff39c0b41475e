// Customer portal: suggest knowledge-base articles while the customer
// describes their problem. Articles open in a new tab so the form keeps
// what was typed; the server counts an opened article as a deflection
// unless this browser session then sends a request.
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  var box = document.getElementById("suggestions");
  var list = document.getElementById("suggestion-list");
  if (!form || !box || !list || !window.fetch) return;
  var inputs = form.querySelectorAll("[data-suggest]");
  var timer = 0, last = "", seq = 0;

  function query() {
    var parts = [];
    for (var i = 0; i < inputs.length; i++) parts.push(inputs[i].value);
    return parts.join(" ").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  function show(q, articles) {
    list.textContent = "";
    articles.forEach(function (a) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = a.url + "?from=ticket-form&q=" + encodeURIComponent(q);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = a.title;
      link.className = "p-suggest-link";
      li.appendChild(link);
      if (a.snippet_html) {
        var p = document.createElement("p");
        p.className = "p-snippet";
        p.innerHTML = a.snippet_html; // escaped by the server, only <mark> added
        li.appendChild(p);
      }
      list.appendChild(li);
    });
    box.hidden = articles.length === 0;
  }

  function lookup() {
    var q = query();
    if (q === last) return;
    last = q;
    if (q.length < 3) { show(q, []); return; }
    var my = ++seq;
    fetch("/api/v1/articles/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (d) { if (my === seq) show(q, d.articles || []); })
      .catch(function () {});
  }

  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 300);
    });
  }
  lookup();
})();
