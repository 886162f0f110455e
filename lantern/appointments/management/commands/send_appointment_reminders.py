"""`manage.py send_appointment_reminders`: queue the appointment reminders that are due, each
once (cron it every minute or two; several may run at once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.appointments.reminders import reminders_send_due


class Command(BaseCommand):
    help = "Queue the appointment reminders that are due by email and text message, then exit."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send_due()
        self.stdout.write(f"{sent} reminder message{'s' if sent != 1 else ''} queued.")
