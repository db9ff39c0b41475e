// Small helpers for the settings and contact pages. Everything works without
// them; they add copy buttons, confirmations and instant role changes.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-copy]");
    if (!b) return;
    var input = document.getElementById(b.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () {
      b.textContent = "Copied";
      b.classList.add("copied");
      setTimeout(function () { b.textContent = "Copy"; b.classList.remove("copied"); }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // Role selects save as soon as they change.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.requestSubmit ? s.form.requestSubmit() : s.form.submit(); });
  });

  // Keep the colour picker and the text field in step.
  document.querySelectorAll("[data-sync]").forEach(function (el) {
    el.addEventListener("input", function () {
      var other = document.getElementById(el.getAttribute("data-sync"));
      if (other && /^#[0-9a-fA-F]{6}$/.test(el.value)) other.value = el.value.toLowerCase();
    });
  });
})();
