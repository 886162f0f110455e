// Moves focus to the error summary when a form comes back with errors, so screen reader and
// keyboard users hear what went wrong first (USWDS error summary pattern).
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();

// A form marked `data-submit-once` is sent once: a second click or Enter while the first is on its
// way does nothing, and its buttons say so to assistive technology. The server still acts once
// for a repeated submission (each form carries a one-time submission id); this only spares the
// wait. Coming back with the Back button (pageshow from the cache) makes the form usable again.
(function () {
  "use strict";
  function release(form) {
    delete form.dataset.submitting;
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.removeAttribute("aria-disabled");
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-submit-once]")) {
      return;
    }
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(release);
  });
})();
