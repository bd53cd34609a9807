// Redemption form: a QR scanner types "PASSNUM:<number>:<code>" then Enter into the focused
// field. Split it into the line's two fields and move to the next line instead of submitting.
// Enter in a code field also moves to the next line. Without JavaScript the server reads the
// QR content typed in the number field just the same.
(function () {
  "use strict";
  var form = document.getElementById("redeem-form");
  if (!form) return;
  var pattern = /^\s*PASSNUM\s*[:;]\s*(\d{1,18})\s*[:;]\s*([A-Za-z0-9 -]{4,32})\s*$/i;
  function field(kind, line) { return form.querySelector("input.cheque-" + kind + "[data-line='" + line + "']"); }
  function nextLine(line) {
    var next = field("number", line + 1);
    if (next) { next.focus(); } else { document.getElementById("redeem-submit").focus(); }
  }
  function split(input) {
    var m = pattern.exec(input.value);
    if (!m) return false;
    var line = parseInt(input.dataset.line, 10);
    input.value = m[1];
    var code = field("code", line);
    if (code) code.value = m[2].replace(/[\s-]/g, "").toUpperCase();
    return true;
  }
  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key !== "Enter" || !t.dataset || !t.dataset.line) return;
    event.preventDefault();
    var line = parseInt(t.dataset.line, 10);
    if (t.classList.contains("cheque-number")) {
      if (split(t)) { nextLine(line); } else { var c = field("code", line); if (c) c.focus(); }
    } else {
      nextLine(line);
    }
  });
  form.addEventListener("input", function (event) {
    var t = event.target;
    if (t.classList && t.classList.contains("cheque-number") && pattern.test(t.value)) {
      // Some scanners send no Enter: split as soon as the content is complete.
      window.clearTimeout(t._splitTimer);
      t._splitTimer = window.setTimeout(function () {
        if (split(t)) nextLine(parseInt(t.dataset.line, 10));
      }, 120);
    }
  });
  // A refused form's error summary has the focus (error-summary.js); otherwise line 1.
  var first = field("number", 1);
  if (!document.querySelector("[data-error-summary]") && first && !first.value) { first.focus(); }
})();
