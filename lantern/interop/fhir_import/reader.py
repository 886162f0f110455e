"""Read FHIR Bundles from JSON files as a stream of entries, never the whole document at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
import orjson

IMPORTABLE_BUNDLE_TYPES = {"collection", "transaction", "batch"}
# Files up to this size are parsed whole (orjson is several times faster than a streaming parse);
# larger ones are streamed entry by entry so memory stays flat whatever the file's size.
WHOLE_FILE_LIMIT_BYTES = 32 * 1024 * 1024


@dataclass
class RawEntry:
    index: int
    full_url: str
    resource: dict[str, Any]
    method: str


class BundleError(Exception):
    """A bundle that cannot be imported; `entry_index` is None when no one entry is to blame."""

    def __init__(self, reason: str, entry_index: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.entry_index = entry_index


def bundle_paths(paths: list[Path]) -> list[Path]:
    """The JSON files named, and those found (recursively, sorted) in the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            found.append(path)
    return found


def check_bundle_header(path: Path) -> None:
    """The file is a Bundle of an importable type (a quick look; stops as soon as it knows)."""
    resource_type = _top_level_value(path, "resourceType")
    if resource_type != "Bundle":
        found = f"a {resource_type}" if isinstance(resource_type, str) else "no resourceType"
        raise BundleError(f"not a FHIR Bundle (found {found})")
    bundle_type = _top_level_value(path, "type")
    if bundle_type not in IMPORTABLE_BUNDLE_TYPES:
        raise BundleError(
            f"Bundle type '{bundle_type}' cannot be imported; "
            f"expected one of {', '.join(sorted(IMPORTABLE_BUNDLE_TYPES))}"
        )


def read_entries(path: Path) -> Iterator[RawEntry]:
    """Each entry of the bundle in order. Raises BundleError naming the entry that broke."""
    if path.stat().st_size <= WHOLE_FILE_LIMIT_BYTES:
        try:
            document = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            # The streaming parser finds the entry where the JSON breaks.
            yield from _stream_entries(path)
            return
        entries = document.get("entry", []) if isinstance(document, dict) else []
        if not isinstance(entries, list):
            raise BundleError("Bundle.entry is not a list")
        for position, entry in enumerate(entries):
            yield _raw_entry(position, entry)
        return
    yield from _stream_entries(path)


def _stream_entries(path: Path) -> Iterator[RawEntry]:
    position = 0
    try:
        with path.open("rb") as stream:
            for entry in ijson.items(stream, "entry.item", use_float=True):
                yield _raw_entry(position, entry)
                position += 1
    except ijson.JSONError as error:
        raise BundleError(f"malformed JSON: {_first_line(error)}", entry_index=position) from error


def _raw_entry(index: int, entry: Any) -> RawEntry:
    if not isinstance(entry, dict):
        raise BundleError("the entry is not a JSON object", entry_index=index)
    request = entry.get("request") or {}
    return RawEntry(
        index=index,
        full_url=entry.get("fullUrl") or "",
        resource=entry.get("resource"),
        method=request.get("method", "") if isinstance(request, dict) else "",
    )


def _top_level_value(path: Path, key: str) -> Any:
    try:
        with path.open("rb") as stream:
            return next(ijson.items(stream, key), None)
    except ijson.JSONError as error:
        raise BundleError(f"malformed JSON: {_first_line(error)}") from error


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or ["unreadable"])[0]
