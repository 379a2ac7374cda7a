// The counter desk: keyboard shortcuts for the buttons, and the list of the next clients
// kept fresh. Every button is a plain form, so the desk works without this script.
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk]");
  if (!desk) {
    return;
  }

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.repeat || event.isComposing) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var button = desk.querySelector('button[data-shortcut="' + key + '"]');
    if (button) {
      event.preventDefault();
      if (!button.disabled && button.form) {
        button.disabled = true; // one press, one action
        button.form.submit();
      }
      return;
    }
    var form = desk.querySelector('form[data-focus-key="' + key + '"]');
    if (form) {
      event.preventDefault();
      var field = form.querySelector("select, input:not([type=hidden]), textarea");
      if (field) { field.focus(); }
    }
  });

  // The waiting list changes as clients take tickets: fetch this page again and swap it in.
  var side = document.querySelector("[data-refresh]");
  if (!side || !window.fetch || !window.DOMParser) {
    return;
  }
  setInterval(function () {
    if (document.hidden) { return; }
    fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        if (fresh) { side.innerHTML = fresh.innerHTML; }
      })
      .catch(function () {});
  }, 20000);
})();
