"""python manage.py hl7_import FILE... [--json]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.hl7v2.importer import ImportReport, import_files


class Command(BaseCommand):
    help = (
        "Load HL7 v2 messages from files (one message, several, or a FHS/BHS batch per file), "
        "stored and processed as if they came in on the listener; a message already stored "
        "(same sending application and control id) is not applied again. Exits 1 naming the "
        "file and message of every message not accepted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="HL7 v2 files.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [str(path) for path in options["paths"] if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        report = import_files(options["paths"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
        else:
            self.stdout.write(report.as_table())
        for failure in report.failed:
            self.stderr.write(f"Failed: {failure.describe()}")
        if report.failed:
            raise CommandError(_failure_summary(report))


def _failure_summary(report: ImportReport) -> str:
    """How many messages were not accepted and how many files could not be read, each counted
    against its own total."""
    unreadable = sum(1 for failure in report.failed if failure.index == 0)
    refused = len(report.failed) - unreadable
    parts = []
    if refused:
        parts.append(f"{refused} of {report.messages} messages were not accepted")
    if unreadable:
        parts.append(f"{unreadable} of {report.files} files could not be read")
    return "; ".join(parts) + "."
