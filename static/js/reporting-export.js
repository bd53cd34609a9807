/* reporting: polls a detailed export's progress (JSON) and shows the download link when done. */
(function () {
  var box = document.getElementById("export-status");
  if (!box || box.dataset.done) return;
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        document.getElementById("export-message").textContent =
          d.status_label + " – " + d.progress + " % (" + d.rows + " lignes)";
        document.getElementById("export-progress").value = d.progress;
        if (d.done) { document.getElementById("export-download").hidden = false; }
        else if (d.status !== "failed") { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
