// The client's pages: the kiosk (back to the start when left idle) and the ticket
// (print button, printing once at the kiosk, figures refreshed from the JSON variant).
// Both pages work without this script; it only saves taps and reloads.
(function () {
  "use strict";

  function idleReturn(home, seconds) {
    var timer;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.assign(home); }, seconds * 1000);
    }
    ["pointerdown", "keydown", "scroll"].forEach(function (name) {
      document.addEventListener(name, arm, { passive: true });
    });
    arm();
  }

  var kiosk = document.querySelector("[data-kiosk]");
  if (kiosk && /[?&](category|item|queue)=/.test(window.location.search)) {
    idleReturn(kiosk.dataset.kioskHome, 60);
  }

  var ticket = document.querySelector("[data-ticket]");
  if (!ticket) {
    return;
  }

  var printButton = ticket.querySelector("[data-print]");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  if (ticket.hasAttribute("data-autoprint")) {
    // Print once: a reload of this page must not print a second ticket.
    var url = new URL(window.location.href);
    url.searchParams.delete("print");
    window.history.replaceState(null, "", url.toString());
    window.addEventListener("load", function () { window.print(); });
  }
  if (ticket.dataset.kioskHome) {
    idleReturn(ticket.dataset.kioskHome, 45);
  }

  var finished = ["done", "no_show"];
  var seconds = parseInt(ticket.dataset.refresh, 10) || 20;

  function show(figures) {
    ticket.querySelectorAll("[data-field]").forEach(function (element) {
      var value = figures[element.dataset.field];
      element.textContent = value === null || value === undefined ? "—" : String(value);
    });
    ticket.querySelectorAll("[data-show-when]").forEach(function (element) {
      element.hidden = element.dataset.showWhen !== figures.status;
    });
    return finished.indexOf(figures.status) === -1;
  }

  function refresh() {
    if (document.hidden) {
      setTimeout(refresh, seconds * 1000);
      return;
    }
    fetch(ticket.dataset.json, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (figures) {
        if (show(figures)) { setTimeout(refresh, seconds * 1000); }
      })
      .catch(function () { setTimeout(refresh, seconds * 1000); });
  }

  setTimeout(refresh, seconds * 1000);
})();
