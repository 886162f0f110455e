"""`manage.py generate_patients N`: add N synthetic patients for measuring Lantern at scale."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.demo.generator import TemplatesMissing, patients_generate


class Command(BaseCommand):
    help = (
        "Add N synthetic patients copied from the demo's Synthea patients (new ids, names, MRNs "
        "and dates; about 200 observations each), through the import's bulk path. Run "
        "load_demo first. Synthetic data only: for benchmarks, never a clinic's database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="How many patients to add.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random choices.")
        parser.add_argument(
            "--batch-size", type=int, default=200, help="Patients written per transaction."
        )

    def handle(self, *args: Any, count: int, seed: int, batch_size: int, **options: Any) -> None:
        if count < 1 or batch_size < 1:
            raise CommandError("count and --batch-size must be at least 1.")
        started = time.monotonic()

        def progress(done: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done} of {count} patients ({elapsed:.0f} s)")

        try:
            report = patients_generate(count, seed=seed, batch_size=batch_size, progress=progress)
        except TemplatesMissing as error:
            raise CommandError(
                "The demo data is not loaded: run `python manage.py load_demo` first."
            ) from error
        elapsed = time.monotonic() - started
        rows = sum(report.rows.values())
        self.stdout.write(
            f"Generated {report.patients} patients, {rows} rows in {elapsed:.1f} s "
            f"({rows / max(elapsed, 1e-9):.0f} rows/s)."
        )
        for name, written in sorted(report.rows.items()):
            self.stdout.write(f"  {name}: {written}")
