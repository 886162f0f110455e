"""`{% session_timeout_warning %}`: the idle time-out modal, on signed-in pages only.

The modal is on every signed-in page and drawing its template took about a tenth of a page's
time. Its words depend only on the page's language, so its HTML is drawn once per process and
language with placeholders, and each page fills in its own three values: the seconds left, the
address to come back to and the session's CSRF token (each escaped as the template would). With
DEBUG on it is drawn every time, so an edited template shows at once; a changed setting (a
test's override) forgets the drawn modals.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from lantern.access.decorators import is_fully_signed_in

from .. import session_state

register = template.Library()

WARNING_SECONDS = 60
TEMPLATE = "accounts/_session_timeout.html"
# Placeholders that no translation, address or token contains (an address's "<" is escaped).
SECONDS_MARK = "<lantern-seconds-left>"
NEXT_MARK = "<lantern-next>"
TOKEN_MARK = "<lantern-csrf-token>"  # noqa: S105 (a placeholder, not a secret)
# What `{% csrf_token %}` draws with the placeholder, put back as it would draw the real token.
TOKEN_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{TOKEN_MARK}">'
_drawn: dict[str | None, str] = {}


@register.simple_tag(takes_context=True)
def session_timeout_warning(context: template.Context) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not hasattr(request, "session"):
        return mark_safe("")
    if not is_fully_signed_in(user):
        return mark_safe("")
    html = _modal_html()
    return mark_safe(  # noqa: S308 (the template's HTML, with escaped values put in)
        html.replace(SECONDS_MARK, str(int(session_state.seconds_until_idle(request))))
        .replace(NEXT_MARK, escape(request.get_full_path()))
        .replace(TOKEN_INPUT, _token_input(context.get("csrf_token")))
    )


def _token_input(token: object) -> str:
    """The hidden input `{% csrf_token %}` draws: none without a token, as Django's tag."""
    token = str(token or "")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's word for none)
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _modal_html() -> str:
    """The modal's HTML in the page's language, with the placeholders for its values."""
    language = translation.get_language()
    html = None if settings.DEBUG else _drawn.get(language)
    if html is None:
        # The placeholders are marked safe so the template keeps them as they are; the real
        # values are escaped when they replace them.
        marks = {"seconds_left": SECONDS_MARK, "next": NEXT_MARK, "csrf_token": TOKEN_MARK}
        placeholders = {name: mark_safe(mark) for name, mark in marks.items()}  # noqa: S308
        html = render_to_string(TEMPLATE, {**placeholders, "warning_seconds": WARNING_SECONDS})
        _drawn[language] = html
    return html


def _drawn_forget(**_kwargs: Any) -> None:
    _drawn.clear()


setting_changed.connect(_drawn_forget, dispatch_uid="lantern-session-timeout-modal")
