"""Import memory: every bundle file is read as a stream, an entry at a time, whatever its size, and
the workers' rows come back through files that are gone once the import ends."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths, pipeline, reader

from . import bundles
from .bundles import bundle, entry, full_bundle, write

MIB = 1024 * 1024


def glucose_entries(count: int) -> list[dict]:
    return [
        entry(bundles.glucose(f"55555555-5555-4555-8555-{number:012d}", value=90.0 + number % 50))
        for number in range(count)
    ]


def big_bundle(path: Path, minimum_bytes: int) -> int:
    """Write a bundle of at least `minimum_bytes` (the full bundle's eight entries, with two
    results, then glucose results); return its number of entries."""
    document = full_bundle()
    per_entry = len(json.dumps(glucose_entries(1)[0]))
    document["entry"].extend(glucose_entries(minimum_bytes // per_entry + 1))
    write(path, document)
    assert path.stat().st_size >= minimum_bytes
    return len(document["entry"])


class CountingStream:
    """A file that counts the bytes read from it."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:
        size = self.stream.readinto(buffer)
        self.bytes_read += size
        return size

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stream.close()


def test_a_20_mb_file_yields_its_first_entries_after_reading_a_few_kilobytes(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    count = big_bundle(path, 20 * MIB)
    opened: list[CountingStream] = []

    def counting_open_json(file_path):
        opened.append(CountingStream(open_json(file_path)))
        return opened[-1]

    open_json = reader.open_json
    monkeypatch.setattr(reader, "open_json", counting_open_json)

    entries = reader.read_entries(path)
    first, second = next(entries), next(entries)

    assert first.resource["resourceType"] == "Organization"
    assert (first.index, second.index) == (0, 1)
    [stream] = opened
    # Parsed a buffer at a time: well under 1% of the file is read for the first two entries.
    assert 0 < stream.bytes_read <= 2 * reader.CHUNK_BYTES
    assert 2 + sum(1 for _ in entries) == count
    assert stream.bytes_read == path.stat().st_size


@pytest.mark.django_db
def test_a_bundle_entry_that_is_not_a_list_fails_the_bundle(tmp_path):
    document = bundle(entry(bundles.patient()))
    document["entry"] = document["entry"][0]

    [failure] = import_paths([write(tmp_path / "entry.json", document)]).failed

    assert failure.reason == "Bundle.entry is not a list"


@pytest.mark.django_db
@pytest.mark.parametrize("split", [True, False], ids=["split between workers", "one worker"])
def test_a_bundle_imports_alike_in_process_and_in_workers_leaving_no_spooled_file(
    tmp_path, monkeypatch, split
):
    # A large file is split between the workers, a smaller one goes whole to one of them.
    monkeypatch.setattr(pipeline, "LARGE_FILE_BYTES", MIB // 2 if split else 8 * MIB)
    spool_root = tmp_path / "spool"
    spool_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_root))
    path = tmp_path / "bundle.json"
    observations = big_bundle(path, MIB) - 6  # all but clinic, doctor, patient, visit, panel, goal
    results = clinical.Observation.objects

    report = import_paths([path], source_system="workers", workers=2)

    assert report.failed == []
    assert results.filter(source_system="workers").count() == observations
    assert list(spool_root.iterdir()) == []
    in_process = import_paths([path], source_system="in-process", workers=1)
    assert in_process.as_json()["types"] == report.as_json()["types"]
    assert results.filter(source_system="in-process").count() == observations
