/* A file rendered by the worker (statement, agreement): asks whether it is ready (HEAD on its
   download address, 404 until then) and reloads the page once it is. */
(function () {
  var box = document.querySelector("[data-file-pending]");
  if (!box) return;
  var url = box.getAttribute("data-file-pending");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { method: "HEAD", credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) { window.location.reload(); }
        else if (tries < 200) { window.setTimeout(poll, 3000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
