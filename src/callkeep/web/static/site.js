// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function ready() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
    var buttons = document.querySelectorAll("[data-action='print']");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
