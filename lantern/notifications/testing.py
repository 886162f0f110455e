"""Helpers for other apps' tests: deliver the outbox now, or run the real task worker."""

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


def run_worker_until_idle() -> None:
    """Runs the django_tasks_db worker until no task is due, as `manage.py db_worker --batch`.

    The same loop, without taking over the process's signals. Tests that use it need
    `django_db(transaction=True)`: the tasks are enqueued when the sending transaction commits.
    """
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="notifications-test",
        excluded_queue_names=[],
    ).run()
