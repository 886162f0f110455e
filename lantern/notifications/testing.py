"""Helpers for other apps' tests: deliver the outbox now instead of through the worker."""

from __future__ import annotations

from .models import Notification, NotificationStatus
from .services import DeliveryOutcome, notification_deliver


def deliver_all() -> int:
    """Delivers every pending notification now, due or not, once each. Returns how many sent.

    With the test settings (EMAIL_URL=memory://) emails land in `django.core.mail.outbox` and
    text messages in `DeliveredSms`.
    """
    pending_ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    return sum(
        notification_deliver(notification_id=notification_id, ignore_schedule=True).outcome
        == DeliveryOutcome.SENT
        for notification_id in pending_ids
    )
