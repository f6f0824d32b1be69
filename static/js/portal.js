/* volunteer-portal: small behaviours on top of Bootstrap, no inline scripts (CSP-ready). */
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]), select, textarea";

  function isShown(element) {
    return !!(element.offsetWidth || element.offsetHeight || element.getClientRects().length);
  }

  /* Focus a field; when it is off screen, bring it to the middle, so its label above and
     its error below show too. */
  function focusField(element) {
    var rect = element.getBoundingClientRect();
    var onScreen = rect.top >= 0 && rect.bottom <= window.innerHeight;
    element.focus({ preventScroll: true });
    if (!onScreen) element.scrollIntoView({ block: "center" });
  }

  /* Focus and stay put. Chromium scrolls a date or time input into view even when asked
     not to (focus goes on to a part inside it), so the position is put back at once. */
  function focusWithoutScrolling(element) {
    var x = window.scrollX, y = window.scrollY;
    element.focus({ preventScroll: true });
    window.scrollTo({ left: x, top: y, behavior: "instant" });
  }

  /* Whether an element lies within the page's first screen (where the page opens). */
  function onFirstScreen(element) {
    var rect = element.getBoundingClientRect();
    var top = rect.top + window.scrollY;
    return top >= 0 && rect.bottom + window.scrollY <= window.innerHeight;
  }

  /* A failed form: focus its first field with an error. When that field is below the first
     screen, the page stays at the top, where the summary lists every error as a link to its
     field, and the field is focused without scrolling (the next Tab or typing goes there).
     With only errors not tied to a field, focus the form's error message instead. */
  function focusFirstError() {
    var invalid = Array.prototype.filter.call(
      document.querySelectorAll("main [aria-invalid=true], main .is-invalid"),
      function (element) { return element.matches(FIELDS) && isShown(element); }
    );
    var summary = document.querySelector("main [data-error-summary]");
    if (invalid.length) {
      if (onFirstScreen(invalid[0]) || !summary || !isShown(summary)) {
        focusField(invalid[0]);
      } else {
        focusWithoutScrolling(invalid[0]);
        var box = summary.getBoundingClientRect();
        if (box.top < 0 || box.top >= window.innerHeight) summary.scrollIntoView({ block: "start" });
      }
      return;
    }
    var message = document.querySelector("main [data-error-summary], main form .alert-danger");
    if (message) {
      if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
      message.focus();
    }
  }

  /* The summary's links move focus to the field, not only the scroll position. */
  function onSummaryClick(event) {
    var link = event.target.closest("[data-error-summary] a[data-field]");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target || !isShown(target)) {
      target = Array.prototype.find.call(
        document.getElementsByName(link.dataset.field), isShown
      );
    }
    if (target) {
      event.preventDefault();
      focusField(target);
    }
  }

  /* Forms that ask first: <form data-confirm="Sure?">. */
  function onSubmit(event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }

  document.addEventListener("click", onSummaryClick);
  document.addEventListener("submit", onSubmit);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
