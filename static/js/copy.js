/* Copy buttons: <button data-copy="#field-id" data-copied="Copied" hidden> copies the
   field's value to the clipboard and says so (in the button, and to screen readers
   through the element named by data-copy-status). Hidden until this runs, so without
   scripts there is no button that does nothing. No inline script: the content security
   policy allows scripts from our own files only. */
(function () {
  "use strict";

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value).catch(function () {
        return fallback(field);
      });
    }
    return fallback(field);
  }

  function fallback(field) {
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var status = document.getElementById(button.getAttribute("data-copy-status") || "");
    var label = button.querySelector("[data-copy-label]") || button;
    var original = label.textContent;
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(
        function () {
          label.textContent = button.getAttribute("data-copied") || original;
          if (status) {
            status.textContent = button.getAttribute("data-copied") || "";
          }
          clearTimeout(timer);
          timer = setTimeout(function () {
            label.textContent = original;
            if (status) {
              status.textContent = "";
            }
          }, 2500);
        },
        function () {
          field.focus();
          field.select(); /* copying refused: the address is selected to copy by hand */
        }
      );
    });
  });
})();
