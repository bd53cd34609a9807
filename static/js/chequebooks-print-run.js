/* chequebooks: polls a print run's progress (JSON) and updates the page; reloads when done,
   failed or stalled (no sign of life: the page then offers the relaunch).
   No meta refresh (it would reload the page under the person's feet). */
(function () {
  var box = document.querySelector("[data-print-run-progress]");
  if (!box) return;
  var url = box.getAttribute("data-print-run-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (bar) bar.value = data.progress;
        if (text) text.textContent = data.progress + " %";
        if (data.status === "done" || data.status === "failed" || data.stalled) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
