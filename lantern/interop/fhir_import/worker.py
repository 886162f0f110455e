"""Validate and map bundle entries. Runs in the importer's worker processes (or in-process).

Validation is the expensive step (about 0.3 ms a resource on one core), so it is spread over the
machine's cores; everything here is pure and touches no database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from .mapping import MAPPERS, MappedRow, MappingError
from .reader import BundleError, RawEntry, read_entries

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

# Methods of transaction and batch entries that carry a resource to store.
STORING_METHODS = {"", "POST", "PUT"}
ID_IN_URL = re.compile(r"(?:^|/)([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass
class SkippedEntry:
    """A valid resource of a type Lantern does not keep, or an entry that stores nothing."""

    index: int
    resource_type: str
    full_url: str
    fhir_id: str


@dataclass
class InvalidEntry:
    index: int
    reason: str


@dataclass
class MappedEntry:
    index: int
    full_url: str
    row: MappedRow


EntryOutcome = MappedEntry | SkippedEntry | InvalidEntry


@dataclass
class ShareResult:
    outcomes: list[EntryOutcome] = field(default_factory=list)
    error: BundleError | None = None


def process_file_share(path: Path, share: int, shares: int) -> ShareResult:
    """Validate and map every `shares`-th entry of a bundle file, starting at entry `share`.

    Each worker streams the file itself (parsing is cheap next to validation), so no entry is
    copied between processes; only the compact mapped rows come back.
    """
    result = ShareResult()
    try:
        for entry in read_entries(path):
            if entry.index % shares == share:
                result.outcomes.append(process_entry(entry))
    except BundleError as error:
        result.error = error
    return result


def process_entry(entry: RawEntry) -> EntryOutcome:
    resource = entry.resource
    if not isinstance(resource, dict):
        return InvalidEntry(entry.index, "the entry has no resource")
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        return InvalidEntry(entry.index, "the resource has no resourceType")
    try:
        model_class = get_fhir_model_class(resource_type)
    except KeyError:
        return InvalidEntry(entry.index, f"'{resource_type}' is not a FHIR R4 resource type")
    try:
        model_class.model_validate(resource)
    except ValidationError as error:
        return InvalidEntry(entry.index, f"invalid {resource_type}: {_summarize(error)}")
    fhir_id = resource.get("id") or _id_from_full_url(entry.full_url)
    mapper = MAPPERS.get(resource_type)
    if mapper is None or entry.method.upper() not in STORING_METHODS:
        return SkippedEntry(entry.index, resource_type, entry.full_url, fhir_id or "")
    if not fhir_id:
        return InvalidEntry(
            entry.index, f"the {resource_type} has no id and its fullUrl does not give one"
        )
    try:
        row = mapper({**resource, "id": fhir_id})
    except MappingError as error:
        return InvalidEntry(entry.index, str(error))
    except (ValueError, TypeError) as error:
        return InvalidEntry(entry.index, f"the {resource_type} cannot be read: {error}")
    row.content_hash = hashlib.sha256(
        orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    return MappedEntry(entry.index, entry.full_url, row)


def _id_from_full_url(full_url: str) -> str:
    if full_url.startswith("urn:uuid:"):
        candidate = full_url.removeprefix("urn:uuid:")
        return candidate if ID_PATTERN.match(candidate) else ""
    match = ID_IN_URL.search(full_url)
    return match.group(2) if match else ""


def _summarize(error: ValidationError) -> str:
    problems = []
    for detail in error.errors()[:3]:
        location = ".".join(str(part) for part in detail["loc"]) or "resource"
        problems.append(f"{location}: {detail['msg']}")
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
