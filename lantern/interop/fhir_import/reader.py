"""Read FHIR Bundles from JSON files as a stream of entries, never the whole document at once.

Errors about a file say where it breaks (byte offset and line) and what kind of problem it is,
never what it holds: a bundle is patient data, and error messages end up in logs.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
from fhir.resources.R4B import get_fhir_model_class

IMPORTABLE_BUNDLE_TYPES = {"collection", "transaction", "batch"}
BUNDLE_TYPES = {
    *IMPORTABLE_BUNDLE_TYPES,
    *("document", "message", "transaction-response", "batch-response", "history", "searchset"),
}
# No file is parsed whole: every one is streamed, an entry at a time, whatever its size (ijson's C
# backend reads a bundle as fast as orjson parses it whole, without holding it all).
# Synthea writes the hospitals and practitioners its patient bundles refer to (by identifier) to
# files of their own; in a folder these are imported before the bundles that need them.
DIRECTORY_FILE_PREFIXES = ("hospitalInformation", "practitionerInformation")

UTF8_BOM = codecs.BOM_UTF8
# JSON must be UTF-8 (RFC 8259); these byte-order marks say a file is not. UTF-32 before UTF-16:
# the UTF-32 little-endian mark begins with the UTF-16 one.
OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
CHUNK_BYTES = 64 * 1024


@dataclass
class RawEntry:
    index: int
    full_url: str
    resource: dict[str, Any]
    method: str
    # A conditional create's search (`identifier=system|value`): store only if nothing matches.
    if_none_exist: str = ""


class BundleError(Exception):
    """A bundle that cannot be imported; `entry_index` is None when no one entry is to blame."""

    def __init__(self, reason: str, entry_index: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.entry_index = entry_index


def bundle_paths(paths: list[Path]) -> list[Path]:
    """The JSON files named, and those found (recursively, sorted) in the folders named.

    Synthea's hospital and practitioner files go first, wherever they were named (a shell's
    `*.json` puts `Alice_...` before `hospitalInformation...`); the others keep their order.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            found.append(path)
    return sorted(found, key=lambda p: not _is_directory_file(p))


def _is_directory_file(path: Path) -> bool:
    return path.name.startswith(DIRECTORY_FILE_PREFIXES)


def is_resource_type(value: Any) -> bool:
    """A FHIR R4 resource type's name: the only resourceType a message may repeat."""
    if not isinstance(value, str) or not value.isascii() or not value.isalpha():
        return False
    try:
        get_fhir_model_class(value)
    except KeyError:
        return False
    return True


def check_bundle_header(path: Path) -> None:
    """The file is a Bundle of an importable type (a quick look; stops as soon as it knows)."""
    # Values from the file are named only when they are words of FHIR itself.
    resource_type = _top_level_value(path, "resourceType")
    if resource_type != "Bundle":
        if resource_type is None:
            found = "no resourceType"
        elif is_resource_type(resource_type):
            found = f"a {resource_type}"
        else:
            found = "a resourceType that is not a FHIR type"
        raise BundleError(f"not a FHIR Bundle (found {found})")
    bundle_type = _top_level_value(path, "type")
    if bundle_type not in IMPORTABLE_BUNDLE_TYPES:
        shown = (
            f"Bundle type '{bundle_type}'"
            if bundle_type in BUNDLE_TYPES
            else "a Bundle.type that is not a FHIR Bundle type"
        )
        raise BundleError(
            f"{shown} cannot be imported; "
            f"expected one of {', '.join(sorted(IMPORTABLE_BUNDLE_TYPES))}"
        )
    if _top_level_event(path, "entry") not in {None, "start_array"}:
        raise BundleError("Bundle.entry is not a list")


def open_json(path: Path) -> IO[bytes]:
    """The file opened for reading, past a UTF-8 byte-order mark if it starts with one."""
    stream = path.open("rb")
    try:
        head = stream.read(4)
        _refuse_other_encodings(head)
        stream.seek(len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0)
    except BaseException:
        stream.close()
        raise
    return stream


def _refuse_other_encodings(head: bytes) -> None:
    for mark, encoding in OTHER_BOMS:
        if head.startswith(mark):
            raise BundleError(f"the file is {encoding} text; FHIR JSON files must be UTF-8")


def read_entries(path: Path) -> Iterator[RawEntry]:
    """Each entry of the bundle in order, parsed as the file is read: one entry at a time is held,
    never the whole document. Raises BundleError naming the entry that broke."""
    position = 0
    try:
        with open_json(path) as stream:
            entries = ijson.items(stream, "entry.item", use_float=True, buf_size=CHUNK_BYTES)
            for entry in entries:
                yield _raw_entry(position, entry)
                position += 1
    except (ijson.JSONError, UnicodeDecodeError):
        # Never the parser's message: it quotes the bytes around the error.
        raise json_error(path) from None


