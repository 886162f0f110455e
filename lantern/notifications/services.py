"""Writing notifications to the outbox and delivering them.

`notification_send` is the only way the portal sends email or text messages. It renders the
message, writes outbox rows in the caller's transaction and, once that transaction commits,
enqueues a task that delivers them. `notification_deliver` delivers one row at most once at a
time (a conditional UPDATE claims it) and schedules a retry with exponential backoff on failure.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import Context, Engine
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext

from .models import (
    KINDS_WITH_SECRETS,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from .senders import EmailSender, get_sms_sender

logger = logging.getLogger(__name__)

# What each kind's templates need from the caller. Sending without it is a programming error.
REQUIRED_CONTEXT: dict[NotificationKind, frozenset[str]] = {
    NotificationKind.ACTIVATION_LINK: frozenset({"link"}),
    NotificationKind.ENROLLMENT_DECLINED: frozenset(),
    NotificationKind.EMAIL_VERIFICATION: frozenset({"link"}),
    NotificationKind.SIGN_IN_CODE: frozenset({"code"}),
    NotificationKind.PASSWORD_RESET: frozenset({"link"}),
    NotificationKind.USERNAME_REMINDER: frozenset({"username"}),
    NotificationKind.PASSWORD_CHANGED: frozenset(),
    NotificationKind.NEW_DEVICE_SIGN_IN: frozenset({"device", "when"}),
    NotificationKind.CONTACT_CHANGED: frozenset(),
    NotificationKind.NEW_MESSAGE: frozenset({"link"}),
    NotificationKind.FAMILY_ACCESS_CHANGING: frozenset({"link", "date", "teen_age", "adult_age"}),
    # Appointment notices say only when (clinic time, labelled), where and with whom.
    NotificationKind.APPOINTMENT_REMINDER: frozenset({"link", "time", "place", "clinician"}),
    NotificationKind.WAITLIST_OFFER: frozenset({"link", "time", "place", "clinician", "expires"}),
    NotificationKind.WAITLIST_OFFER_GONE: frozenset({"link", "time"}),
    # Which visit is not said: its name can be a health detail.
    NotificationKind.BOOKING_INVITATION: frozenset({"link"}),
    NotificationKind.REFILL_DECIDED: frozenset({"link"}),
    # To the clinic's staff: only that a request came in, never who sent it or what it says.
    NotificationKind.SUPPORT_REQUEST_RECEIVED: frozenset({"link"}),
}

# The first retry waits a minute; each next one waits twice as long, up to an hour.
RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=1)
# A row "sending" for longer than this was left by a worker that died; the sweep takes it back.
SENDING_STALE_AFTER = timedelta(minutes=10)
LAST_ERROR_LENGTH = 200


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    # Nothing to do: another worker has the row, it is not due yet, or it is already done.
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    next_attempt_at: datetime | None = None


def absolute_url(path: str) -> str:
    """The full address of a portal path, for links in emails and text messages."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


@functools.cache
def _template_engine() -> Engine:
    # Plain-text messages: no HTML escaping, so "&" in a link or a clinic name stays "&".
    # Project template directories come first, so a clinic can replace any message.
    directories = [directory for config in settings.TEMPLATES for directory in config["DIRS"]]
    return Engine(
        dirs=directories,
        app_dirs=True,
        autoescape=False,
        libraries={"i18n": "django.templatetags.i18n"},
    )


def _format_when(value: Any) -> Any:
    if isinstance(value, datetime):
        # Translators: a PHP-style date format (Django's `date` filter), e.g. "March 3, 2025 at
        # 2:15 PM EST". Letters after a backslash are printed as they are.
        when_format = gettext(r"F j, Y \a\t g:i A T")
        return dateformat.format(timezone.localtime(value), when_format)
    return value


