"""Reads about accounts: sign-ins, sessions and lookups for recovery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import PasswordFailureCount, SignInEvent, User, UserSession

RECENT_SIGN_INS = 10


@dataclass(frozen=True)
class PreviousSignIn:
    """The sign-in before the current one, as the home page shows it."""

    at: datetime
    device: str
    place: str


def previous_sign_in(*, user: User) -> PreviousSignIn | None:
    """The completed sign-in before the most recent one (the most recent is the current
    session's). A password entered without the second step is not a sign-in."""
    events = list(
        SignInEvent.objects.filter(user=user, second_factor_at__isnull=False).order_by(
            "-second_factor_at"
        )[:2]
    )
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
