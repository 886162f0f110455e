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

// "Show password" is a toggle button: its name stays "Show password" and aria-pressed says whether
// the password is shown, so a screen reader hears "Show password, toggle button, pressed" exactly
// when the password is on screen. USWDS's own toggle renames the button "Hide password" and sets
// aria-pressed to the opposite of the state, so it was read as pressed while the password was
// hidden; this listener runs first (capture phase) and stops the click there.
(function () {
  "use strict";
  var TOGGLE = "button.usa-show-password[aria-controls]";

  function fieldsOf(button) {
    return button
      .getAttribute("aria-controls")
      .trim()
      .split(/\s+/)
      .map(function (id) {
        return document.getElementById(id);
      })
      .filter(Boolean);
  }

  function setShown(button, shown) {
    fieldsOf(button).forEach(function (input) {
      input.setAttribute("autocapitalize", "off");
      input.setAttribute("autocorrect", "off");
      input.type = shown ? "text" : "password";
    });
    button.setAttribute("aria-pressed", shown ? "true" : "false");
  }

  function prepare(root) {
    root.querySelectorAll(TOGGLE).forEach(function (button) {
      button.textContent = button.getAttribute("data-show-text") || "Show password";
      setShown(button, false);
    });
  }

  document.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest ? event.target.closest(TOGGLE) : null;
      if (!button) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      setShown(button, button.getAttribute("aria-pressed") !== "true");
    },
    true
  );
  // Forms that htmx brings in later get the same starting state.
  document.addEventListener("htmx:load", function (event) {
    prepare(event.detail.elt);
  });
  prepare(document);
})();