def notification_render(
    *,
    kind: NotificationKind,
    channel: NotificationChannel,
    context: Mapping[str, Any],
    language: str | None = None,
) -> tuple[str, str]:
    """Renders (subject, body) for one channel from notifications/<kind>/*.txt, in `language`
    (the recipient's: `lantern.core.language.language_for`), else the clinic's default."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render(kind=kind, channel=channel, context=context)


def _render(
    *, kind: NotificationKind, channel: NotificationChannel, context: Mapping[str, Any]
) -> tuple[str, str]:
    full_context = {
        "clinic_name": settings.CLINIC_NAME,
        "portal_url": absolute_url("/"),
        "security_tips_url": absolute_url("/security-tips/"),
        **context,
    }
    if "when" in full_context:
        full_context["when"] = _format_when(full_context["when"])
    engine = _template_engine()
    subject = engine.get_template(f"notifications/{kind}/subject.txt").render(
        _context(full_context)
    )
    body_name = "email.txt" if channel == NotificationChannel.EMAIL else "sms.txt"
    body = engine.get_template(f"notifications/{kind}/{body_name}").render(_context(full_context))
    # A subject is one header line; collapsing whitespace also keeps newlines out of it.
    return " ".join(subject.split()), _tidy_body(body)


def _context(values: Mapping[str, Any]) -> Context:
    return Context(dict(values), autoescape=False)


def _tidy_body(body: str) -> str:
    lines = [line.rstrip() for line in body.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        # Template tags leave blank lines behind; keep at most one between paragraphs.
        if line == "" and tidy and tidy[-1] == "":
            continue
        tidy.append(line)
    return "\n".join(tidy) + "\n"


def notification_send(
    *,
    kind: NotificationKind | str,
    email: str | None = None,
    phone: str | None = None,
    context: Mapping[str, Any] | None = None,
    dedupe_key: str | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Queues a message of `kind` to an email address, a phone number, or both.

    The message is written in `language`: the recipient account's, `language_for(user)` (see
    lantern.core.language). For an address with no account yet, pass the language the person
    was using when they asked (the request's); without one it is the clinic's default, never the
    language of whoever happens to trigger the message (a member of staff, a worker). A context
    value that is worded or formatted for people (a date, a time) may be a callable or a lazy
    string: it is then worked out while rendering, in the recipient's language.

    The rows are written in the current transaction; delivery is enqueued when it commits, so a
    rolled-back change sends nothing. With a `dedupe_key` already used, nothing is queued again.
    Returns the rows written (none for a repeated `dedupe_key`).
    """
    kind = NotificationKind(kind)
    context = dict(context or {})
    missing = REQUIRED_CONTEXT[kind] - context.keys()
    if missing:
        raise ValueError(
            f"notification_send({kind!s}) needs context {sorted(missing)} "
            "(see REQUIRED_CONTEXT in lantern/notifications/services.py)."
        )
    if dedupe_key is not None and Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return []

    addresses = {NotificationChannel.EMAIL: email, NotificationChannel.SMS: phone}
    recipients = [(channel, address) for channel, address in addresses.items() if address]
    created: list[Notification] = []
    for channel, address in recipients:
        subject, body = notification_render(
            kind=kind, channel=channel, context=context, language=language
        )
        notification = Notification(
            kind=kind,
            channel=channel,
            to_address=address,
            subject=subject,
            body=body,
            dedupe_key=dedupe_key,
        )
        try:
            # A savepoint, so losing a race on the dedupe key leaves the caller's transaction
            # usable.
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            if dedupe_key is None:
                raise
            continue
        created.append(notification)

    if created:
        ids = [str(notification.pk) for notification in created]
        # robust: a failure to enqueue must not fail the request that already committed; the
        # sweep (manage.py deliver_notifications) delivers rows whose task was lost.
        transaction.on_commit(functools.partial(_enqueue_delivery, ids), robust=True)
    return created


def _enqueue_delivery(notification_ids: Iterable[str]) -> None:
    from .tasks import deliver_notification

    for notification_id in notification_ids:
        deliver_notification.enqueue(notification_id)


