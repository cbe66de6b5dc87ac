/* The reports page: while a report is being written, ask for its status every 3 seconds and
   reload the page once it has changed (then its files are listed). A meta refresh does not do
   this reliably: it does not fire on a URL with a fragment (#report-<id>). Without JavaScript,
   the page's <noscript> refresh to the plain URL does the same. */
(function () {
  var running = document.querySelectorAll("#report-list li[data-status=running]");
  if (!running.length) { return; }
  function poll() {
    var checks = Array.prototype.map.call(running, function (item) {
      return fetch(item.dataset.statusUrl, {headers: {"Accept": "application/json"}, cache: "no-store"})
        .then(function (response) { return response.ok ? response.json() : {status: "failed"}; })
        .then(function (report) { return report.status !== "running"; })
        .catch(function () { return false; });
    });
    Promise.all(checks).then(function (changed) {
      if (changed.indexOf(true) >= 0) { window.location.reload(); } else { setTimeout(poll, 3000); }
    });
  }
  setTimeout(poll, 3000);
})();
