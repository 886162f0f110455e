"""Deletes stored attachment files that no message points at (cron it every few minutes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.messaging.services import ORPHAN_AGE, attachment_orphans_remove


class Command(BaseCommand):
    help = (
        "Delete attachment files left on disk without a message (a write that was rolled back "
        "or interrupted), once they are older than --older-than-minutes, then exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=int(ORPHAN_AGE.total_seconds() // 60),
            help=(
                "Only files at least this old are removed, so a message still being written "
                "keeps its files (default: %(default)s)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["older_than_minutes"]
        if minutes < 1:
            # A file of a message being saved right now must never be taken for an orphan.
            raise CommandError("--older-than-minutes must be at least 1.")
        removed = attachment_orphans_remove(older_than=dt.timedelta(minutes=minutes))
        self.stdout.write(f"Removed {removed} attachment files that no message uses.")
