"""Writes for support requests: sending one from the help centre, and staff closing it.

Nothing here logs or emails what a request says or who sent it: the notice to staff says only
that a request came in, with a link to the console.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.access.models import StaffMembership, StaffRole
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_event_record
from lantern.clinical.models import Organization
from lantern.core.language import language_for
from lantern.core.throttle import attempt_allowed
from lantern.notifications.models import NotificationKind
from lantern.notifications.services import absolute_url, notification_send

from .models import SupportRequest, SupportRequestStatus
from .selectors import clinics_taking_support_requests

HOUR = 3600
TOO_MANY_FROM_HERE = _(
    "You have sent several requests in the last hour. Wait an hour and try again, or call the "
    "clinic."
)
TOO_MANY_TODAY = _(
    "We are getting a lot of requests right now. Try again in an hour, or call the clinic."
)
NOT_TAKING_REQUESTS = _("This clinic is not taking requests here. Call the clinic instead.")
# Every address shares this subject in the limit for everyone together.
EVERYONE = "everyone"


class SupportError(Exception):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def support_request_submit(
    *,
    organization: Organization,
    name: str,
    email: str,
    phone: str,
    topic: str,
    message: str,
    submission_key: str,
    address: str | None,
    language: str = "",
) -> SupportRequest | None:
    """Record a support request to one clinic and tell its staff; None for a repeated form.

    `language` is the page's language when the person sent it: staff see it, to reply in it.

    Raises SupportError when this address, or everyone together, sent too many in the hour, or
    when the clinic has no staff to read it. A repeat of the same form (a double click, a
    reload) is not counted against the limits and sends nothing again.
    """
    if SupportRequest.objects.filter(submission_key=submission_key).exists():
        return None
    if not clinics_taking_support_requests().filter(pk=organization.pk).exists():
        raise SupportError(NOT_TAKING_REQUESTS)
    if not attempt_allowed(
        scope="support",
        address=address,
        limit=settings.SUPPORT_REQUESTS_PER_HOUR,
        window_seconds=HOUR,
    ):
        raise SupportError(TOO_MANY_FROM_HERE)
    if not attempt_allowed(
        scope="support-all",
        address=EVERYONE,
        limit=settings.SUPPORT_REQUESTS_PER_HOUR_TOTAL,
        window_seconds=HOUR,
    ):
        raise SupportError(TOO_MANY_TODAY)
    try:
        with transaction.atomic():
            support_request = SupportRequest.objects.create(
                organization=organization,
                name=name.strip(),
                email=email.strip(),
                phone=phone.strip(),
                topic=topic,
                message=message.strip(),
                submission_key=submission_key,
                language=language,
            )
            _notify_staff(support_request)
    except IntegrityError:
        # The same form sent twice at once: the other one was recorded.
        return None
    return support_request


def _notify_staff(support_request: SupportRequest) -> None:
    """A notice to the clinic that a request came in: a link, never the sender or the text."""
    link = absolute_url(reverse("staff:support_request", kwargs={"request_id": support_request.pk}))
    for email, language in _notice_addresses(support_request.organization):
        notification_send(
            kind=NotificationKind.SUPPORT_REQUEST_RECEIVED,
            email=email,
            context={"link": link},
            dedupe_key=f"support-request:{support_request.pk}:{email.lower()}",
            language=language,
        )


def _notice_addresses(organization: Organization) -> list[tuple[str, str]]:
    """Where the notice goes, each with the language to write in: an administrator's own; the
    clinic's default for the configured address (a shared mailbox, no account's language)."""
    if settings.SUPPORT_NOTICE_EMAIL:
        return [(settings.SUPPORT_NOTICE_EMAIL, settings.LANGUAGE_CODE)]
    administrators = StaffMembership.objects.filter(
        organization=organization,
        role=StaffRole.ADMINISTRATOR,
        is_active=True,
        user__is_active=True,
        user__email_verified_at__isnull=False,
    ).exclude(user__email="")
    # One notice per address, in the language of the account with that address.
    chosen = {m.user.email: language_for(m.user) for m in administrators.select_related("user")}
    return sorted(chosen.items())


def support_request_close(*, actor, support_request: SupportRequest) -> bool:
    """Close an open request; False when it was already closed (a second click, a colleague).

    The conditional UPDATE lets only one of two people closing at once do it; it is audited.
    """
    with transaction.atomic():
        now = timezone.now()
        closed = SupportRequest.objects.filter(
            pk=support_request.pk, status=SupportRequestStatus.OPEN
        ).update(status=SupportRequestStatus.CLOSED, closed_at=now, closed_by=actor)
        if not closed:
            return False
        audit_event_record(
            actor=actor,
            patient=None,
            role=ActorRole.STAFF,
            action=AuditAction.UPDATE,
            object_type="SupportRequest",
            object_id=str(support_request.pk),
        )
    return True
