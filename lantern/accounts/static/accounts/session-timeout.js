// The idle time-out warning. The server tells the page how many seconds are left
// (data-seconds-left); a minute before the end this opens the USWDS modal with "Stay signed in"
// focused. "Stay signed in" posts to the keep-alive address, which counts as activity. When the
// time is up the page reloads and the server, which keeps the real clock, sends it to the
// "You were signed out" page (or, if another tab kept the session alive, shows the page again).
(function () {
  "use strict";

  function words(seconds) {
    if (seconds >= 60) {
      return "1 minute";
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
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
        countdown.textContent = words(Math.max(left, 0));
        if (!shown) {
          shown = true;
          opener.click();
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

    restart(parseInt(modal.getAttribute("data-seconds-left"), 10) || 0);
    var timer = window.setInterval(tick, 1000);
  }

  // After uswds.min.js (loaded at the end of the page) has set up the modal.
  window.addEventListener("load", start);
})();
