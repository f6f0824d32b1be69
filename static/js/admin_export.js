/* django-import-export's export page: the "select all" box ticks or clears every field.
   Its template had an inline change handler; the content security policy runs scripts from
   our own files only, so the handler is bound here (onSelectToggleChange is the package's,
   from import_export/export_selectable_fields.js). */
(function () {
  "use strict";
  document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", function (event) {
      window.onSelectToggleChange(event);
    });
  });
})();
