// Keeps the keyboard inside the open dialog or the open phone menu: Tab from the last item goes to
// the first, Shift+Tab from the first goes to the last. USWDS has its own trap, but it counts
// elements nobody can reach (the sign-out form's hidden CSRF input, the links of a collapsed
// submenu), so Shift+Tab could leave the time-out dialog and Tab could leave the phone menu. This
// one counts only what is shown at the moment of the key press, and it listens in the capture
// phase and stops the key there, so USWDS's trap never acts on a Tab as well.
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function reachable(element) {
    if (element.disabled || element.tabIndex < 0 || element.getClientRects().length === 0) {
      return false;
    }
    return window.getComputedStyle(element).visibility === "visible";
  }

  // The open dialog comes first: the time-out warning can open over an open menu.
  function openContainer() {
    if (document.body.classList.contains("usa-js-modal--active")) {
      return document.querySelector(".usa-modal-wrapper.is-visible");
    }
    if (document.body.classList.contains("usa-js-mobile-nav--active")) {
      return document.querySelector(".usa-nav.is-visible");
    }
    return null;
  }

  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var container = openContainer();
      if (!container) {
        return;
      }
      var stops = Array.prototype.filter.call(container.querySelectorAll(FOCUSABLE), reachable);
      if (stops.length === 0) {
        return;
      }
      event.stopPropagation();
      var position = stops.indexOf(document.activeElement);
      var next = null;
      if (event.shiftKey && position <= 0) {
        next = stops[stops.length - 1];
      } else if (!event.shiftKey && (position === -1 || position === stops.length - 1)) {
        next = stops[0];
      }
      if (next) {
        event.preventDefault();
        next.focus();
      }
    },
    true
  );
})();
