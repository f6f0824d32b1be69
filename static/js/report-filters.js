/* The report's and the ledger's filters: choosing a quick pick (this month...) clears
   typed dates, which would otherwise win over it; typing a date selects "dates of my
   choice". Without scripts the server does the same when the dates are cleared. */
(function () {
  "use strict";
  document.querySelectorAll("select[name=range]").forEach(function (pick) {
    var form = pick.form;
    var dates = [form.elements.start, form.elements.end].filter(Boolean);
    pick.addEventListener("change", function () {
      if (pick.value !== "custom") {
        dates.forEach(function (input) { input.value = ""; });
      }
    });
    dates.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) {
          pick.value = "custom";
        }
      });
    });
  });
})();
