/* A background roster job's page (groups/roster_job.html): asks for the job's progress
   every two seconds, moves the bar and the line under it, and reloads the page once the
   job is done (the file, the preview or what was imported is then on it). Without
   scripts, the page's Refresh link does the same by hand. */
(function () {
  "use strict";

  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) {
    return;
  }
  var bar = document.getElementById("job-bar");
  var message = document.getElementById("job-message");
  var url = box.getAttribute("data-status-url");
  var failures = 0;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 400 && response.status < 500) {
          return null; // no longer this person's to see (logged out, rights gone): stop
        }
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        if (progress === null) {
          return;
        }
        failures = 0;
        if (progress.finished) {
          window.location.reload();
          return;
        }
        bar.value = progress.percent;
        bar.textContent = progress.percent + "%";
        if (message.textContent !== progress.message) {
          message.textContent = progress.message;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1; // the server is restarting, the network is gone: slow down
        window.setTimeout(poll, Math.min(30000, 2000 * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, 1000);
})();
