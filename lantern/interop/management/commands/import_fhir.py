"""python manage.py import_fhir PATH... [--json] [--source NAME] [--workers N]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.interop.fhir_import import DEFAULT_SOURCE_SYSTEM, import_paths


class Command(BaseCommand):
    help = (
        "Import FHIR R4 Bundles (collection, transaction, batch) from JSON files or folders. "
        "Each bundle is written in one transaction; a bad bundle writes nothing and is reported "
        "with its file, entry and reason, and the other files still import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Bundle files or folders.")
        parser.add_argument(
            "--source",
            default=DEFAULT_SOURCE_SYSTEM,
            help="Name of the system the bundles come from; re-imports from the same source "
            f"update records instead of duplicating them (default: {DEFAULT_SOURCE_SYSTEM}).",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--workers", type=int, default=None, help="Validating processes (default: one a core)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [str(path) for path in options["paths"] if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        report = import_paths(
            options["paths"], source_system=options["source"], workers=options["workers"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
        else:
            self.stdout.write(report.as_table())
        for failure in report.failed:
            self.stderr.write(f"Failed: {failure.describe()}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} of {report.files} files failed to import.")
