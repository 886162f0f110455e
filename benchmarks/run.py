"""`make bench`: Lantern's benchmarks, printed as figures (never asserted in tests).

Import rate: every bundle in ../shared/data/fhir (or the folder in BENCH_FHIR_DIR; the repo's
demo bundles when neither exists) imported into a fresh, empty database of the configured engine
(DATABASE_URL, SQLite by default), then imported again (everything unchanged). The goal is
3,000 resources/s on PostgreSQL on a 2-core machine, with validation on.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("HTTPS", "off")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="lantern-bench-"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from lantern.interop.fhir_import import import_paths  # noqa: E402


def bundle_folder() -> Path:
    for candidate in (os.environ.get("BENCH_FHIR_DIR"), ROOT.parent / "shared" / "data" / "fhir"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT / "lantern" / "demo" / "bundles"


def timed_import(folder: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    report = import_paths([folder], source_system="bench")
    elapsed = time.perf_counter() - started
    if report.failed:
        raise SystemExit("Import failed: " + "; ".join(f.describe() for f in report.failed))
    stored = sum(c.created + c.updated + c.unchanged for c in report.types.values())
    return elapsed, report.resources, stored


def main() -> None:
    folder = bundle_folder()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(os.environ["VAR_DIR"]) / "bench.sqlite3"
        )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"Import benchmark: {folder} into an empty {connection.vendor} database")
        for label in ("first import", "re-import (unchanged)"):
            elapsed, resources, stored = timed_import(folder)
            print(
                f"  {label:<22} {resources:>6} resources ({stored} stored) in {elapsed:6.2f} s"
                f" = {resources / elapsed:8.0f} resources/s"
            )
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