BODY_REMOVED_AFTER_SENDING = "[removed after sending: it carried a one-time link or code]"


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_FIRST_DELAY * 2 ** max(attempts - 1, 0), RETRY_MAX_DELAY)


def notification_deliver(
    *, notification_id: uuid.UUID | str, ignore_schedule: bool = False
) -> DeliveryResult:
    """Sends one outbox row if it is pending and due, and records the outcome.

    Call it outside a transaction: the claim must be visible to other workers before sending.
    `ignore_schedule` sends a pending row even if its next attempt is not due (tests only).
    """
    now = timezone.now()
    claimable = Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
    if not ignore_schedule:
        claimable = claimable.filter(next_attempt_at__lte=now)
    claimed = claimable.update(
        status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return DeliveryResult(DeliveryOutcome.SKIPPED)

    notification = Notification.objects.get(pk=notification_id)
    try:
        if notification.channel == NotificationChannel.EMAIL:
            EmailSender().send(
                to=notification.to_address, subject=notification.subject, body=notification.body
            )
        else:
            get_sms_sender().send(to=notification.to_address, body=notification.body)
    except Exception as error:
        return _record_failure(notification=notification, error=error, claimed_at=now)

    sent = {"status": NotificationStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
    if notification.kind in KINDS_WITH_SECRETS:
        # A sent link or code has done its job; it need not wait in the database to be read.
        sent["body"] = BODY_REMOVED_AFTER_SENDING
    Notification.objects.filter(pk=notification.pk, claimed_at=now).update(**sent)
    logger.info(
        "Notification %s (%s by %s) sent on attempt %d.",
        notification.pk,
        notification.kind,
        notification.channel,
        notification.attempts,
    )
    return DeliveryResult(DeliveryOutcome.SENT)


def _record_failure(
    *, notification: Notification, error: Exception, claimed_at: datetime
) -> DeliveryResult:
    # The error text is kept short and never includes the message itself.
    message = str(error).replace(notification.body, "[message]")
    last_error = f"{type(error).__name__}: {message}"[:LAST_ERROR_LENGTH]
    row = Notification.objects.filter(pk=notification.pk, claimed_at=claimed_at)
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        row.update(status=NotificationStatus.FAILED, last_error=last_error)
        logger.error(
            "Notification %s (%s by %s) failed %d times; giving up. Last error: %s",
            notification.pk,
            notification.kind,
            notification.channel,
            notification.attempts,
            last_error,
        )
        return DeliveryResult(DeliveryOutcome.FAILED)

    next_attempt_at = timezone.now() + _retry_delay(notification.attempts)
    row.update(
        status=NotificationStatus.PENDING, last_error=last_error, next_attempt_at=next_attempt_at
    )
    logger.warning(
        "Notification %s (%s by %s) attempt %d failed; retrying at %s. Error: %s",
        notification.pk,
        notification.kind,
        notification.channel,
        notification.attempts,
        next_attempt_at.isoformat(),
        last_error,
    )
    return DeliveryResult(DeliveryOutcome.RETRY_SCHEDULED, next_attempt_at)


def notifications_deliver_due(*, limit: int = 500) -> Counter[DeliveryOutcome]:
    """Delivers every pending row that is due, after taking back rows a dead worker left.

    A safety net for lost tasks; run by `manage.py deliver_notifications` (cron it every few
    minutes). Returns how many rows ended in each outcome.
    """
    now = timezone.now()
    stale = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - SENDING_STALE_AFTER
    )
    stale.filter(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED, last_error="Delivery was interrupted too many times."
    )
    stale.update(status=NotificationStatus.PENDING, next_attempt_at=now)

    due_ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: Counter[DeliveryOutcome] = Counter()
    for notification_id in due_ids:
        outcomes[notification_deliver(notification_id=notification_id).outcome] += 1
    return outcomes
