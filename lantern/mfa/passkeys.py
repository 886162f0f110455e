"""Passkeys (WebAuthn) through django-otp-webauthn's JSON endpoints, as a second factor only.

Its views are reused with three changes: registering from the first-setup page is refused once the
account has any sign-in method (adding one later goes through the manage page, which asks for the
password again), the first method registered also gets backup codes, and a session that passes
the second factor with a passkey gets a new key, as it does with a code.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from . import selectors, services


class AlreadySetUp(exceptions.OTPWebAuthnApiError):
    status_code = 403
    code = "already_set_up"
    default_detail = _(
        "You already have a way to sign in. Add a passkey from your security settings."
    )


class FirstSetupOnlyMixin:
    def check_can_register(self) -> None:
        if selectors.has_sign_in_method(user=self.request.user):  # type: ignore[attr-defined]
            raise AlreadySetUp()


class NewBackupCodesMixin:
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(*args, **kwargs)  # type: ignore[misc]
        if response.status_code == 200:
            request = self.request  # type: ignore[attr-defined]
            from .views import BACKUP_CODES_DUE_SESSION_KEY

            # The codes cannot be shown in this JSON answer and are not kept: the backup codes
            # page, where the browser goes next, draws them again and shows them once.
            if services.passkey_registered(user=request.user).codes:
                request.session[BACKUP_CODES_DUE_SESSION_KEY] = True
        return response


class NewSessionKeyMixin:
    """The library marks the session verified after the first passkey is registered, without
    renewing its key; renew it as services.session_verify does, so a session key learned before
    the second factor is worth nothing after it."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request  # type: ignore[attr-defined]
        was_verified = request.user.is_verified()
        response = super().post(*args, **kwargs)  # type: ignore[misc]
        if response.status_code == 200 and not was_verified and request.user.is_verified():
            services.session_verify(request=request, device=request.user.otp_device)
        return response


class SetupRegistrationBegin(FirstSetupOnlyMixin, BeginCredentialRegistrationView):
    pass


class SetupRegistrationComplete(
    FirstSetupOnlyMixin, NewSessionKeyMixin, NewBackupCodesMixin, CompleteCredentialRegistrationView
):
    pass


class RegistrationBegin(BeginCredentialRegistrationView):
    pass


class RegistrationComplete(NewBackupCodesMixin, CompleteCredentialRegistrationView):
    pass


class AuthenticationBegin(BeginCredentialAuthenticationView):
    pass


class AuthenticationComplete(CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> None:
        # The password came first (passwordless sign-in is off and the route needs a signed-in
        # user), so only the second factor is marked, with a new session key as for a code.
        services.session_verify(request=self.request, device=device)
