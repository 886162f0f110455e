"""Validate and map bundle entries. Runs in the importer's worker processes (or in-process).

Validation is the expensive step (about 0.3 ms a resource on one core), so it is spread over the
machine's cores; everything here is pure and touches no database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.STU3 import get_fhir_model_class as get_stu3_model_class
from pydantic import ValidationError

from .mapping import MAPPERS, MappedRow, MappingError, coded_fields, identifier_list
from .reader import BundleError, RawEntry, is_resource_type, read_entries

# Loading a resource type's model class takes ~20 ms; load the ones bundles usually carry when
# this module is imported, so forked workers start with them loaded. Others load on first use.
PRELOADED_TYPES = (
    *MAPPERS,
    "CarePlan", "CareTeam", "Claim", "Device", "ExplanationOfBenefit", "Goal", "ImagingStudy",
    "Medication", "MedicationAdministration", "PractitionerRole", "Provenance", "ServiceRequest",
    "SupplyDelivery",
)  # fmt: skip
for _resource_type in PRELOADED_TYPES:
    get_fhir_model_class(_resource_type)

# Types Lantern does not store but reads something from (a Medication's code names the requests
# that point at it): validated like stored ones.
READ_SKIPPED_TYPES = frozenset({"Medication"})
# Methods of transaction and batch entries that carry a resource to store.
STORING_METHODS = {"", "POST", "PUT"}
ID_IN_URL = re.compile(r"(?:^|/)([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(slots=True)
class SkippedEntry:
    """A valid resource of a type Lantern does not keep, or an entry that stores nothing."""

    index: int
    resource_type: str
    full_url: str
    fhir_id: str
    # Its identifiers, which conditional references (`Type?identifier=...`) in the bundle match.
    identifiers: list[dict[str, str]] = field(default_factory=list)
    # A Medication's code (code_system, code, display), for the requests that name it.
    medication: dict[str, str] | None = None


@dataclass(slots=True)
class InvalidEntry:
    index: int
    reason: str


@dataclass(slots=True)
class MappedEntry:
    index: int
    full_url: str
    row: MappedRow
    identifiers: list[dict[str, str]] = field(default_factory=list)
    # A conditional create (POST with `ifNoneExist`): the search a stored record may answer.
    if_none_exist: str = ""


EntryOutcome = MappedEntry | SkippedEntry | InvalidEntry


@dataclass(slots=True)
class ShareResult:
    outcomes: list[EntryOutcome] = field(default_factory=list)
    error: BundleError | None = None


def process_file_share(path: Path, share: int, shares: int, large: bool = False) -> ShareResult:
    """Validate and map every `shares`-th entry of a bundle file, starting at entry `share`.

    Each worker streams the file itself, an entry at a time (parsing is cheap next to
    validation), so no entry is copied between processes; only the compact mapped rows come back.
    In a `large` file, each distinct text among them is one object (see `_shared_outcome`).
    """
    result = ShareResult()
    texts: dict[Any, Any] = {}
    try:
        for entry in read_entries(path):
            if entry.index % shares == share:
                outcome = process_entry(entry)
                result.outcomes.append(_shared_outcome(outcome, texts) if large else outcome)
    except BundleError as error:
        result.error = error
    return result


def _shared_outcome(outcome: EntryOutcome, texts: dict[Any, Any]) -> EntryOutcome:
    """The outcome, each of its strings equal to one seen before replaced by that one.

    A bundle repeats the same codes, systems, units, statuses and references (the patient's, the
    visit's) in entry after entry, each parsed into a string of its own. One object per distinct
    text makes the rows held until the bundle is written about a quarter smaller, in the worker
    and in the main process (pickle sends an object it meets twice once), so memory grows less
    with the size of a bundle.
    """
    if isinstance(outcome, MappedEntry):
        row = outcome.row
        for value in (row.fields, row.references, row.result_references, row.identifiers):
            _share_texts(value, texts)
        row.medication_reference = _share_texts(row.medication_reference, texts)
        outcome.full_url = _share_texts(outcome.full_url, texts)
        _share_texts(outcome.identifiers, texts)
    elif isinstance(outcome, SkippedEntry):
        outcome.resource_type = _share_texts(outcome.resource_type, texts)
        outcome.full_url = _share_texts(outcome.full_url, texts)
        _share_texts(outcome.identifiers, texts)
        _share_texts(outcome.medication, texts)
    return outcome


def _share_texts(value: Any, texts: dict[Any, Any]) -> Any:
    """`value` with each string (and tuple of strings) in it taken from `texts`, where a new one
    is added. Dicts and lists are changed in place, so containers keep their identity."""
    if isinstance(value, str):
        return texts.setdefault(value, value)
    if isinstance(value, dict):
        items = [(_share_texts(key, texts), _share_texts(v, texts)) for key, v in value.items()]
        value.clear()
        value.update(items)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            value[position] = _share_texts(item, texts)
    elif isinstance(value, tuple):
        # A reference's (text, resource type): equal ones are shared too.
        shared = tuple(_share_texts(item, texts) for item in value)
        if all(isinstance(item, str) for item in shared):
            return texts.setdefault(shared, shared)
        return shared
    return value


def process_entry(entry: RawEntry) -> EntryOutcome:
    resource = entry.resource
    if not isinstance(resource, dict):
        return InvalidEntry(entry.index, "the entry has no resource")
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        return InvalidEntry(entry.index, "the resource has no resourceType")
    if not is_resource_type(resource_type):
        # Not quoted: a value that is not a word of FHIR is the file's own text.
        return InvalidEntry(entry.index, "the resourceType is not a FHIR R4 resource type")
    mapper = MAPPERS.get(resource_type)
    stored = mapper is not None and entry.method.upper() in STORING_METHODS
    if not stored and resource_type not in READ_SKIPPED_TYPES:
        # Lantern keeps nothing of it but its id and identifiers: validating it field by field
        # (a third of a Synthea bundle's CPU time goes to its Claims and ExplanationOfBenefits)
        # would refuse a bundle for a fault in data nobody reads.
        return _skipped(entry, resource_type, resource)
    model_class = get_fhir_model_class(resource_type)
    try:
        model_class.model_validate(resource)
    except ValidationError as error:
        return InvalidEntry(
            entry.index, f"invalid {resource_type}: {_summarize(error, resource_type)}"
        )
    try:
        serialized = orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return InvalidEntry(entry.index, f"the {resource_type} holds text that is not Unicode")
    # PostgreSQL cannot store U+0000 in text and SQLite can: refuse it here, alike on both.
    # (orjson writes it as an escape; a match may also be a backslash followed by "u0000".)
    if b"\\u0000" in serialized or "\x00" in entry.full_url:
        where = _nul_path(resource, resource_type) or (
            "Bundle.entry.fullUrl" if "\x00" in entry.full_url else ""
        )
        if where:
            return InvalidEntry(
                entry.index, f"{where} holds a NUL character (U+0000), which cannot be stored"
            )
    fhir_id = resource.get("id") or _id_from_full_url(entry.full_url)
    identifiers = identifier_list(resource)
    if not stored:
        medication = coded_fields(resource.get("code")) if resource_type == "Medication" else None
        return SkippedEntry(
            entry.index, resource_type, entry.full_url, fhir_id or "", identifiers, medication
        )
    if not fhir_id:
        return InvalidEntry(
            entry.index, f"the {resource_type} has no id and its fullUrl does not give one"
        )
    try:
        row = mapper({**resource, "id": fhir_id})
    except MappingError as error:
        return InvalidEntry(entry.index, str(error))
    except (ValueError, TypeError) as error:
        # Not the exception's text: it may quote the value (a date, a number) from the file.
        return InvalidEntry(
            entry.index,
            f"the {resource_type} cannot be read: a value is out of range or not in the "
            f"expected form ({type(error).__name__})",
        )
    row.content_hash = hashlib.sha256(serialized).hexdigest()
    conditional_create = entry.if_none_exist if entry.method.upper() == "POST" else ""
    return MappedEntry(entry.index, entry.full_url, row, identifiers, conditional_create)


def _skipped(entry: RawEntry, resource_type: str, resource: dict[str, Any]) -> EntryOutcome:
    """A resource of a type Lantern does not keep: its id and identifiers, read defensively."""
    fhir_id = resource.get("id") or _id_from_full_url(entry.full_url)
    if not isinstance(fhir_id, str):
        return InvalidEntry(entry.index, f"invalid {resource_type}: its id is not text")
    try:
        identifiers = identifier_list(resource)
    except (AttributeError, TypeError):
        return InvalidEntry(entry.index, f"invalid {resource_type}: its identifier is malformed")
    if not all(isinstance(i["system"], str) and isinstance(i["value"], str) for i in identifiers):
        return InvalidEntry(entry.index, f"invalid {resource_type}: its identifier is malformed")
    return SkippedEntry(entry.index, resource_type, entry.full_url, fhir_id, identifiers)


def _nul_path(value: object, path: str) -> str:
    """The path of the first element (or key) whose text holds U+0000, or ""."""
    if isinstance(value, str):
        return path if "\x00" in value else ""
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return f"{path} (a key)"
            found = _nul_path(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found = _nul_path(item, f"{path}[{position}]")
            if found:
                return found
    return ""


def _id_from_full_url(full_url: str) -> str:
    if full_url.startswith("urn:uuid:"):
        candidate = full_url.removeprefix("urn:uuid:")
        return candidate if ID_PATTERN.match(candidate) else ""
    match = ID_IN_URL.search(full_url)
    return match.group(2) if match else ""


def _summarize(error: ValidationError, resource_type: str) -> str:
    """The first problems, by element path and pydantic's message (which quotes no value).

    An element R4 does not define is named only when it is the resource's own element in FHIR
    STU3 ("Observation.context", as older Synthea and many STU3 servers write it): then it is a
    word of FHIR, and the reason says the file looks like STU3. Any other is not named: its name
    is the file's text, not a FHIR one.
    """
    problems = []
    for detail in error.errors(include_input=False, include_url=False)[:3]:
        path = [str(part) for part in detail["loc"]]
        message = detail["msg"]
        if detail["type"] == "extra_forbidden" and path:
            if len(path) == 1 and path[0] in _stu3_elements(resource_type):
                message = "an element of FHIR STU3, not R4 (is the file FHIR STU3?)"
            else:
                path[-1] = "(an element FHIR does not define)"
        location = ".".join(path) or "resource"
        problems.append(f"{location}: {message}")
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


@cache
def _stu3_elements(resource_type: str) -> frozenset[str]:
    """The names of a resource type's own elements in FHIR STU3 (none if STU3 has no such type)."""
    try:
        model = get_stu3_model_class(resource_type)
    except (KeyError, ValueError, LookupError):
        return frozenset()
    return frozenset(field.alias or name for name, field in model.model_fields.items())
