"""Who hears about what happens in a patient's care, and how: each account's notification settings.

An event (`NotificationEvent`) is something a patient may want to hear about, such as a reply
from the care team. `notify_patient_accounts` turns one event into notices for every account that
acts for the patient, by email and/or text message as each account chose. The notices say only
that something is waiting and link to the portal: never what it is, about whom, or from whom.

To add an event: a choice in `NotificationEvent`, a kind in `NotificationKind` with its templates
(and its `REQUIRED_CONTEXT`, which must be only `link`), and an entry in `EVENT_NOTICES`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from lantern.access.models import Section
from lantern.access.policy import proxies_for
from lantern.accounts.models import User
from lantern.clinical.models import Patient
from lantern.core.language import language_for
from lantern.mfa.models import SmsDevice

from .models import (
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationKind,
    NotificationPreference,
)
from .services import absolute_url, notification_send


class ChannelChoice(NamedTuple):
    """Whether an account wants an event by email and by text message."""

    email: bool
    sms: bool


@dataclass(frozen=True)
class EventNotice:
    """How an event is announced: the message kind, the page it links to, and the default."""

    kind: NotificationKind
    # The portal page the notice links to; it asks whoever opens it to sign in first.
    path: str
    # What an account gets until it saves its own choice.
    default: ChannelChoice
    # The section of the record the event is in: proxies whose access opens it hear of it too.
    section: Section


EVENT_NOTICES: dict[NotificationEvent, EventNotice] = {
    NotificationEvent.NEW_MESSAGE: EventNotice(
        kind=NotificationKind.NEW_MESSAGE,
        path="/messages/",
        default=ChannelChoice(email=True, sms=False),
        section=Section.MESSAGES,
    ),
    NotificationEvent.APPOINTMENT_REMINDER: EventNotice(
        kind=NotificationKind.APPOINTMENT_REMINDER,
        path="/appointments/",
        default=ChannelChoice(email=True, sms=False),
        section=Section.APPOINTMENTS,
    ),
    NotificationEvent.WAITLIST_OFFER: EventNotice(
        kind=NotificationKind.WAITLIST_OFFER,
        path="/appointments/",
        default=ChannelChoice(email=True, sms=False),
        section=Section.APPOINTMENTS,
    ),
    NotificationEvent.BOOKING_INVITATION: EventNotice(
        kind=NotificationKind.BOOKING_INVITATION,
        path="/appointments/",
        default=ChannelChoice(email=True, sms=False),
        section=Section.APPOINTMENTS,
    ),
    NotificationEvent.REFILL_DECIDED: EventNotice(
        kind=NotificationKind.REFILL_DECIDED,
        path="/medications/",
        default=ChannelChoice(email=True, sms=False),
        section=Section.MEDICATIONS,
    ),
}
# Where a notice leads someone acting for the patient: the list of people they care for (the
# email names no one, and carries no patient's id).
PROXY_NOTICE_PATH = "/people/"


def accounts_to_notify(patient: Patient, section: Section = Section.MESSAGES) -> list[User]:
    """The accounts that act for `patient` and should hear about events in `section` of their
    care: the patient's own active account, then the proxies whose access opens that section
    today (the access policy decides; two queries)."""
    own = list(User.objects.filter(patient=patient, is_active=True).order_by("pk"))
    return own + [proxy for proxy in proxies_for(patient, section) if proxy not in own]


def preference_for(user: User, event: NotificationEvent) -> ChannelChoice:
    """The account's choice for `event`, or the event's default if it never saved one."""
    return preferences_for(user)[NotificationEvent(event)]


def preferences_for(user: User) -> dict[NotificationEvent, ChannelChoice]:
    """The account's choice for every event, defaults filled in, in one query."""
    saved = {
        row.event: ChannelChoice(email=row.email, sms=row.sms)
        for row in NotificationPreference.objects.filter(user=user)
    }
    return {
        event: saved.get(event.value, EVENT_NOTICES[event].default) for event in NotificationEvent
    }


def preferences_set(
    user: User, choices: Mapping[NotificationEvent, tuple[bool, bool] | ChannelChoice]
) -> None:
    """Saves the account's (email, sms) choice for each event given; others keep theirs."""
    now = timezone.now()
    with transaction.atomic():
        for event, (email, sms) in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user,
                event=NotificationEvent(event),
                defaults={"email": bool(email), "sms": bool(sms), "updated_at": now},
            )


def confirmed_mobile_number(user: User) -> str:
    """The account's mobile number if it has proven it by confirming a text-message code.

    A number typed in the account settings is not enough: only one an SMS sign-in method was
    confirmed with (the two-step verification pages) gets notices, so a typo texts no stranger.
    """
    return _confirmed_mobile_numbers([user]).get(user.pk, "")


def _confirmed_mobile_numbers(users: Iterable[User]) -> dict[int, str]:
    # One query for any number of accounts, with or without a number, so pages stay constant.
    accounts = list(users)
    proven = set(
        SmsDevice.objects.filter(
            user_id__in=[user.pk for user in accounts], confirmed=True
        ).values_list("user_id", "phone")
    )
    numbers = {user.pk: user.phone.strip() for user in accounts}
    return {pk: phone for pk, phone in numbers.items() if phone and (pk, phone) in proven}


def _preferences_by_user(
    users: Iterable[User], event: NotificationEvent
) -> dict[int, ChannelChoice]:
    rows = NotificationPreference.objects.filter(user__in=[user.pk for user in users], event=event)
    return {row.user_id: ChannelChoice(email=row.email, sms=row.sms) for row in rows}


def notify_patient_accounts(
    *,
    patient: Patient,
    event: NotificationEvent,
    dedupe_key: str,
    kind: NotificationKind | None = None,
    context: Mapping[str, Any] | None = None,
    path: str | None = None,
    channels: Collection[NotificationChannel] | None = None,
) -> list[Notification]:
    """Queues the notice for `event` to every account that acts for `patient`, as each chose.

    Email goes only to a confirmed address, text messages only to a confirmed mobile number.
    `dedupe_key` names the event (for example "new-message:<message id>"); each account's notices
    are keyed by it, so a retried or repeated call never sends the same event twice. Call it in the
    transaction that records the event: the notices are written there and sent after it commits.
    Returns the outbox rows written.

    Appointment notices use the rest: `kind` instead of the event's own (a follow-up notice under
    the same settings), `context` beyond the link (what the kind's templates need), `path` for
    every account's link (a page of this patient, which each account notified may open), and
    `channels` to send on only some channels (a text message waits for the end of quiet hours).
    """
    event = NotificationEvent(event)
    notice = EVENT_NOTICES[event]
    accounts = accounts_to_notify(patient, notice.section)
    if not accounts:
        return []
    choices = _preferences_by_user(accounts, event)
    mobile_numbers = _confirmed_mobile_numbers(accounts)
    written: list[Notification] = []
    for user in accounts:
        choice = choices.get(user.pk, notice.default)
        email = user.email if choice.email and user.has_verified_email else None
        phone = mobile_numbers.get(user.pk) if choice.sms else None
        if channels is not None:
            email = email if NotificationChannel.EMAIL in channels else None
            phone = phone if NotificationChannel.SMS in channels else None
        if not email and not phone:
            continue
        link_path = path or (notice.path if user.patient_id == patient.pk else PROXY_NOTICE_PATH)
        written += notification_send(
            kind=kind or notice.kind,
            email=email,
            phone=phone,
            context={**(context or {}), "link": absolute_url(link_path)},
            dedupe_key=f"{dedupe_key}:{user.pk}",
            # Each account reads its notices in its own language.
            language=language_for(user),
        )
    return written
