"""Import memory, part of `make bench`: the peak memory of importing a ~10 MB and a ~100 MB bundle.

The two bundles are synthetic, written to a temporary folder: the entries of the demo bundles
(lantern/demo/bundles) repeated until the file reaches its size, every UUID and practitioner NPI
renamed in each copy so that each copy is patients, visits and results of their own. Each bundle is
imported in a fresh Python process (`python benchmarks/import_memory.py child FILE`: Django set up,
a fresh, empty database of the configured engine, DATABASE_URL or SQLite, then `import_paths` with
the configured workers). The figure is that process's peak resident memory together with its
worker processes' (ru_maxrss from wait4: the largest of them), with the main process's and the
largest worker's apart, and the ratio of the ~100 MB figure to the ~10 MB one; the importer aims
for less than 2x. Printed, never asserted.

BENCH_MEMORY_SKIP_LARGE=1 skips the ~100 MB bundle (and so the ratio); it takes about a minute on
a 2-core machine, the ~10 MB one a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_BUNDLES = ROOT / "lantern" / "demo" / "bundles"
MIB = 1024 * 1024
SIZES_MB = (10, 100)
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NPI = re.compile(rb'("system":"http://hl7\.org/fhir/sid/us-npi","value":")(\d+)')
RENAMING = uuid.UUID("6c1d3f9e-1c55-4a57-9a40-3f0f0c0ffee0")


def demo_entries() -> list[bytes]:
    """Each entry of the demo bundles, as compact JSON."""
    import orjson

    entries: list[bytes] = []
    for path in sorted(DEMO_BUNDLES.glob("*.json")):
        entries.extend(orjson.dumps(item) for item in orjson.loads(path.read_bytes())["entry"])
    return entries


def renamed(entry: bytes, copy: int) -> bytes:
    """The entry as it is in the `copy`-th repetition: other UUIDs, other NPIs (copy 0 as is)."""
    if copy == 0:
        return entry
    entry = UUID.sub(lambda m: str(uuid.uuid5(RENAMING, f"{copy}:{m[0]}")).encode(), entry)
    return NPI.sub(lambda m: m[1] + m[2] + b"%05d" % copy, entry)


def write_bundle(path: Path, size_bytes: int, entries: list[bytes]) -> int:
    """Write a transaction bundle of at least `size_bytes`; return its number of entries."""
    written = count = copy = 0
    with path.open("wb") as out:
        written += out.write(b'{"resourceType":"Bundle","type":"transaction","entry":[')
        while written < size_bytes:
            for entry in entries:
                written += out.write((b"," if count else b"") + renamed(entry, copy) + b"\n")
                count += 1
            copy += 1
        out.write(b"]}\n")
    return count


def measure(path: Path) -> dict:
    """Import the file in a fresh process; its figures, with the tree's peak from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - this interpreter, this file, a path it wrote
        [sys.executable, __file__, "child", str(path)], stdout=subprocess.PIPE, text=True
    )
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"The import of {path.name} failed (exit status {child.returncode})")
    figures = json.loads(output.strip().splitlines()[-1])
    figures["peak_kib"] = usage.ru_maxrss  # kibibytes on Linux
    figures["wall_seconds"] = time.perf_counter() - started
    return figures


def main() -> None:
    skip_large = os.environ.get("BENCH_MEMORY_SKIP_LARGE", "") not in {"", "0"}
    sizes = SIZES_MB[:1] if skip_large else SIZES_MB
    print("Import memory: one synthetic bundle per process, peak resident memory (ru_maxrss)")
    entries = demo_entries()
    peaks: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="lantern-bench-memory-") as folder:
        for size in sizes:
            path = Path(folder) / f"bundle-{size}mb.json"
            count = write_bundle(path, size * 1000 * 1000, entries)
            figures = measure(path)
            path.unlink()
            peaks[size] = figures["peak_kib"]
            print(
                f"  {figures['bytes'] / MIB:5.1f}"
                f" MiB, {count} entries: peak {figures['peak_kib'] / 1024:4.0f} MiB"
                f" (main process {figures['main_kib'] / 1024:.0f} MiB,"
                f" {figures['before_kib'] / 1024:.0f} before the import;"
                f" largest worker {figures['workers_kib'] / 1024:.0f} MiB),"
                f" {figures['resources'] / figures['seconds']:.0f} resources/s"
            )
    if len(peaks) == len(SIZES_MB):
        small, large = (peaks[size] for size in SIZES_MB)
        print(
            f"  ratio {SIZES_MB[1]} MB / {SIZES_MB[0]} MB: {large / small:.2f}x"
            " (the aim: less than 2x)"
        )
    else:
        print("  the ~100 MB bundle skipped (BENCH_MEMORY_SKIP_LARGE)")


def child(path: Path) -> None:
    """Import one file into a fresh database; print its figures as one JSON line."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("HTTPS", "off")
    var_dir = tempfile.mkdtemp(prefix="lantern-bench-memory-")
    os.environ["VAR_DIR"] = var_dir

    import django

    django.setup()
    from django.db import connection

    from lantern.interop.fhir_import import import_paths

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(var_dir) / "bench-memory.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        report = import_paths([path], source_system="bench-memory")
        seconds = time.perf_counter() - started
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    if report.failed:
        sys.exit("Import failed: " + "; ".join(f.describe() for f in report.failed))
    figures = {
        "bytes": path.stat().st_size,
        "resources": report.resources,
        "seconds": seconds,
        "before_kib": before,
        "main_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "workers_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(Path(sys.argv[2]))
    else:
        main()
