// The idle time-out warning. The server tells the page how many seconds are left
// (data-seconds-left); a minute before the end this opens the USWDS modal with "Stay signed in"
// focused. "Stay signed in" posts to the keep-alive address, which counts as activity. When the
// time is up the page reloads and the server, which keeps the real clock, sends it to the
// "You were signed out" page (or, if another tab kept the session alive, shows the page again).
// Escape does not dismiss the warning silently: it means "Stay signed in", so the session is
// extended, the dialog closes and focus goes back to where it was before the dialog opened, as
// after a click on "Stay signed in". (The modal is data-force-action, so USWDS leaves Escape to us.)
(function () {
  "use strict";

  // The words come from the page (data-one-minute, data-one-second, data-seconds-word), in the
  // page's language; the English ones are only a fallback.
  function words(modal, seconds) {
    if (seconds >= 60) {
      return modal.getAttribute("data-one-minute") || "1 minute";
    }
    if (seconds === 1) {
      return modal.getAttribute("data-one-second") || "1 second";
    }
    return seconds + " " + (modal.getAttribute("data-seconds-word") || "seconds");
  }

  function start() {
    var modal = document.querySelector("[data-session-timeout]");
    var opener = document.querySelector("[data-session-timeout-open]");
    if (!modal || !opener) {
      return;
    }
    var form = modal.querySelector("form[data-keep-alive]");
    var countdown = modal.querySelector("[data-countdown]");
    var stay = modal.querySelector("[data-stay]");
    var warning = parseInt(modal.getAttribute("data-warning-seconds"), 10) || 60;
    var deadline = 0;
    var shown = false;
    // Where the keyboard was when the warning opened, to go back there after "Stay signed in".
    var returnTo = null;

    function isOpen() {
      var wrapper = modal.closest(".usa-modal-wrapper");
      return Boolean(wrapper && wrapper.classList.contains("is-visible"));
    }

    function restart(secondsLeft) {
      deadline = Date.now() + secondsLeft * 1000;
      shown = false;
    }

    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      // A little after the server's limit, so the server has certainly signed the session out.
      if (left <= -2) {
        window.clearInterval(timer);
        window.location.assign(window.location.pathname + window.location.search);
        return;
      }
      if (left <= warning) {
        countdown.textContent = words(modal, Math.max(left, 0));
        if (!shown) {
          shown = true;
          returnTo = document.activeElement;
          opener.click();
          // An open phone menu hid the rest of the page from screen readers, this dialog's
          // contents included (USWDS marks them data-nav-hidden); the dialog is now on top.
          var wrapper = modal.closest(".usa-modal-wrapper") || modal;
          wrapper.removeAttribute("data-nav-hidden");
          wrapper.querySelectorAll("[data-nav-hidden]").forEach(function (element) {
            element.removeAttribute("aria-hidden");
            element.removeAttribute("data-nav-hidden");
          });
          stay.focus();
        }
      }
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-sign-out")) {
        return;
      }
      event.preventDefault();
      // USWDS has closed the dialog on the click (data-close-modal) and tried its hidden opener.
      if (returnTo && returnTo !== document.body && document.contains(returnTo)) {
        returnTo.focus();
      }
      returnTo = null;
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        })
        .then(function (response) {
          if (response.redirected || !response.ok) {
            window.location.assign(response.url);
            return null;
          }
          return response.json();
        })
        .then(function (data) {
          if (data) {
            restart(data.seconds_left);
          }
        })
        .catch(function () {
          window.location.assign(window.location.pathname + window.location.search);
        });
    });

    // Captured before any other listener, so Escape means only "Stay signed in" while the dialog
    // is open (and does not, say, also close the phone menu underneath).
    document.addEventListener(
      "keydown",
      function (event) {
        if ((event.key === "Escape" || event.key === "Esc") && isOpen()) {
          event.preventDefault();
          event.stopPropagation();
          stay.click();
        }
      },
      true
    );

    restart(parseInt(modal.getAttribute("data-seconds-left"), 10) || 0);
    var timer = window.setInterval(tick, 1000);
  }

  // After uswds.min.js (loaded at the end of the page) has set up the modal.
  window.addEventListener("load", start);
})();
