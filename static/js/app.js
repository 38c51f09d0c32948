/* 整改台账 — the only script: ask before destructive actions, and move focus to errors.
   Every page works without it (the server checks everything again). */
(function () {
  "use strict";

  // <form data-confirm="确定撤销…？">: ask once before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // After a failed submission the server opens the form that failed: bring it into view.
  document.addEventListener("DOMContentLoaded", function () {
    var failed = document.querySelector("[data-has-errors]");
    if (failed) {
      failed.scrollIntoView({ block: "center" });
      var first = failed.querySelector("[aria-invalid='true'], input, textarea, select");
      if (first) { first.focus({ preventScroll: true }); }
    }
  });
})();
