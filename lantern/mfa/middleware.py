"""Half-signed-in accounts (password given, second factor not yet) go to the second-factor page.

The access decorators refuse such accounts too; this middleware is what sends them somewhere
useful, and it also covers views that name no access rule, such as Django's admin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from lantern.access.decorators import BEFORE_SECOND_FACTOR, access_rule
from lantern.core.statements import Statement, param_for


class SecondFactorRequiredMiddleware(MiddlewareMixin):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        if access_rule(view_func) in BEFORE_SECOND_FACTOR:
            return None
        # Imported here so the middleware module loads before the app registry is ready.
        from lantern.mfa.selectors import has_sign_in_method

        target = "mfa:verify" if has_sign_in_method(user=user) else "mfa:setup"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware (`request.user.otp_device`, `is_verified()`), with the device a
    session was verified with read by a statement built once per kind of device
    (`lantern.core.statements`).

    The device is still read on every request, and django-otp still checks that it belongs to
    the account and is confirmed, so a removed or unconfirmed device ends the verification on
    the very next request. Only the building of the query is saved: about as long as running it
    ten times (0.1 to 0.2 ms of every signed-in page on a 2-core machine).
    """

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        persistent_id = self._normalize_persistent_id(persistent_id)
        # As django_otp.models.Device.from_persistent_id: a malformed id or unknown model is
        # no device at all.
        with suppress(ValueError, LookupError):
            model_label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(model_label)
            if not issubclass(model, Device):
                return None
            found = _device_statement(model).objects(id=int(device_id))
            return found[0] if found else None
        return None


@functools.cache
def _device_statement(model: type[Device]) -> Statement:
    """The SELECT of one device of this kind by id."""
    return Statement(
        lambda: model._default_manager.filter(pk=param_for(model, model._meta.pk.name, "id"))
    )
