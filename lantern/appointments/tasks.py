"""Background work for appointments, run by the task worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .reminders import reminders_send_due
from .waitlist import offers_for_freed_time


@task()
def offer_freed_time(appointment_id: str) -> int:
    """Offers the time a cancelled or moved visit gave up to the waitlist; returns how many
    offers were made. Safe to run twice: an entry is offered a time once."""
    return len(offers_for_freed_time(appointment_id=appointment_id))


@task()
def send_appointment_reminders() -> int:
    """Sends the reminders that are due and returns how many. `manage.py
    send_appointment_reminders` does the same from cron; both may run at once."""
    return reminders_send_due()
