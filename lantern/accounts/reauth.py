"""Asking for the password again before a sensitive change (password, email, phone, factors).

`recent_password_required` sends the account to the confirm-password page unless the password
was given in this session in the last few minutes; that page calls `mark_password_confirmed`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

SESSION_KEY = "lantern.password_confirmed_at"
CONFIRMATION_LIFETIME_SECONDS = 5 * 60


def mark_password_confirmed(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = timezone.now().timestamp()


def password_recently_confirmed(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    if confirmed_at is None:
        return False
    return timezone.now().timestamp() - float(confirmed_at) < CONFIRMATION_LIFETIME_SECONDS


def recent_password_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Put this inside the view's access rule decorator (it keeps the rule attribute)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_recently_confirmed(request):
            if _wants_json(request):
                # A script (the passkey button) cannot follow a redirect to a page; it is told.
                return JsonResponse(
                    {"detail": _("Confirm your password again, then try once more.")}, status=403
                )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:confirm_password')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )
