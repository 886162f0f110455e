"""What the session itself remembers about signing in: when, when last active, and which
`UserSession` row describes it. Times are Unix timestamps (the session is JSON)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

SIGNED_IN_AT = "lantern.signed_in_at"
LAST_ACTIVE_AT = "lantern.last_active_at"
# The last moment this session was known to be valid: a "sign out everywhere" after it ends it.
VALID_SINCE = "lantern.valid_since"
USER_SESSION_ID = "lantern.user_session_id"
# The `SignInEvent` of this session's password step, completed by the second step.
SIGN_IN_EVENT_ID = "lantern.sign_in_event_id"

# Activity is written to the session at most this often, so most pages save nothing.
ACTIVITY_GRANULARITY_SECONDS = 60


def now_timestamp() -> float:
    return timezone.now().timestamp()


def start(session: Any) -> None:
    """Called at every sign-in (django.contrib.auth.login), whatever the view."""
    now = now_timestamp()
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVE_AT] = now
    session[VALID_SINCE] = now


def mark_active(request: HttpRequest, *, force: bool = False) -> bool:
    """Count this request as activity. Returns whether the session was written."""
    now = now_timestamp()
    last = float(request.session.get(LAST_ACTIVE_AT, 0))
    if force or now - last >= ACTIVITY_GRANULARITY_SECONDS:
        request.session[LAST_ACTIVE_AT] = now
        return True
    return False


def keep_valid(request: HttpRequest) -> None:
    """Keep this session when every other one of the account is ended."""
    request.session[VALID_SINCE] = now_timestamp() + 1


def seconds_until_idle(request: HttpRequest) -> int:
    last = float(request.session.get(LAST_ACTIVE_AT, now_timestamp()))
    remaining = settings.SESSION_IDLE_TIMEOUT_SECONDS - (now_timestamp() - last)
    return max(0, int(remaining))


def end_reason(request: HttpRequest, user: Any) -> str | None:
    """Why this signed-in session must end now ("idle", "limit", "ended"), or None."""
    session = request.session
    now = now_timestamp()
    if SIGNED_IN_AT not in session:
        # A session from before this bookkeeping existed: start counting now.
        start(session)
    if now - float(session[LAST_ACTIVE_AT]) >= settings.SESSION_IDLE_TIMEOUT_SECONDS:
        return "idle"
    if now - float(session[SIGNED_IN_AT]) >= settings.SESSION_ABSOLUTE_SECONDS:
        return "limit"
    ended_at = getattr(user, "sessions_ended_at", None)
    if ended_at is not None and float(session.get(VALID_SINCE, 0)) < ended_at.timestamp():
        return "ended"
    return None
