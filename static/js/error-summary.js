// The error summary of a refused form (templates/includes/_error_summary.html): it takes the
// focus when the page opens, so a screen reader reads it and the keyboard starts there; each
// link moves the focus to its field and shows the field's label (or its group's legend).
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    // A list of radios or checkboxes is linked as a group: its first option takes the focus.
    if (!target.matches("input, select, textarea, button")) {
      target = target.querySelector("input, select, textarea, button") || target;
    }
    var choice = target.type === "radio" || target.type === "checkbox";
    var group = choice ? target.closest("fieldset") : null;
    var label = document.querySelector("label[for='" + target.id + "']");
    var shown = (group && group.querySelector("legend")) || label || target;
    shown.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
})();
