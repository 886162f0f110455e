// Moves focus to the error summary when a form comes back with errors, so screen reader and
// keyboard users hear what went wrong first (USWDS error summary pattern).
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
