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

  // 常用意见: a click puts the phrase into the opinion box (appended on a new line).
  document.addEventListener("click", function (event) {
    var chip = event.target.closest && event.target.closest("[data-phrase]");
    if (!chip) { return; }
    var box = document.getElementById(chip.getAttribute("data-target"));
    if (!box) { return; }
    var phrase = chip.getAttribute("data-phrase");
    box.value = box.value.trim() ? box.value.trim() + "\n" + phrase : phrase;
    box.focus();
  });

  // A Django formset: "再加一条措施" copies the empty row (<template>) and counts it in
  // TOTAL_FORMS. Without JavaScript the server's blank rows are there to fill.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset]").forEach(function (box) {
      var prefix = box.getAttribute("data-formset");
      var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var max = box.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
      var template = box.querySelector("template[data-formset-template]");
      var rows = box.querySelector("[data-formset-rows]");
      var add = box.querySelector("[data-formset-add]");
      if (!total || !template || !rows || !add) { return; }
      add.hidden = false;
      add.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        if (max && index >= parseInt(max.value, 10)) { return; }
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var first = rows.lastElementChild.querySelector("textarea, input, select");
        if (first) { first.focus(); }
      });
    });
  });

  // Bulk actions: count the ticked rows, tick a whole page at once. The server counts again
  // on the confirmation page, so without JavaScript nothing is lost but the live count.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-bulk]").forEach(function (form) {
      var boxes = function () {
        return document.querySelectorAll("input[type=checkbox][name=ids][form='" + form.id + "']");
      };
      var count = form.querySelector("[data-bulk-count]");
      var all = document.querySelector("[data-bulk-all][data-form='" + form.id + "']") ||
        document.querySelector("[data-bulk-all]");
      var button = form.querySelector("button[type=submit]");
      var update = function () {
        var n = 0;
        boxes().forEach(function (box) { if (box.checked) { n += 1; } });
        if (count) { count.textContent = String(n); }
        if (button) { button.disabled = n === 0; }
        form.classList.toggle("has-selection", n > 0);
      };
      document.addEventListener("change", function (event) {
        var target = event.target;
        if (target === all) {
          boxes().forEach(function (box) { box.checked = all.checked; });
        }
        if (target === all || (target.name === "ids" && target.getAttribute("form") === form.id)) {
          update();
        }
      });
      update();
    });
  });

  // On a phone, the long sections of the problem page start folded; a tap on the heading
  // opens them. A section holding a failed form, or the one the link points at, stays open.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia || !window.matchMedia("(max-width: 640px)").matches) { return; }
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    document.querySelectorAll("[data-fold]").forEach(function (section) {
      var head = section.querySelector("h2");
      if (!head || head.parentNode !== section) { return; }
      var mark = document.createElement("span");
      mark.className = "fold-mark";
      head.appendChild(mark);
      head.setAttribute("role", "button");
      head.setAttribute("tabindex", "0");
      var set = function (folded) {
        section.classList.toggle("folded", folded);
        head.setAttribute("aria-expanded", String(!folded));
        mark.textContent = folded ? (english ? "Show ▾" : "展开 ▾") : (english ? "Hide ▴" : "收起 ▴");
      };
      var keep = section.getAttribute("data-fold") === "open" ||
        section.querySelector("[data-has-errors]") || window.location.hash === "#" + section.id;
      set(!keep);
      var toggle = function () { set(!section.classList.contains("folded")); };
      head.addEventListener("click", toggle);
      head.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
      });
    });
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
