// The rating pad: poll the window's state and reload when it changes (a client is called,
// a service finishes); after the thanks, back to the start. Works as plain pages without it.
(function () {
  "use strict";
  var pad = document.querySelector("[data-pad]");
  if (!pad) { return; }
  var seconds = parseInt(pad.dataset.poll, 10) || 3;
  if (pad.hasAttribute("data-thanks")) {
    setTimeout(function () { window.location.assign(pad.dataset.home); }, 8000);
  }
  function poll() {
    fetch(pad.dataset.state, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.key && state.key !== pad.dataset.key) {
          window.location.assign(pad.dataset.home);
          return;
        }
        setTimeout(poll, seconds * 1000);
      })
      .catch(function () { setTimeout(poll, seconds * 1000); });
  }
  setTimeout(poll, seconds * 1000);
})();
