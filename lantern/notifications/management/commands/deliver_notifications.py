"""Delivers every due notification once: a safety net for lost tasks (cron it every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.notifications.services import DeliveryOutcome, notifications_deliver_due


class Command(BaseCommand):
    help = "Deliver pending email and text messages that are due, then exit."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = notifications_deliver_due()
        self.stdout.write(
            f"Sent {outcomes[DeliveryOutcome.SENT]}, "
            f"will retry {outcomes[DeliveryOutcome.RETRY_SCHEDULED]}, "
            f"gave up on {outcomes[DeliveryOutcome.FAILED]}."
        )
