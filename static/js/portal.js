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

  /* Whether an element lies within the page's first screen (where the page opens). */
  function onFirstScreen(element) {
    var rect = element.getBoundingClientRect();
    var top = rect.top + window.scrollY;
    return top >= 0 && rect.bottom + window.scrollY <= window.innerHeight;
  }

  /* A failed form: focus its first field with an error when it is on the first screen.
     When it is further down, the page stays at the top and the summary takes the focus:
     screen readers announce it, and its links lead to each field (focusing a field out of
     sight would send the first keystrokes somewhere the person cannot see). With only
     errors not tied to a field, focus the form's error message instead. */
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
        if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
        summary.focus({ preventScroll: true });
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
