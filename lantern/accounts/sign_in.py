"""What happens at the moment an account signs in, whichever page signed it in.

Call `sign_in_started(request, user)` right after django.contrib.auth.login(): it records the
password step and its session (for "Where you're signed in" and "Recent sign-ins") and emails a
new-device notice when due. The device cookie it needs is set on the response by
SessionTimeoutMiddleware.

Call `sign_in_completed(request)` when the session passes the second step (the mfa app does it in
its one place that marks a session verified, lantern.mfa.services.session_verify): only then is
it a sign-in, for "Recent sign-ins" and the home page's "Last sign-in: ...".

`password_check(request, username=..., password=...)` is the password step's one decision, used
by the sign-in form: the address limit, a paused username, then authenticate() (where
django-axes applies its locks), then the counting of a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse

from lantern.core.client_address import client_ip
from lantern.core.throttle import attempt_record, limit_reached

from . import selectors, services, session_state
from .models import User

DEVICE_COOKIE = settings.DEVICE_COOKIE_NAME
DEVICE_COOKIE_SALT = "lantern.accounts.device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 60 * 60
DEVICE_ID_ATTRIBUTE = "lantern_device_id"
ADDRESS_FAILURES_SCOPE = "sign-in-failures"
ADDRESS_FAILURES_WINDOW_SECONDS = 60 * 60


class PasswordOutcome(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    # django-axes refused the attempt before the password was checked: its middleware answers
    # with the lock-out page (lantern.accounts.views.locked_out).
    LOCKED = "locked"
    # Too many wrong passwords in a row for this username, real or not: reset by email or staff.
    PAUSED = "paused"
    # Too many wrong passwords from this address in the hour, whatever the usernames.
    ADDRESS_LIMITED = "address_limited"


@dataclass(frozen=True)
class PasswordCheck:
    outcome: PasswordOutcome
    user: User | None = None


def password_check(request: HttpRequest, *, username: str, password: str) -> PasswordCheck:
    """Check a typed username and password, counting what went wrong.

    The answer is the same for real and unknown usernames at every step: the address limit and
    the pause are looked up the same way for both, and authenticate() hashes a password for an
    unknown username too.
    """
    address = client_ip(request)
    address_limit = {
        "scope": ADDRESS_FAILURES_SCOPE,
        "address": address,
        "limit": settings.SIGN_IN_FAILURES_PER_ADDRESS_PER_HOUR,
        "window_seconds": ADDRESS_FAILURES_WINDOW_SECONDS,
    }
    if limit_reached(**address_limit):
        return PasswordCheck(PasswordOutcome.ADDRESS_LIMITED)
    if selectors.password_step_paused(username=username):
        return PasswordCheck(PasswordOutcome.PAUSED)
    # django-axes' backend writes into `response_context` only when it refuses a locked attempt.
    axes_context: dict[str, str] = {}
    user = authenticate(
        request, username=username, password=password, response_context=axes_context
    )
    if user is not None:
        services.password_failures_clear(user=user)
        return PasswordCheck(PasswordOutcome.ACCEPTED, user=user)
    if "error" in axes_context:
        return PasswordCheck(PasswordOutcome.LOCKED)
    attempt_record(**address_limit)
    if services.password_failure_record(username=username):
        return PasswordCheck(PasswordOutcome.PAUSED)
    return PasswordCheck(PasswordOutcome.WRONG)


def sign_in_started(request: HttpRequest, user: User) -> None:
    record = services.sign_in_record(
        user=user,
        session_key=request.session.session_key or "",
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        device_id=request.get_signed_cookie(DEVICE_COOKIE, None, salt=DEVICE_COOKIE_SALT),
    )
    request.session[session_state.USER_SESSION_ID] = str(record.session.pk)
    request.session[session_state.SIGN_IN_EVENT_ID] = str(record.event.pk)
    setattr(request, DEVICE_ID_ATTRIBUTE, record.device_id)


def sign_in_completed(request: HttpRequest) -> None:
    """This session has passed the second step: its password step becomes a sign-in.

    A session with no recorded password step (one signed in before this was recorded) has
    nothing to mark.
    """
    sign_in_event_id = request.session.get(session_state.SIGN_IN_EVENT_ID)
    if sign_in_event_id and request.user.is_authenticated:
        services.sign_in_complete(user=request.user, sign_in_event_id=sign_in_event_id)


def set_device_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """A long-lived, signed, HttpOnly cookie naming this browser (after a sign-in only)."""
    device_id = getattr(request, DEVICE_ID_ATTRIBUTE, None)
    if device_id is None:
        return
    response.set_signed_cookie(
        DEVICE_COOKIE,
        device_id,
        salt=DEVICE_COOKIE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
