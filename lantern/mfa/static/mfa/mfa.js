// Second-factor pages: print backup codes, offer passkeys only where
// the browser supports them, and move on once a passkey is registered.
(function () {
  "use strict";
  document.querySelectorAll("[data-lantern-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
  if (window.PublicKeyCredential) {
    document.querySelectorAll("[data-lantern-passkey-choice]").forEach(function (item) {
      item.hidden = false;
    });
  }
  var placeholder = document.querySelector("[data-lantern-passkey-done]");
  if (placeholder) {
    document.addEventListener("otp_webauthn.register_complete", function () {
      window.location.assign(placeholder.getAttribute("data-lantern-passkey-done"));
    });
  }
})();
