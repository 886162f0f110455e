"""Second-factor pages under /two-factor/. Every route names its access rule (see
lantern.access.decorators); the passkey endpoints wrap django-otp-webauthn's views."""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from lantern.access.decorators import public, signed_in, signing_in
from lantern.accounts.reauth import recent_password_required

from . import passkeys, views

app_name = "mfa"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("setup/", views.setup, name="setup"),
    path("setup/passkey/", views.setup_passkey, name="setup_passkey"),
    path("setup/<str:kind>/", views.setup_method, name="setup_method"),
    path("setup/<str:kind>/send/", views.setup_send, name="setup_send"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("backup-codes/new/", views.backup_codes_regenerate, name="backup_codes_regenerate"),
    path("verify/", views.verify, name="verify"),
    path("verify/send/", views.verify_send, name="verify_send"),
    path("remove/", views.method_remove, name="method_remove"),
    path("trusted-devices/revoke/", views.trusted_device_revoke, name="trusted_device_revoke"),
    # Passkeys. First setup, right after the password: the library itself refuses an account
    # that has a method but has not used it in this session, and ours refuses any that has one.
    path(
        "passkeys/setup/registration/begin/",
        signing_in(passkeys.SetupRegistrationBegin.as_view()),
        name="passkey_setup_registration_begin",
    ),
    path(
        "passkeys/setup/registration/complete/",
        signing_in(passkeys.SetupRegistrationComplete.as_view()),
        name="passkey_setup_registration_complete",
    ),
    # Adding a passkey later, from the manage page: fully signed in, password given again.
    path(
        "passkeys/registration/begin/",
        signed_in(recent_password_required(passkeys.RegistrationBegin.as_view())),
        name="passkey_registration_begin",
    ),
    path(
        "passkeys/registration/complete/",
        signed_in(recent_password_required(passkeys.RegistrationComplete.as_view())),
        name="passkey_registration_complete",
    ),
    # The passkey as the second factor at sign-in (never instead of the password).
    path(
        "passkeys/authentication/begin/",
        signing_in(passkeys.AuthenticationBegin.as_view()),
        name="passkey_authentication_begin",
    ),
    path(
        "passkeys/authentication/complete/",
        signing_in(passkeys.AuthenticationComplete.as_view()),
        name="passkey_authentication_complete",
    ),
    path(
        "passkeys/jsi18n/",
        public(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
        name="passkey_js_catalog",
    ),
]
