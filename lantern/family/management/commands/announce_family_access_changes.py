"""`manage.py announce_family_access_changes`: tell parents, and their children's own accounts,
a month ahead that a birthday (12, 18) will change what the parent sees. Run it daily; a rerun
sends nothing twice. The change itself needs no job: the access policy computes it each request."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lantern.family.services import age_changes_announce


class Command(BaseCommand):
    help = "Queue the notices of birthdays that will change a parent's access within 30 days."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = age_changes_announce()
        self.stdout.write(f"{queued} notice{'s' if queued != 1 else ''} queued.")
