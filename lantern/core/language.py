"""The language of a page, an email or a text message (issue 17).

Before signing in, Django's LocaleMiddleware picks it: the language chosen in the page header
(the `django_language` cookie set by `choose_language`), else the browser's Accept-Language.
Once signed in, the account's own choice (`User.preferred_language`, set in account settings or
by the header's chooser) wins. Emails and text messages go out in the recipient's language:
wrap their rendering in `translation.override(language_for(user))`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from lantern.access.decorators import public

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def language_for(user: object | None) -> str:
    """The language to write to `user` in: their choice, else the clinic's default."""
    chosen = getattr(user, "preferred_language", "") or ""
    return chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE


class AccountLanguageMiddleware:
    """Switch to the signed-in person's chosen language, after authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        chosen = getattr(user, "preferred_language", "") if user.is_authenticated else ""
        if chosen in SUPPORTED and chosen != translation.get_language():
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


@public
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The header's language chooser: Django's `set_language` (a cookie and a safe redirect to
    `next`), and for a signed-in person also their account's choice, so emails follow it."""
    response = set_language(request)
    chosen = request.POST.get("language", "")
    user = request.user
    if chosen in SUPPORTED and user.is_authenticated and user.preferred_language != chosen:
        user.preferred_language = chosen
        user.save(update_fields=["preferred_language"])
    return response
