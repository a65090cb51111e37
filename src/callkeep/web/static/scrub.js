// The scrub's progress page follows /scrubs/jobs/JOB/status.json while the scrub runs.
// Progressive enhancement only: without this file the page refreshes itself every second.
(function () {
  "use strict";
  var box = document.querySelector("[data-scrub-status]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-scrub-status");
  function show(name, text) {
    var el = box.querySelector("[data-field='" + name + "']");
    if (el) { el.textContent = text; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (status) {
        if (status.state === "done") {
          window.location.assign("/scrubs/" + encodeURIComponent(status.scrub_id));
          return;
        }
        if (status.state === "failed") { window.location.reload(); return; }
        show("rows_done", status.rows_done.toLocaleString("en-US"));
        show("rows_total", status.rows_total.toLocaleString("en-US"));
        show("rate", Math.round(status.rate).toLocaleString("en-US"));
        show("percent", String(status.percent));
        var bar = box.querySelector("progress");
        if (bar) { bar.value = status.percent; }
        box.setAttribute("data-polled", "yes");
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
