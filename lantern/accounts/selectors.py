"""Reads about accounts: sign-ins, sessions and lookups for recovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lantern.core.statements import Statement, param_for

from .models import PasswordFailureCount, SignInEvent, User, UserSession

if TYPE_CHECKING:
    from lantern.access.policy import PatientAccess

RECENT_SIGN_INS = 10


@dataclass(frozen=True)
class PreviousSignIn:
    """The sign-in before the current one, as the home page shows it."""

    at: datetime
    device: str
    place: str


# The home page's two latest sign-ins, built once per process (lantern/core/statements.py).
_LAST_TWO_SIGN_INS = Statement(
    lambda: SignInEvent.objects.filter(
        user=param_for(SignInEvent, "user"), second_factor_at__isnull=False
    ).order_by("-second_factor_at")[:2]
)


def previous_sign_in(*, user: User) -> PreviousSignIn | None:
    """The completed sign-in before the most recent one (the most recent is the current
    session's). A password entered without the second step is not a sign-in."""
    events = _LAST_TWO_SIGN_INS.objects(user=user.pk)
    if len(events) < 2:
        return None
    event = events[1]
    return PreviousSignIn(at=event.at, device=event.device_label, place=event.place)


def recent_sign_ins(*, user: User, limit: int = RECENT_SIGN_INS) -> list[SignInEvent]:
    """The latest password steps, completed or not, each with its browser (for
    `SignInEvent.from_unrecognised_device`) in the same query."""
    return list(
        SignInEvent.objects.filter(user=user).select_related("device").order_by("-at")[:limit]
    )


def active_sessions(*, user: User) -> list[UserSession]:
    return list(
        UserSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen_at")
    )


def users_with_verified_email(*, email: str) -> QuerySet[User]:
    """Active accounts whose confirmed address is `email` (a family may share one)."""
    return User.objects.filter(
        email__iexact=email.strip(), email_verified_at__isnull=False, is_active=True
    ).order_by("pk")


def user_for_recovery(*, email_or_username: str) -> list[User]:
    """Accounts a password reset link may go to: by username, else by confirmed email."""
    value = email_or_username.strip()
    by_username = User.objects.filter(username=value, is_active=True).first()
    if by_username is not None:
        return [by_username] if by_username.has_verified_email else []
    return list(users_with_verified_email(email=value))


def sign_in_lock_ends_at(*, username: str, ip_address: str | None) -> datetime:
    """When the sign-in lock that applies to this username (alone, or with this address) ends.

    Computed the same way for real and unknown usernames: axes counts both alike.
    """
    now = timezone.now()
    cool_off = get_cool_off() or timedelta(0)
    ends = [now + cool_off]
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    by_username = recent.filter(username=username)
    for attempts in (by_username, by_username.filter(ip_address=ip_address)):
        summary = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (summary["failures"] or 0) >= settings.AXES_FAILURE_LIMIT and summary["last"]:
            ends.append(summary["last"] + cool_off)
    # The latest applicable lock; with none found (a race), a whole cool-off from now.
    applicable = ends[1:] or ends[:1]
    return max(applicable)


# Pauses after many failures in a row (NIST SP 800-63B 5.2.2).


def username_digest(username: str) -> str:
    """A keyed hash of a typed username, so failure counts never store names people invented."""
    return salted_hmac(
        "lantern.accounts.password-failures", username, algorithm="sha256"
    ).hexdigest()


def password_step_paused(*, username: str) -> bool:
    """Whether the password step of this username is paused; real or unknown, the same query."""
    return PasswordFailureCount.objects.filter(
        username_digest=username_digest(username), paused_at__isnull=False
    ).exists()


@dataclass(frozen=True)
class AccountPause:
    """What is paused on an account, for staff (the console) to see and lift."""

    password: bool
    second_factor: bool

    @property
    def any(self) -> bool:
        return self.password or self.second_factor


def account_pause(*, user: User) -> AccountPause:
    return AccountPause(
        password=password_step_paused(username=user.get_username()),
        second_factor=user.second_factor_paused_at is not None,
    )


def account_pause_for_patient(*, access: PatientAccess) -> AccountPause | None:
    """What is paused on the patient's own account (None without one), for the console.

    `access` comes from the access policy: only those who may act for the patient ask."""
    user = User.objects.filter(patient=access.patient).first()
    return account_pause(user=user) if user is not None else None
