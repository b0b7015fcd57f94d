// A campaign page, live: one websocket, catch-up after a drop, and what differs per viewer.
//
// The server sends the same fragments to everyone in the room. Each fragment starts with the
// event's number (#live-cursor). This script says the last number it has whenever the socket
// (re)opens, skips anything it already has, fetches a fresh copy of the page's live parts when
// the server says it is too far behind, and marks the viewer's own comments.
(function () {
  "use strict";

  var LIVE_PARTS = ["polls", "discussion", "present"];
  var NUMBER = /^\s*<div id="live-cursor" data-event="(\d+)"( data-snapshot="1")?/;
  var TALLY = /<div id="(poll-\d+-results)"/;

  function cursor() {
    var found = document.getElementById("live-cursor");
    return found ? parseInt(found.getAttribute("data-event"), 10) || 0 : 0;
  }

  // What the page says, in its language: the server writes each phrase on #live-status.
  function say(what, fallback) {
    var status = document.getElementById("live-status");
    return (status && status.getAttribute("data-say-" + what)) || fallback;
  }

  function setStatus(text, state) {
    var status = document.getElementById("live-status");
    if (!status) return;
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function markMine(root) {
    var me = document.body.getAttribute("data-user");
    if (!me) return;
    var comments = root.querySelectorAll(".comment[data-author]");
    for (var i = 0; i < comments.length; i++) {
      comments[i].classList.toggle("mine", comments[i].getAttribute("data-author") === me);
    }
  }

  function makeRoomForDeletes(message) {
    // A fragment may first delete a copy of what it adds (a lead's page showed the poll as a
    // draft). On pages without that copy there is nothing to delete: put a stand-in there,
    // so htmx deletes that instead of reporting a missing target.
    var deletes = /hx-swap-oob="delete:#([\w-]+)"/g;
    var found;
    while ((found = deletes.exec(message)) !== null) {
      if (!document.getElementById(found[1])) {
        var stand_in = document.createElement("template");
        stand_in.id = found[1];
        document.body.appendChild(stand_in);
      }
    }
  }

  function markEditable(root) {
    // Pushed comments cannot know the time: a comment's author can change it for 10 minutes.
    var now = Date.now();
    var comments = root.querySelectorAll(".comment[data-editable-until]");
    for (var i = 0; i < comments.length; i++) {
      var until = Date.parse(comments[i].getAttribute("data-editable-until"));
      comments[i].classList.toggle("edit-expired", !(until > now));
    }
  }

  function refresh() {
    // Too far behind to replay: read the page again and put in its live parts.
    fetch(window.location.pathname + window.location.search, {credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        LIVE_PARTS.concat(["live-cursor"]).forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) {
            now.replaceWith(next);
            if (window.htmx) window.htmx.process(next);
          }
        });
        markMine(document);
        setStatus(say("open", "Updating live"), "open");
      });
  }

  document.addEventListener("htmx:wsOpen", function (event) {
    event.detail.socketWrapper.sendImmediately(JSON.stringify({after: cursor()}));
    setStatus(say("open", "Updating live"), "open");
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    if (code === 4403) {
      setStatus(event.detail.event.reason ||
                say("gone", "You can no longer follow this campaign live."),
                "ended");
    } else if ([1006, 1011, 1012, 1013].indexOf(code) >= 0) {
      setStatus(say("reconnecting", "Reconnecting…"), "reconnecting");
    } else {
      setStatus(say("ended", "Not live: reload the page to see the latest."), "ended");
    }
  });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    if (typeof message !== "string") return;
    var found = NUMBER.exec(message);
    if (!found) {
      // A tally: always the newest count, for a poll this page may not show (a big screen
      // shows only its current poll).
      var poll = TALLY.exec(message);
      if (poll && !document.getElementById(poll[1])) event.preventDefault();
      return;
    }
    var number = parseInt(found[1], 10);
    makeRoomForDeletes(message);
    if (document.querySelector("[data-refresh-on-event]")) {
      // The presenter's screen draws itself afresh from the server instead.
      event.preventDefault();
      if (number > cursor()) refresh();
      return;
    }
    if (found[2]) {
      event.preventDefault();
      document.getElementById("live-cursor").setAttribute("data-event", String(number));
      refresh();
    } else if (number <= cursor()) {
      event.preventDefault();  // already here (sent again while catching up)
    }
  });

  function announcer() {
    // One polite live region that stays on the page, so a screen reader says each new tally
    // once (a region swapped in with its words already in it is often not read out at all).
    var found = document.getElementById("live-announcer");
    if (!found && document.getElementById("live-status")) {
      found = document.createElement("p");
      found.id = "live-announcer";
      found.className = "visually-hidden";
      found.setAttribute("aria-live", "polite");
      document.body.appendChild(found);
    }
    return found;
  }

  function announceTally(message) {
    var poll = typeof message === "string" ? TALLY.exec(message) : null;
    var region = poll ? announcer() : null;
    if (!region) return;
    var results = document.getElementById(poll[1]);
    var count = results ? results.querySelector(".poll-count") : null;
    if (!count) return;
    var now = count.textContent.trim();
    if (counted[poll[1]] === now) return;  // the same count again: nothing new to say
    counted[poll[1]] = now;
    var question = document.getElementById(poll[1].replace(/-results$/, "-q"));
    region.textContent = (question ? question.textContent.trim() + ": " : "") + now;
  }

  var counted = {};  // each poll's count as last shown, by the id of its results

  function noteCounts() {
    var shown = document.querySelectorAll(".poll-results[id] .poll-count");
    for (var i = 0; i < shown.length; i++) {
      counted[shown[i].parentNode.id] = shown[i].textContent.trim();
    }
  }

  document.addEventListener("htmx:wsAfterMessage", function (event) {
    markMine(document);
    markEditable(document);
    announceTally(event.detail.message);
  });
  document.addEventListener("DOMContentLoaded", function () {
    announcer();
    noteCounts();
    markMine(document);
    markEditable(document);
    window.setInterval(function () { markEditable(document); }, 15000);
  });

  document.addEventListener("htmx:responseError", function (event) {
    // A refused action (403 and the like) comes back as an error page: say what it said,
    // next to the form that was sent.
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    var answer = new DOMParser().parseFromString(event.detail.xhr.responseText || "",
                                                 "text/html");
    var said = answer.querySelector("main h1 + p") || answer.querySelector(".error");
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = said ? said.textContent.trim()
      : say("failed", "That did not work. Reload the page and try again.");
    var old = form && form.querySelector(".error[role=alert]");
    if (old) old.remove();
    if (form) form.prepend(note);
  });
})();
