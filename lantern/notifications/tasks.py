"""Background delivery of the outbox, run by the task worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import DeliveryOutcome, notification_deliver


@task()
def deliver_notification(notification_id: str) -> str:
    """Delivers one outbox row; on a failure that will be retried, enqueues itself for then.

    Safe to run twice for the same row: the service claims the row before sending.
    """
    result = notification_deliver(notification_id=notification_id)
    if result.outcome == DeliveryOutcome.RETRY_SCHEDULED:
        deliver_notification.using(run_after=result.next_attempt_at).enqueue(notification_id)
    return str(result.outcome)
