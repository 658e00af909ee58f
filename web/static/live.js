// The live picture: when the server announces an action (server-sent
// events), fetch the page's live sections again and swap them in. Without
// script the page is complete as served; reloading it shows the same.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.EventSource || !window.fetch) { return; }
  var status = document.getElementById("live-status");
  var busy = false, again = false;
  function say(text) { if (status) { status.textContent = text; } }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (html) {
        root.innerHTML = html;
        say("Live: updated " + new Date().toLocaleTimeString());
      })
      .catch(function (e) { say("Live: could not update (" + e.message + "); reload the page."); })
      .then(function () {
        busy = false;
        if (again) { again = false; setTimeout(refresh, 250); }
      });
  }
  var es = new EventSource(root.getAttribute("data-events"));
  es.addEventListener("action", refresh);
  es.addEventListener("open", function () { say("Live: connected"); });
  es.addEventListener("error", function () { say("Live: reconnecting…"); });
})();
