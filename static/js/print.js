/* Print buttons: <button data-print hidden> prints the page. Hidden until this runs, so
   without scripts there is no button that does nothing. No inline script (the content
   security policy allows scripts from our own files only). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
