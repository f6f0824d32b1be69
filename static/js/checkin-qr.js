/* The coordinator's check-in screen: the code changes every minute, so this fetches the
   current one every data-qr-every seconds (and when the screen wakes up) from the address
   in data-qr-refresh, a JSON {svg, url}. If that fails (no connection, logged out), a
   warning shows until a fetch succeeds again. No inline script: the content security
   policy allows scripts from our own files only. */
(function () {
  "use strict";

  var box = document.querySelector("[data-qr-refresh]");
  if (!box) {
    return;
  }
  var source = box.getAttribute("data-qr-refresh");
  var every = (parseInt(box.getAttribute("data-qr-every"), 10) || 20) * 1000;
  var address = document.getElementById("qr-url");
  var offline = document.getElementById("qr-offline");

  function show(code) {
    box.innerHTML = code.svg; /* our own server's QR code, an SVG with no script */
    if (address) {
      address.textContent = code.url;
    }
    if (offline) {
      offline.hidden = true;
    }
  }

  function refresh() {
    fetch(source, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      redirect: "error" /* a login page is not a code */,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        if (offline) {
          offline.hidden = false;
        }
      });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      refresh(); /* back from another page: the code shown may be old */
    }
  });
})();
