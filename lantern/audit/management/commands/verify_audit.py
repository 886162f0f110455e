"""Recomputes the audit trail's hash chain; exits non-zero on any edit, deletion or gap."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.audit.sealing import audit_trail_verify

# A broken chain can yield one problem per event; the first ones say where to look.
PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Check the audit trail against its seals from seal 1: every seal present and linked to "
        "the one before, every sealed event unchanged, none added or deleted, and nothing left "
        "unsealed for too long. Prints the head hash to record elsewhere; exits 1 on a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-unsealed-hours",
            type=float,
            default=24,
            help=(
                "Events older than this that are still not sealed count as a failure: sealing "
                "has stopped (default: %(default)s)."
            ),
        )
        parser.add_argument(
            "--expect",
            action="append",
            default=[],
            metavar="HASH",
            help=(
                "A head hash printed by an earlier run and kept outside the database; it must "
                "still be in the chain (shows removed or rewritten seals). May be repeated."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_trail_verify(
            unsealed_limit=dt.timedelta(hours=options["max_unsealed_hours"]),
            expected_hashes=options["expect"],
        )
        if not report.ok:
            for problem in report.problems[:PROBLEMS_SHOWN]:
                self.stderr.write(problem.message)
            if len(report.problems) > PROBLEMS_SHOWN:
                self.stderr.write(f"... and {len(report.problems) - PROBLEMS_SHOWN} more.")
            raise CommandError(
                f"The audit trail failed verification: {len(report.problems)} problems."
            )
        self.stdout.write(
            f"Audit trail verified: {report.seal_count} seals over {report.event_count} events; "
            f"{report.unsealed_count} newer events not sealed yet."
        )
        if report.head is None:
            self.stdout.write("No seals yet.")
        else:
            self.stdout.write(f"Head: seal {report.head.number} {report.head.chain_hash}")
