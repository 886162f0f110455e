"""Resolve the references inside a bundle to the primary keys of Lantern's records.

A reference may name another entry (`urn:uuid:...`, the entry's fullUrl, or `Type/id`), a record
imported earlier from the same source (`Type/id`), or, for practitioners, an identifier
(`Practitioner?identifier=<NPI system>|<NPI>`). A reference that resolves to nothing fails the
bundle; one that points to a kind of resource the field cannot hold (a requester that is an
Organization, say) is left empty.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from urllib.parse import parse_qs

from lantern.clinical import models as clinical

from .mapping import NPI_SYSTEM
from .reader import BundleError
from .worker import ID_IN_URL, EntryOutcome, MappedEntry, SkippedEntry

STORED_TYPES: dict[str, type[clinical.SourcedRecord]] = {
    model.RESOURCE_TYPE: model
    for model in (
        clinical.Organization,
        clinical.Location,
        clinical.Practitioner,
        clinical.Patient,
        clinical.Encounter,
        clinical.Condition,
        clinical.AllergyIntolerance,
        clinical.Immunization,
        clinical.MedicationRequest,
        clinical.Procedure,
        clinical.DocumentReference,
        clinical.Observation,
        clinical.DiagnosticReport,
    )
}


class ReferenceResolver:
    def __init__(self, source_system: str, outcomes: list[EntryOutcome]) -> None:
        self.source_system = source_system
        self.by_url: dict[str, tuple[str, str]] = {}
        self.in_bundle: set[tuple[str, str]] = set()
        self.by_identifier: dict[tuple[str, str, str], str] = {}
        # Records outside the bundle that references need: type -> {id: first entry asking}.
        self.outside: dict[str, dict[str, int]] = defaultdict(dict)
        for outcome in outcomes:
            self._learn(outcome)

    def resolve(self, reference: str, expected_type: str, entry_index: int) -> uuid.UUID | None:
        if not reference or reference.startswith("#"):
            return None
        resource_type, fhir_id = self._target(reference, entry_index)
        if resource_type != expected_type:
            return None
        if (resource_type, fhir_id) not in self.in_bundle:
            self.outside[resource_type].setdefault(fhir_id, entry_index)
        return clinical.record_uuid(self.source_system, resource_type, fhir_id)

    def check_outside_references(self) -> None:
        """Every record referenced outside the bundle exists (one query per resource type)."""
        for resource_type, wanted in self.outside.items():
            model = STORED_TYPES[resource_type]
            found = set(
                model.objects.filter(
                    source_system=self.source_system, fhir_id__in=list(wanted)
                ).values_list("fhir_id", flat=True)
            )
            for fhir_id, entry_index in wanted.items():
                if fhir_id not in found:
                    raise BundleError(
                        f"reference to {resource_type}/{fhir_id}, which is neither in the bundle "
                        f"nor imported from source '{self.source_system}'",
                        entry_index=entry_index,
                    )

    def _learn(self, outcome: EntryOutcome) -> None:
        if isinstance(outcome, MappedEntry):
            key = (outcome.row.resource_type, outcome.row.fhir_id)
            for identifier in outcome.row.identifiers:
                self.by_identifier[(key[0], identifier["system"], identifier["value"])] = key[1]
        elif isinstance(outcome, SkippedEntry) and outcome.fhir_id:
            key = (outcome.resource_type, outcome.fhir_id)
        else:
            return
        self.in_bundle.add(key)
        if outcome.full_url:
            self.by_url[outcome.full_url] = key
        self.by_url[f"{key[0]}/{key[1]}"] = key

    def _target(self, reference: str, entry_index: int) -> tuple[str, str]:
        if reference in self.by_url:
            return self.by_url[reference]
        if reference.startswith("urn:"):
            raise BundleError(f"reference to {reference}, which is not in the bundle", entry_index)
        if "?" in reference:
            return self._conditional_target(reference, entry_index)
        match = ID_IN_URL.search(reference)
        if match is None:
            raise BundleError(f"reference '{reference}' cannot be read", entry_index)
        return match.group(1), match.group(2)

    def _conditional_target(self, reference: str, entry_index: int) -> tuple[str, str]:
        resource_type, _, query = reference.partition("?")
        for token in parse_qs(query).get("identifier", []):
            system, _, value = token.rpartition("|")
            fhir_id = self.by_identifier.get((resource_type, system, value))
            if fhir_id is None and resource_type == "Practitioner" and system == NPI_SYSTEM:
                fhir_id = (
                    clinical.Practitioner.objects.filter(
                        source_system=self.source_system, npi=value
                    )
                    .values_list("fhir_id", flat=True)
                    .first()
                )
            if fhir_id is not None:
                return resource_type, fhir_id
        raise BundleError(f"reference '{reference}' matches no record", entry_index)
