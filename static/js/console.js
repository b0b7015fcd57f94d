// The moderation console: the queue is fetched again whenever it changes, but never over a
// form a youth worker is filling in. Their words stay; the queue catches up when they leave it.
(function () {
  "use strict";
  var waiting = false;

  function busy() {
    var active = document.activeElement;
    var queue = document.getElementById("queue");
    var typing = active && (active.tagName === "TEXTAREA" ||
                            (active.tagName === "INPUT" && active.type === "text"));
    return !!(queue && typing && queue.contains(active) && active.value);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var path = event.detail.requestConfig && event.detail.requestConfig.path;
    if (path === "/moderation/queue" && event.detail.requestConfig.verb === "get" && busy()) {
      event.detail.shouldSwap = false;
      waiting = true;
    }
  });

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      if (waiting && !busy() && window.htmx) {
        waiting = false;
        window.htmx.ajax("GET", "/moderation/queue", {target: "#queue", swap: "outerHTML"});
      }
    }, 0);
  });
})();
