// The installable app, on every page: registers the service worker (/sw.js), offers "Install
// the app" where the browser allows it, and clears what the worker kept when someone signs out.
(function () {
  "use strict";

  function clearCaches() {
    if (!("caches" in window)) {
      return Promise.resolve();
    }
    return caches.keys().then(function (names) {
      return Promise.all(
        names.map(function (name) {
          return caches.delete(name);
        }),
      );
    });
  }

  // Signing out: tell the worker to empty its caches. The sign-out response also carries
  // Clear-Site-Data, and the signed-out page (marked by a meta tag) empties them once more, for
  // browsers that ignore the header.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-sign-out]")) {
      return;
    }
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "sign-out" });
    }
  });

  var signedOut = document.querySelector('meta[name="lantern-signed-out"]');
  var cleared = signedOut ? clearCaches() : Promise.resolve();

  if ("serviceWorker" in navigator && window.isSecureContext) {
    cleared.then(function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        // No worker (private browsing, a browser setting): the portal works the same without.
      });
    });
  }

  // "Install the app": hidden until the browser says it may install the portal, then one click
  // asks it to. It takes no room until then, inside the account menu, so nothing moves.
  var deferredPrompt = null;

  function hints() {
    return document.querySelectorAll("[data-install-app]");
  }

  function showHints(shown) {
    hints().forEach(function (hint) {
      hint.hidden = !shown;
    });
  }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferredPrompt = event;
    showHints(true);
  });

  window.addEventListener("appinstalled", function () {
    deferredPrompt = null;
    showHints(false);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-install-app] button");
    if (!button || !deferredPrompt) {
      return;
    }
    var installPrompt = deferredPrompt;
    deferredPrompt = null;
    showHints(false);
    installPrompt.prompt();
  });
})();
