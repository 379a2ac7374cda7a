/* The hall display: live calls from the event stream, a fallback that polls, the voice.
 *
 * Live: an EventSource on the event-stream process (servicehall eventstream), opened with
 * ?after=<last event id>; the browser's own reconnections send Last-Event-ID, so missed
 * events are replayed. While the stream is down, state.json?after=<id> is read every two
 * seconds: the state, and the calls made since, which are announced like live ones. On
 * each reconnection the state is read once more.
 *
 * Voice: each call is a chime (a WAV synthesised here) then the Mandarin clip
 * from /hall/voice/<ticket>/<window>.wav, played from a queue, one after the other: a new
 * call waits for the one being spoken. A call replayed long after it was made is shown,
 * not spoken.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("display-config").textContent);
  var S = config.strings;
  var CALLS_SHOWN = config.callsShown;
  var STALE_SECONDS = 60;
  var REFRESH_MS = 60000;
  var RECONNECT_MS = 5000;
  var MAX_QUEUED = 20;
  var GAP_MS = 400;
  var CLIP_TIMEOUT_MS = 15000;

  var state = config.state;
  var lastId = state.last_event_id;
  // The event the waiting counts shown come from: each event carries every queue's count,
  // so an older one arriving late (a late commit, a held count) must not replace them.
  var countsId = lastId;
  var handled = new Set();
  var handledOrder = [];
  var source = null;
  var pollTimer = null;
  var reconnectTimer = null;
  var everLive = false;
  var mode = "connecting";

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function staffLabel(number) {
    return number ? format(S.staffNo, { staff_no: number }) : "";
  }

  // --- rendering --------------------------------------------------------------------

  function renderNow(flash) {
    var box = document.getElementById("now");
    var caption = document.getElementById("caption");
    var call = state.calls[0];
    box.textContent = "";
    if (!call) {
      box.appendChild(element("p", "empty", S.noCall));
      caption.textContent = "";
      return;
    }
    var card = element("div", "now-call");
    card.appendChild(element("span", "now-ticket", call.ticket));
    card.appendChild(element("span", "now-window", format(S.window, { number: call.window })));
    card.appendChild(element("span", "now-name", call.window_name));
    if (call.staff_no) card.appendChild(element("span", "now-staff", staffLabel(call.staff_no)));
    if (flash) card.classList.add("flash");
    box.appendChild(card);
    // Screen readers announce every change of the caption: change it only for a new call.
    var sentence = format(S.sentence, { ticket: call.ticket, window: call.window });
    if (flash || caption.textContent !== sentence) caption.textContent = sentence;
  }

  function renderCalls() {
    var body = document.getElementById("calls");
    body.textContent = "";
    state.calls.forEach(function (call, index) {
      var row = element("tr", index === 0 ? "newest" : "");
      var ticket = element("td", "ticket", call.ticket);
      if (call.recalls) ticket.appendChild(element("span", "recalled", S.recall));
      row.appendChild(ticket);
      row.appendChild(element("td", "", format(S.window, { number: call.window }) + " " + call.window_name));
      row.appendChild(element("td", "", call.staff_no));
      body.appendChild(row);
    });
  }

  function renderQueues() {
    var list = document.getElementById("queues");
    list.textContent = "";
    state.queues.forEach(function (queue) {
      var item = element("li");
      item.dataset.queue = queue.prefix;
      item.appendChild(element("span", "queue-letter", queue.prefix));
      item.appendChild(element("span", "queue-name", queue.name));
      item.appendChild(element("span", "queue-count", format(S.waiting, { count: queue.waiting })));
      item.appendChild(element("span", "queue-estimate",
        queue.estimate === null ? S.noEstimate : format(S.estimate, { minutes: queue.estimate })));
      list.appendChild(item);
    });
  }

  function renderWindows() {
    var list = document.getElementById("windows");
    list.textContent = "";
    state.windows.forEach(function (win) {
      var item = element("li");
      item.dataset.window = win.number;
      item.dataset.status = win.status;
      item.appendChild(element("span", "label", format(S.window, { number: win.number })));
      item.appendChild(document.createTextNode(win.name));
      item.appendChild(element("br"));
      item.appendChild(element("span", "status", S.statuses[win.status] || win.status));
      if (win.staff_no) {
        item.appendChild(document.createTextNode(" · "));
        item.appendChild(element("span", "staff", staffLabel(win.staff_no)));
      }
      list.appendChild(item);
    });
  }

  function render(flash) {
    renderNow(flash);
    renderCalls();
    renderQueues();
    renderWindows();
  }

  function setMode(next) {
    mode = next;
    var label = document.getElementById("link-status");
    label.dataset.mode = next;
    label.textContent = S[next] || next;
  }

  // --- events -------------------------------------------------------------------------

  function firstTime(id) {
    if (handled.has(id)) return false;
    handled.add(id);
    handledOrder.push(id);
    if (handledOrder.length > 1000) handled.delete(handledOrder.shift());
    if (id > lastId) lastId = id;
    return true;
  }

  function applyWaiting(waiting, id) {
    if (!waiting || id <= countsId) return;
    countsId = id;
    state.queues.forEach(function (queue) {
      if (Object.prototype.hasOwnProperty.call(waiting, queue.prefix)) queue.waiting = waiting[queue.prefix];
    });
  }

  function onCall(id, data, age) {
    if (!firstTime(id)) return;
    var previous = state.calls.filter(function (call) { return call.ticket === data.ticket; })[0];
    var call = {
      ticket: data.ticket, window: data.window, window_name: data.window_name,
      staff_no: data.staff_no, status: "called",
      recalls: data.recall ? ((previous && previous.recalls) || 0) + 1 : 0,
    };
    state.calls = [call].concat(state.calls.filter(function (other) {
      return other.ticket !== data.ticket;
    })).slice(0, CALLS_SHOWN);
    applyWaiting(data.waiting, id);
    state.windows.forEach(function (win) {
      if (win.number === data.window) {
        win.staff_no = data.staff_no;
        win.status = "open";
      }
    });
    render(true);
    if (age === null || age < STALE_SECONDS) speaker.add(call);
  }

  function onEvent(event) {
    var id = parseInt(event.lastEventId, 10);
    var data = JSON.parse(event.data);
    if (event.type === "call") {
      onCall(id, data, data.replayed ? data.age : null);
    } else if (event.type === "queue") {
      if (!firstTime(id)) return;
      applyWaiting(data.waiting, id);
      renderQueues();
    } else if (event.type === "window") {
      if (!firstTime(id)) return;
      // Who sits at the window comes with the state.
      refreshState(false);
    } else if (event.type === "reset") {
      refreshState(false);
    }
  }

  // --- the state, and polling -----------------------------------------------------------

  var refreshing = null;

  function refreshState(withCalls) {
    if (refreshing) return refreshing;
    var url = config.stateUrl + (withCalls ? "?after=" + lastId : "");
    refreshing = fetch(url, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("state " + response.status);
        return response.json();
      })
      .then(function (next) {
        (next.calls_since || []).forEach(function (missed) {
          onCall(missed.id, missed.data, missed.age);
        });
        if (next.last_event_id < lastId) {
          // Read before events this display already has: read again, a moment later.
          window.setTimeout(function () { refreshState(false); }, 500);
          return;
        }
        state = next;
        if (next.last_event_id > lastId) lastId = next.last_event_id;
        countsId = Math.max(countsId, next.last_event_id);
        render(false);
      })
      .catch(function () { /* the next poll or refresh tries again */ })
      .finally(function () { refreshing = null; });
    return refreshing;
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = window.setInterval(function () { refreshState(true); }, config.pollMs);
    refreshState(true);
  }

  function stopPolling() {
    if (!pollTimer) return;
    window.clearInterval(pollTimer);
    pollTimer = null;
  }

  function streamBase() {
    // ":8001": this page's host on that port; "/": this page's own server (a reverse proxy
    // that sends /hall/events/ to the stream); else a full address. Empty: no stream.
    var where = config.stream || "";
    if (!where) return null;
    if (where.charAt(0) === ":") return window.location.protocol + "//" + window.location.hostname + where;
    return where.replace(/\/+$/, "");
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    var base = streamBase();
    if (base === null || !window.EventSource) {
      setMode("polling");
      startPolling();
      return;
    }
    var url = base + "/hall/events/" + encodeURIComponent(config.unit) + "?after=" + lastId;
    var stream = new EventSource(url);
    source = stream;
    ["call", "queue", "window", "reset"].forEach(function (kind) {
      stream.addEventListener(kind, onEvent);
    });
    stream.onopen = function () {
      var caughtUp = everLive;
      everLive = true;
      stopPolling();
      setMode("live");
      if (caughtUp) refreshState(false);
    };
    stream.onerror = function () {
      if (source !== stream) return;
      setMode("polling");
      startPolling();
      if (stream.readyState === EventSource.CLOSED) {
        // Refused for good (an error status): start again later, from the last event.
        source = null;
        reconnectTimer = window.setTimeout(connect, RECONNECT_MS);
      }
      // Otherwise the browser reconnects by itself, sending Last-Event-ID.
    };
  }

  // --- voice ----------------------------------------------------------------------------

  // The chime, "ding-dong": two bell-like tones (E5, then C5) made here as a small WAV, so
  // that it plays through an audio element like the clips, under the same autoplay rules.
  function chimeUrl() {
    var rate = 22050;
    var count = Math.floor(rate * 1.3);
    var view = new DataView(new ArrayBuffer(44 + count * 2));
    function text(offset, value) {
      for (var i = 0; i < value.length; i++) view.setUint8(offset + i, value.charCodeAt(i));
    }
    function bell(frequency, t) {
      if (t < 0) return 0;
      var envelope = Math.min(1, t / 0.01) * Math.exp(-t * 4.5);
      return envelope * (Math.sin(2 * Math.PI * frequency * t) + 0.3 * Math.sin(4 * Math.PI * frequency * t));
    }
    text(0, "RIFF");
    view.setUint32(4, 36 + count * 2, true);
    text(8, "WAVEfmt ");
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    text(36, "data");
    view.setUint32(40, count * 2, true);
    for (var i = 0; i < count; i++) {
      var t = i / rate;
      var value = 0.35 * (bell(659.25, t) + bell(523.25, t - 0.5));
      view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, value)) * 32767, true);
    }
    return URL.createObjectURL(new Blob([view.buffer], { type: "audio/wav" }));
  }

  var speaker = {
    queue: [],
    busy: false,
    chime: chimeUrl(),
    log: [],

    add: function (call) {
      if (this.queue.length >= MAX_QUEUED) this.queue.shift();
      var clip = new Audio(config.voicePrefix + encodeURIComponent(call.ticket) + "/" + call.window + ".wav");
      clip.preload = "auto";
      this.queue.push({ call: call, clip: clip });
      this.next();
    },

    next: function () {
      if (this.busy || !this.queue.length) return;
      var self = this;
      var item = this.queue.shift();
      var entry = {
        ticket: item.call.ticket, window: item.call.window,
        start: performance.now(), end: null, chime: false, voice: false,
      };
      this.busy = true;
      this.log.push(entry);
      this.play(new Audio(this.chime))
        .then(function (played) {
          entry.chime = played;
          return self.play(item.clip);
        })
        .then(function (played) { entry.voice = played; })
        .finally(function () {
          entry.end = performance.now();
          window.setTimeout(function () { self.busy = false; self.next(); }, GAP_MS);
        });
    },

    // Resolves when the sound has ended (true), or could not play (false); never rejects,
    // so that one bad clip does not stop the queue.
    play: function (audio) {
      return new Promise(function (resolve) {
        var settled = false;
        var timer = window.setTimeout(function () { finish(false); }, CLIP_TIMEOUT_MS);
        function finish(played) {
          if (settled) return;
          settled = true;
          window.clearTimeout(timer);
          resolve(played);
        }
        audio.addEventListener("ended", function () { finish(true); }, { once: true });
        audio.addEventListener("error", function () { finish(false); }, { once: true });
        var playing = audio.play();
        if (playing) {
          playing.catch(function (error) {
            // The browser wants a touch first (autoplay policy): ask for it.
            if (error && error.name === "NotAllowedError") voiceButton.hidden = false;
            finish(false);
          });
        }
      });
    },
  };

  // Where the browser does not let a page play sound by itself (unless it is started with
  // --autoplay-policy=no-user-gesture-required, as a kiosk should be), one touch of this
  // button allows the voice for as long as the page stays open.
  var voiceButton = document.getElementById("voice-on");
  voiceButton.addEventListener("click", function () {
    var probe = new Audio(speaker.chime);
    probe.volume = 0;
    var playing = probe.play();
    voiceButton.hidden = true;
    if (playing) playing.catch(function () { voiceButton.hidden = false; });
  });

  // --- the clock, and start ------------------------------------------------------------------

  var clockFormat = new Intl.DateTimeFormat(document.documentElement.lang || "zh-Hans", {
    timeZone: config.timeZone, month: "long", day: "numeric", weekday: "short",
    hour: "2-digit", minute: "2-digit", hour12: false,
  });

  function tick() {
    document.getElementById("clock").textContent = clockFormat.format(new Date());
  }

  // Commitments that do not fit on the screen take turns: the first goes to the end.
  function turnCommitments() {
    var list = document.querySelector("[data-testid=commitments]");
    if (list && list.scrollHeight > list.clientHeight + 2 && list.children.length > 1) {
      list.appendChild(list.firstElementChild);
    }
  }

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(turnCommitments, 8000);
  window.setInterval(function () { if (mode === "live") refreshState(false); }, REFRESH_MS);
  render(false);
  connect();

  // For the browser tests, and for whoever looks at a display from its console.
  window.hallDisplay = {
    mode: function () { return mode; },
    lastId: function () { return lastId; },
    spoken: function () { return speaker.log.slice(); },
    queued: function () { return speaker.queue.length + (speaker.busy ? 1 : 0); },
  };
})();
