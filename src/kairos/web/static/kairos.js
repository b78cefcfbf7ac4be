// Kairos pages: one EventSource per page, partial updates from server-rendered fragments.
// No polling: a fragment is fetched only when a live message says something changed, at most
// once per REFRESH_MS (the first at once, later ones batched).
(function () {
  "use strict";
  var REFRESH_MS = 300;
  var body = document.body;
  var pageKind = body.dataset.page;
  var interactionId = body.dataset.interaction || null;
  var myAgent = body.dataset.agent || null;
  var statusEl = document.getElementById("live-status");

  function setStatus(text, state) {
    if (statusEl) statusEl.textContent = "Live: " + text;
    body.dataset.live = state;
  }

  function text(value) { return value == null ? "" : String(value); }

  // A time on the customer's clock beside the centre's, as the pages' server-side clocks() says it.
  function clocks(iso, listId) {
    var list = document.getElementById(listId);
    if (!iso || !list || !list.dataset.centreZone) return "";
    var at = new Date(iso);
    function hm(zone) {
      try {
        return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(at);
      } catch (e) { return ""; }
    }
    var theirs = hm(list.dataset.customerZone || "UTC"), ours = hm(list.dataset.centreZone);
    if (!ours) return "";
    return (theirs && theirs !== ours ? theirs + " customer · " + ours + " centre" : ours) + " ";
  }

  // `key`: an item with the same key replaces the one shown (an alert by its interaction, a
  // nudge by its utterance: one sent again after a bus gap is not shown twice).
  function addItem(listId, message, limit, key, keyName) {
    var list = document.getElementById(listId);
    if (!list) return;
    var item = document.createElement("li");
    item.className = "flash";
    item.textContent = message;
    if (key) {
      keyName = keyName || "interaction";
      item.dataset[keyName] = key;
      Array.prototype.slice.call(list.children).forEach(function (old) {
        if (old.dataset[keyName] === key) list.removeChild(old);
      });
    }
    list.insertBefore(item, list.firstChild);
    while (list.children.length > (limit || 8)) list.removeChild(list.lastChild);
  }

  function addLink(listId, label, href, linkText) {
    var list = document.getElementById(listId);
    if (!list) return;
    var item = document.createElement("li");
    item.className = "flash";
    item.appendChild(document.createTextNode(label + " "));
    var a = document.createElement("a");
    a.href = href; a.textContent = linkText;
    item.appendChild(a);
    list.insertBefore(item, list.firstChild);
  }

  // -- countdowns and waits, ticking locally ------------------------------------------------------
  function span(seconds) {
    var s = Math.abs(Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) return h + " h " + (m < 10 ? "0" : "") + m + " min";
    if (m) return m + " min " + (r < 10 ? "0" : "") + r + " s";
    return r + " s";
  }
  // A deadline's level as the routing policy reads it (the seconds come from the server): high
  // when near or passed within the grace window (it still presses), medium inside the horizon,
  // low once long passed (history: no priority, no take-over), none while far ahead.
  var NEAR_S = Number(body.dataset.deadlineNearS || 1800);
  var HORIZON_S = Number(body.dataset.deadlineHorizonS || 7200);
  var GRACE_S = Number(body.dataset.deadlineGraceS || 1800);
  var LEVELS = ["level-high", "level-medium", "level-low"];
  function deadlineLevel(left) {
    if (left < -GRACE_S) return "level-low";
    if (left < NEAR_S) return "level-high";
    if (left <= HORIZON_S) return "level-medium";
    return null;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.deadline) - now) / 1000;
      var level = deadlineLevel(left);
      el.textContent = left >= 0 ? "in " + span(left) : "PASSED " + span(left) + " ago";
      LEVELS.forEach(function (name) { el.classList.toggle(name, name === level); });
      el.dataset.level = level ? level.slice(6) : "far";
    });
    // An alert's deadline, in the words of its sentence (the panel is fetched only on news).
    document.querySelectorAll("[data-since-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.sinceDeadline) - now) / 1000;
      el.textContent = left >= 0 ? "in " + span(left) : "passed " + span(left) + " ago";
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = span((now - Date.parse(el.dataset.since)) / 1000);
    });
  }
  tick();
  setInterval(tick, 1000);

  // -- fragments ----------------------------------------------------------------------------------
  function throttled(fn) {
    var running = false, again = false;
    function run() {
      if (running) { again = true; return; }
      running = true;
      Promise.resolve(fn()).catch(function () {}).then(function () {
        setTimeout(function () {
          running = false;
          if (again) { again = false; run(); }
        }, REFRESH_MS);
      });
    }
    return run;
  }

  function swap(panels) {
    Object.keys(panels).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      // Never pull a control out from under the keyboard: a focused panel waits for the next update.
      if (el.contains(document.activeElement) && document.activeElement !== document.body) return;
      el.innerHTML = panels[id];
    });
    tick();
  }

  function drawCharts(charts) {
    if (!window.Plotly || !charts) return;
    Object.keys(charts).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) window.Plotly.react(el, charts[id].data, charts[id].layout, { displayModeBar: false, responsive: true });
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  // The announcement strip says only what the alert list still holds: an alert cleared there
  // (the interaction ended, the agent calmed it) leaves the strip at the next update.
  function pruneAlerts() {
    var strip = document.getElementById("live-alerts");
    var panel = document.getElementById("panel-alerts");
    if (!strip || !panel) return;
    var current = {};
    panel.querySelectorAll("[data-interaction]").forEach(function (el) { current[el.dataset.interaction] = true; });
    Array.prototype.slice.call(strip.children).forEach(function (item) {
      if (!current[item.dataset.interaction]) strip.removeChild(item);
    });
  }

  var refresh = function () {};
  var connectedBefore = false;
  if (pageKind === "wallboard") {
    refresh = throttled(function () {
      return fetchJson("/wallboard/panels").then(function (data) {
        swap(data.panels); drawCharts(data.charts); pruneAlerts();
        body.dataset.updated = String(Date.now());
      });
    });
    window.addEventListener("load", function () {
      pruneAlerts();
      var data = document.getElementById("charts-data");
      if (data) drawCharts(JSON.parse(data.textContent));
    });
  } else if (pageKind === "missed" || pageKind === "calibration") {
    window.addEventListener("load", function () {
      var data = document.getElementById("charts-data");
      if (data) drawCharts(JSON.parse(data.textContent));
    });
  } else if (pageKind === "desktop" && myAgent) {
    refresh = throttled(function () {
      return fetchJson("/desktop/panels").then(function (panels) {
        swap(panels);
        body.dataset.updated = String(Date.now());
      });
    });
  } else if (pageKind === "interaction" && interactionId) {
    refresh = throttled(function () {
      return fetchJson("/interactions/" + encodeURIComponent(interactionId) + "/panels").then(function (panels) {
        var log = document.getElementById("panel-transcript");
        var atEnd = log && log.firstElementChild && log.firstElementChild.scrollHeight - log.firstElementChild.scrollTop - log.firstElementChild.clientHeight < 40;
        swap(panels);
        if (atEnd && log.firstElementChild) log.firstElementChild.scrollTop = log.firstElementChild.scrollHeight;
        body.dataset.updated = String(Date.now());
      });
    });
  }

  // -- push: an offer to take now, with why, until accepted, declined or expired -----------------
  function showOffer(msg) {
    var panel = document.getElementById("offer");
    if (!panel) return;
    panel.dataset.offer = msg.offer_id;
    document.getElementById("offer-contact").textContent = msg.interaction_id;
    document.getElementById("offer-channel").textContent = text(msg.channel);
    document.getElementById("offer-mot").hidden = !msg.moment_of_truth;
    document.getElementById("offer-summary").textContent = text(msg.summary);
    var same = document.getElementById("offer-same");
    var others = (msg.same_customer || []).map(function (o) { return text(o.words); });
    if (same) { same.textContent = others.length ? "Same customer: " + others.join("; ") : ""; same.hidden = !others.length; }
    document.getElementById("offer-expires").dataset.deadline = msg.expires_at;
    var base = "/desktop/offers/" + encodeURIComponent(msg.offer_id);
    document.getElementById("offer-accept").action = base + "/accept";
    document.getElementById("offer-decline").action = base + "/decline";
    panel.hidden = false;
    tick();
  }
  function hideOffer(msg) {
    var panel = document.getElementById("offer");
    if (!panel || panel.dataset.offer !== msg.offer_id) return;
    panel.hidden = true;
    delete panel.dataset.offer;
    if (msg.outcome === "expired") addItem("notices-list", "The offer of " + msg.interaction_id + " expired: it went to the next agent.");
  }

  // -- what a live message means for this page -----------------------------------------------------
  function concernsMe(msg) {
    if (!interactionId) return false;
    if (msg.interaction_id === interactionId || msg.source_interaction_id === interactionId) return true;
    if (msg.event && msg.event.interaction_id === interactionId) return true;
    return Array.isArray(msg.interaction_ids) && msg.interaction_ids.indexOf(interactionId) >= 0;
  }

  function onMessage(msg) {
    if (msg.type === "live.connected") {
      setStatus("connected", "connected");
      // After a gap (the stream dropped and came back) the page may have missed updates.
      if (connectedBefore) refresh();
      connectedBefore = true;
      return;
    }
    if (pageKind === "wallboard") {
      if (msg.type === "supervisor.alert") {
        addItem("live-alerts", text(msg.action).toUpperCase().replace("_", " ") + ": " + msg.interaction_id +
          (msg.agent_id ? " (" + msg.agent_id + ")" : "") + ", severity " + Math.round(100 * (msg.severity || 0)) + "%",
          8, msg.interaction_id);
      }
      refresh();
      return;
    }
    if (msg.type === "routing.decided" && myAgent && msg.agent_id === myAgent) {
      addLink(pageKind === "interaction" ? "nudges" : "notices-list", "New interaction for you" + (msg.moment_of_truth ? " (MOMENT OF TRUTH):" : ":"),
        "/interactions/" + encodeURIComponent(msg.interaction_id), msg.interaction_id);
    }
    if (msg.type === "routing.offered" && myAgent && msg.agent_id === myAgent) showOffer(msg);
    if (msg.type === "routing.offer_ended" && myAgent && msg.agent_id === myAgent) hideOffer(msg);
    if (msg.type === "agent.state_changed" && myAgent && msg.agent_id === myAgent) {
      var state = document.getElementById("agent-state");
      if (state) { state.textContent = text(msg.state).replace("_", " ").toUpperCase(); state.dataset.state = msg.state; }
      var menu = document.getElementById("state");
      if (menu && document.activeElement !== menu) menu.value = msg.state;
    }
    // An agent's stream carries only their own work: every message may change what is in their
    // hands or their state, so their side panel follows it.
    if (!concernsMe(msg)) { if (myAgent) refresh(); return; }
    // The message names itself ("already known: account number ..."): the label says only what to do.
    if (msg.type === "reask.detected") addItem("nudges", "DO NOT ASK AGAIN — " + msg.message);
    if (msg.type === "coaching.nudge") {
      (msg.nudges || []).forEach(function (n, i) {
        addItem("nudges", clocks(msg.occurred_at, "nudges") + "COACHING (" + text(n.kind).replace("_", " ") + "): instead of “" + n.span + "”, try: “" + n.suggestion + "”",
          8, msg.event_id ? msg.event_id + ":" + i : null, "nudge");
      });
    }
    if (msg.type === "coaching.withdrawn") {
      // The agent edited the message: advice on words no longer there goes.
      var shown = document.getElementById("nudges");
      if (shown) Array.prototype.slice.call(shown.children).forEach(function (old) {
        if (old.dataset.nudge && old.dataset.nudge.indexOf(msg.withdrawn + ":") === 0) shown.removeChild(old);
      });
    }
    if (msg.type === "interaction.escalated") {
      addItem("nudges", "ESCALATED to a call: " + msg.interaction_id + " in " + text(msg.queue));
    }
    if (msg.type === "key_message.posted" && msg.message) {
      addItem("nudges", "KEY MESSAGE (" + text(msg.message.severity).toUpperCase() + "): " + msg.message.title);
    }
    refresh();
  }

  // -- forms that stay on the page (the reply): sent in the background, the stream shows the rest --
  // Delegated: the reply form comes and goes with its panel (gone once the contact has ended).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-async]")) return;
    e.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Kairos-Async": "1", Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(data.message || ("the server answered " + r.status));
          form.reset();
          refresh();
        });
      })
      .catch(function (err) { addItem("nudges", "NOT SENT: " + err.message); })
      .then(function () { if (button) button.disabled = false; });
  });

  // -- the stream ----------------------------------------------------------------------------------
  if (!window.EventSource) { setStatus("unavailable in this browser", "unsupported"); return; }
  var notices = document.getElementById("notices");
  if (notices && !document.getElementById("notices-list")) {
    var list = document.createElement("ul");
    list.id = "notices-list"; list.className = "live-alerts";
    notices.appendChild(list);
  }
  var source = new EventSource("/live/events");
  // "connected" only once the server's live.connected says the subscription is in place: the
  // socket opening comes first, and a message published between the two would not be seen.
  source.onerror = function () { setStatus("reconnecting…", "reconnecting"); };
  source.onmessage = function (e) {
    var msg;
    try { msg = JSON.parse(e.data); } catch (err) { return; }
    onMessage(msg);
  };
  window.addEventListener("pagehide", function () { source.close(); });
})();
