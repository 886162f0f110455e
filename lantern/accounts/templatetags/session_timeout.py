"""`{% session_timeout_warning %}`: the idle time-out modal, on signed-in pages only."""

from __future__ import annotations

from typing import Any

from django import template

from lantern.access.decorators import is_fully_signed_in

from .. import session_state

register = template.Library()

WARNING_SECONDS = 60


@register.inclusion_tag("accounts/_session_timeout_wrapper.html", takes_context=True)
def session_timeout_warning(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not hasattr(request, "session"):
        return {"show": False}
    if not is_fully_signed_in(user):
        return {"show": False}
    return {
        "show": True,
        "seconds_left": session_state.seconds_until_idle(request),
        "warning_seconds": WARNING_SECONDS,
        "next": request.get_full_path(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