def _raw_entry(index: int, entry: Any) -> RawEntry:
    if not isinstance(entry, dict):
        raise BundleError("the entry is not a JSON object", entry_index=index)
    request = entry.get("request")
    request = request if isinstance(request, dict) else {}
    full_url = entry.get("fullUrl") or ""
    method, if_none_exist = request.get("method"), request.get("ifNoneExist")
    return RawEntry(
        index=index,
        full_url=full_url if isinstance(full_url, str) else "",
        resource=entry.get("resource"),
        method=method if isinstance(method, str) else "",
        if_none_exist=if_none_exist if isinstance(if_none_exist, str) else "",
    )


def _top_level_value(path: Path, key: str) -> Any:
    try:
        with open_json(path) as stream:
            return next(ijson.items(stream, key), None)
    except (ijson.JSONError, UnicodeDecodeError):
        raise json_error(path) from None


def _top_level_event(path: Path, key: str) -> str | None:
    """The parser's first event for a top-level key's value (`start_array`, `start_map`,
    `string`, ...), None when the key is absent. Reads no further than that event."""
    try:
        with open_json(path) as stream:
            for prefix, event, _value in ijson.parse(stream):
                if prefix == key:
                    return event
    except (ijson.JSONError, UnicodeDecodeError):
        raise json_error(path) from None
    return None


# Locating a broken file without quoting it ------------------------------------------------------


def json_error(path: Path) -> BundleError:
    """Where and how the file stops being valid UTF-8 JSON: a byte offset, a line, the kind of
    error and, when the break is inside an entry, that entry. Reads the file a few times over,
    a chunk at a time (memory stays flat); only called once a parser has failed."""
    offset, entry_index = _syntax_error_offset(path)
    bad_byte = _first_invalid_utf8(path, until=offset + 4)
    if bad_byte is not None:
        kind, offset = "not valid UTF-8", bad_byte
    else:
        kind = "malformed JSON"
    return BundleError(f"{kind} at byte {offset} (line {_line_of(path, offset)})", entry_index)


def _syntax_error_offset(path: Path) -> tuple[int, int | None]:
    """(byte offset of the first byte the JSON parser refused, entry holding it or None).

    A first pass feeds the parser a chunk at a time to find the chunk that breaks; a second
    feeds that chunk a byte at a time to find the byte.
    """
    size = path.stat().st_size
    broken_chunk = _feed(path, byte_by_byte_from=size + 1)[0]
    if broken_chunk is None:
        return size, None
    offset, entry_index = _feed(path, byte_by_byte_from=broken_chunk)
    return (size if offset is None else offset), entry_index


def _feed(path: Path, *, byte_by_byte_from: int) -> tuple[int | None, int | None]:
    """Feed the file to a push parser; return where the feed that failed started (None if the
    whole file parsed) and the entry the parser was in."""
    events = ijson.sendable_list()
    parser = ijson.parse_coro(events)
    tracker = _EntryTracker()
    with open_json(path) as stream:
        position = stream.tell()
        while True:
            if position >= byte_by_byte_from:
                size = 1
            else:
                size = min(CHUNK_BYTES, byte_by_byte_from - position)
            chunk = stream.read(size)
            try:
                if chunk:
                    parser.send(chunk)
                else:
                    parser.close()
            except (ijson.JSONError, UnicodeDecodeError):
                tracker.follow(events)
                return position, tracker.entry_index()
            tracker.follow(events)
            del events[:]
            if not chunk:
                return None, None
            position += len(chunk)


class _EntryTracker:
    """Follows parse events to know which entry of Bundle.entry the parser is inside."""

    def __init__(self) -> None:
        self.started = 0
        self.inside = False

    def follow(self, events: list[tuple[str, str, Any]]) -> None:
        for prefix, event, _value in events:
            if prefix == "entry.item":
                if event in {"start_map", "start_array"}:
                    self.started += 1
                    self.inside = True
                elif event in {"end_map", "end_array"}:
                    self.inside = False
                elif event != "map_key":
                    # An entry that is a bare value, not an object.
                    self.started += 1
            elif prefix.startswith("entry.item."):
                self.inside = True

    def entry_index(self) -> int | None:
        return self.started - 1 if self.inside else None


def _first_invalid_utf8(path: Path, *, until: int) -> int | None:
    """The offset of the first byte (before `until`) that is not part of valid UTF-8, if any."""
    carried = b""
    position = 0
    with path.open("rb") as stream:
        while position < until:
            chunk = stream.read(CHUNK_BYTES)
            final = not chunk
            data = carried + chunk
            start = position - len(carried)
            try:
                _text, consumed = codecs.utf_8_decode(data, "strict", final)
            except UnicodeDecodeError as error:
                found = start + error.start
                return found if found < until else None
            carried = data[consumed:]
            position += len(chunk)
            if final:
                return None
    return None


def _line_of(path: Path, offset: int) -> int:
    """The line (from 1) holding byte `offset`."""
    line = 1
    remaining = offset
    with path.open("rb") as stream:
        while remaining > 0:
            chunk = stream.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line
