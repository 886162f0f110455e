"""Seals the settled audit events into the hash chain (cron it every few minutes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.audit.sealing import SEAL_BATCH_SIZE, audit_trail_seal


class Command(BaseCommand):
    help = (
        "Chain the committed audit events after the last seal into new seals, in batches, "
        "then exit. Only one sealer runs at a time; a second one exits at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--settle-seconds",
            type=int,
            default=None,
            help=(
                "Seal only events at least this old, so a transaction still open is not "
                "passed over (default: AUDIT_SEAL_SETTLE_SECONDS, now "
                f"{settings.AUDIT_SEAL_SETTLE_SECONDS})."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=SEAL_BATCH_SIZE,
            help="Events per seal (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settle_seconds = options["settle_seconds"]
        if settle_seconds is not None and settle_seconds < 0:
            raise CommandError("--settle-seconds cannot be negative.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        run = audit_trail_seal(
            settle=None if settle_seconds is None else dt.timedelta(seconds=settle_seconds),
            batch_size=options["batch_size"],
        )
        if run.busy and not run.seals:
            self.stdout.write("Another sealer is running; nothing sealed.")
            return
        if not run.seals:
            self.stdout.write("Nothing to seal.")
            return
        head = run.seals[-1]
        self.stdout.write(
            f"Sealed {run.event_count} events in {len(run.seals)} seals. "
            f"Head: seal {head.number} {head.chain_hash}"
        )
