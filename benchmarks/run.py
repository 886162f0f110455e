"""`make bench`: Lantern's benchmarks, printed as figures (never asserted in tests).

Import rate: every bundle in ../shared/data/fhir (or the folder in BENCH_FHIR_DIR; the repo's
demo bundles when neither exists) imported into a fresh, empty database of the configured engine
(DATABASE_URL, SQLite by default), then imported again (everything unchanged), in BENCH_ROUNDS
rounds (default 3) each on a fresh database; it prints the median and the best round. The goal is
3,000 resources/s on PostgreSQL on a 2-core machine, with validation on. The timer starts after
the process has loaded Django and the FHIR model classes.

Import memory: the peak resident memory of importing a ~10 MB and a ~100 MB synthetic bundle,
each in a fresh process, and their ratio; see benchmarks/import_memory.py
(BENCH_MEMORY_SKIP_LARGE=1 skips the ~100 MB one).

Booking: bookings/s through `services.appointment_book`, one after the other and from 4 threads,
as ratios to a bare audited write, and 20 people booking one time at once; see
benchmarks/booking.py.

HL7 v2 listener: messages/s through `hl7_listen` (a real process and socket), one connection
and four; see benchmarks/hl7_listener.py.

Pages: each patient and staff page's requests/s with the production server and a signed-in
session, as ratios to the bare view without a cookie and with the same session; see
benchmarks/pages.py (BENCH_ROUNDS applies there too).

Worker memory: one gunicorn worker's resident memory after 5,000 and after 10,000 requests round
every page (goal: at most 5% growth); see benchmarks/worker_memory.py.

Scale: the same pages on PostgreSQL at 1,000 and 100,000 generated patients (BENCH_SCALE_PATIENTS
changes the sizes; generating 100,000 took 21 minutes here), with median and 95th
percentile latency at each size, printed and written to a JSON file; see benchmarks/scale.py.

FHIR search: requests/s of `Observation?patient=…&code=…&_sort=-date&_count=20` with a bearer
token and of the bare view, measured in turn with the production server, on PostgreSQL when
DATABASE_URL is set (a database of its own beside it) else SQLite; see benchmarks/fhir_search.py.
"""

from __future__ import annotations

import os
import statistics
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

import booking  # noqa: E402  (benchmarks/booking.py, beside this file)
import fhir_search  # noqa: E402  (benchmarks/fhir_search.py, beside this file)
import hl7_listener  # noqa: E402  (benchmarks/hl7_listener.py, beside this file)
import import_memory  # noqa: E402  (benchmarks/import_memory.py, beside this file)
import pages  # noqa: E402  (benchmarks/pages.py, beside this file)
import scale  # noqa: E402  (benchmarks/scale.py, beside this file)
import worker_memory  # noqa: E402  (benchmarks/worker_memory.py, beside this file)
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


ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def main() -> None:
    folder = bundle_folder()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(os.environ["VAR_DIR"]) / "bench.sqlite3"
        )
    print(f"Import benchmark: {folder} into an empty {connection.vendor} database, {ROUNDS} rounds")
    rates: dict[str, list[float]] = {"first import": [], "re-import (unchanged)": []}
    for _ in range(ROUNDS):
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            for found in rates.values():
                elapsed, resources, stored = timed_import(folder)
                found.append(resources / elapsed)
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"  {resources} resources per import ({stored} stored, the rest skipped types)")
    for label, found in rates.items():
        print(
            f"  {label:<22} median {statistics.median(found):6.0f} resources/s,"
            f" best {max(found):6.0f} (rounds: {', '.join(f'{rate:.0f}' for rate in found)})"
        )


if __name__ == "__main__":
    main()
    print()
    import_memory.main()
    print()
    booking.main()
    print()
    hl7_listener.main()
    print()
    pages.main()
    print()
    fhir_search.main()
    print()
    worker_memory.main()
    print()
    scale.main()
