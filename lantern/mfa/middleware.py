"""Half-signed-in accounts (password given, second factor not yet) go to the second-factor page.

The access decorators refuse such accounts too; this middleware is what sends them somewhere
useful, and it also covers views that name no access rule, such as Django's admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

from lantern.access.decorators import BEFORE_SECOND_FACTOR, access_rule


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
