"""Resolve the references inside a bundle to the primary keys of Lantern's records.

A reference may name another entry (`urn:uuid:...`, the entry's fullUrl, or `Type/id`), a record
imported earlier from the same source (`Type/id`), or a resource by its identifier
(`Type?identifier=system|value`, a conditional reference: today's Synthea names hospitals,
places and practitioners this way). A conditional reference is looked for first among the
bundle's resources, then among the records imported before from the same source (for the types
that keep their identifiers: organizations, locations, practitioners and patients).

A reference that resolves to nothing, or a conditional one that matches more than one resource,
fails the bundle; one that points to a kind of resource the field cannot hold (a requester that
is an Organization, say) is left empty.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from django.db.models import Q

from lantern.clinical import models as clinical

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
# Stored types whose records keep their identifiers, so later bundles can name them by one.
IDENTIFIED_TYPES = {
    name
    for name, model in STORED_TYPES.items()
    if any(field.name == "identifiers" for field in model._meta.concrete_fields)
}
# Identifier values are matched exactly in Python; the database only narrows the candidates
# with the value's longest run of these characters (found the same way in JSON on any engine).
PLAIN_RUN = re.compile(r"[A-Za-z0-9.\-]+")
UNESCAPED_COMMA = re.compile(r"(?<!\\),")


@dataclass(frozen=True)
class IdentifierToken:
    """One `[system|]value` of an identifier search; `system` None matches any system."""

    system: str | None
    value: str

    def matches(self, identifier: dict[str, str]) -> bool:
        return identifier.get("value") == self.value and (
            self.system is None or identifier.get("system", "") == self.system
        )


@dataclass(frozen=True)
class ConditionalReference:
    """`Type?identifier=a,b&identifier=c`: every parameter must match (a or b, and c)."""

    text: str
    resource_type: str
    parameters: tuple[tuple[IdentifierToken, ...], ...]

    def matches(self, identifiers: Iterable[dict[str, str]]) -> bool:
        identifiers = list(identifiers)
        return all(
            any(token.matches(identifier) for token in alternatives for identifier in identifiers)
            for alternatives in self.parameters
        )

    def shown(self) -> str:
        """The reference as an error message may name it: a patient's identifier values (an
        MRN, a social security number) are left out."""
        if self.resource_type != "Patient":
            return self.text
        systems = sorted(
            {token.system or "" for alternatives in self.parameters for token in alternatives}
        )
        return f"Patient?identifier={','.join(f'{system}|…' for system in systems)}"


def parse_conditional(reference: str, entry_index: int | None) -> ConditionalReference:
    base, _, query = reference.partition("?")
    resource_type = base.rstrip("/").rpartition("/")[2]
    parameters = []
    for parameter in query.split("&"):
        name, equals, raw = parameter.partition("=")
        if name != "identifier" or not equals or not raw:
            raise BundleError(
                f"reference '{resource_type}?…' searches by something other than an identifier, "
                "which the importer cannot resolve",
                entry_index,
            )
        tokens = []
        for alternative in UNESCAPED_COMMA.split(raw):
            token = unquote(alternative).replace("\\,", ",")
            system, bar, value = token.partition("|")
            if not bar:
                system, value = None, token
            if not value:
                raise BundleError(f"reference '{reference}' has an empty identifier", entry_index)
            tokens.append(IdentifierToken(system, value))
        parameters.append(tuple(tokens))
    return ConditionalReference(reference, resource_type, tuple(parameters))


def is_conditional(reference: str) -> bool:
    return "?" in reference and not reference.startswith(("urn:", "#"))


class ReferenceResolver:
    def __init__(self, source_system: str, outcomes: list[EntryOutcome]) -> None:
        self.source_system = source_system
        self.by_url: dict[str, tuple[str, str]] = {}
        self.in_bundle: set[tuple[str, str]] = set()
        # The identifiers of the bundle's resources, by type: [(fhir id, identifiers)].
        self.identified: dict[str, list[tuple[str, list[dict[str, str]]]]] = defaultdict(list)
        # Medication id -> its code fields, for the requests that name it.
        self.medications: dict[str, dict[str, str]] = {}
        # The name (display) of each record of the bundle that has one, by (type, fhir id): what
        # a reason given by reference is called.
        self.names: dict[tuple[str, str], str] = {}
        # Conditional references matched by no resource of the bundle -> the fhir ids of the
        # records imported earlier that match them (filled by `load_earlier_matches`).
        self.earlier_matches: dict[str, list[str]] = {}
        # Records outside the bundle that references need: type -> {id: first entry asking}.
        self.outside: dict[str, dict[str, int]] = defaultdict(dict)
        for outcome in outcomes:
            self._learn(outcome)

    def resolve(self, reference: str, expected_type: str, entry_index: int) -> uuid.UUID | None:
        if not reference or reference.startswith("#"):
            return None
        if is_conditional(reference) and reference not in self.by_url:
            conditional = parse_conditional(reference, entry_index)
            if conditional.resource_type != expected_type:
                return None
            fhir_id = self._conditional_target(conditional, entry_index)
            return clinical.record_uuid(self.source_system, expected_type, fhir_id)
        resource_type, fhir_id = self._target(reference, entry_index)
        if resource_type != expected_type:
            return None
        if (resource_type, fhir_id) not in self.in_bundle:
            self.outside[resource_type].setdefault(fhir_id, entry_index)
        return clinical.record_uuid(self.source_system, resource_type, fhir_id)

    def target(self, reference: str, entry_index: int) -> tuple[str, str] | None:
        """(resource type, fhir id) of the record a reference names, whatever its type, or None
        when Lantern does not keep records of that type (or the reference is to a contained
        resource). Like `resolve`, a reference to nothing fails the bundle."""
        if not reference or reference.startswith("#"):
            return None
        if is_conditional(reference) and reference not in self.by_url:
            conditional = parse_conditional(reference, entry_index)
            if conditional.resource_type not in STORED_TYPES:
                return None
            fhir_id = self._conditional_target(conditional, entry_index)
            return conditional.resource_type, fhir_id
        resource_type, fhir_id = self._target(reference, entry_index)
        if resource_type not in STORED_TYPES:
            return None
        if (resource_type, fhir_id) not in self.in_bundle:
            self.outside[resource_type].setdefault(fhir_id, entry_index)
        return resource_type, fhir_id

    def medication(self, reference: str, entry_index: int) -> dict[str, str] | None:
        """The code fields of the Medication a request names, when the bundle holds it.

        Medications are not kept as records of their own, so one named by `Medication/id` that
        is not in the bundle leaves the request named by the reference's display; a fullUrl or a
        conditional reference that matches no entry fails the bundle like any other.
        """
        if not reference or reference.startswith("#"):
            return None
        if is_conditional(reference) and reference not in self.by_url:
            conditional = parse_conditional(reference, entry_index)
            if conditional.resource_type != "Medication":
                return None
            return self.medications.get(self._conditional_target(conditional, entry_index))
        if reference in self.by_url:
            resource_type, fhir_id = self.by_url[reference]
            return self.medications.get(fhir_id) if resource_type == "Medication" else None
        if reference.startswith("urn:"):
            raise BundleError(f"reference to {reference}, which is not in the bundle", entry_index)
        return None

    def answer_conditional_creates(self, outcomes: list[EntryOutcome]) -> set[int]:
        """The conditional creates (POST with `ifNoneExist`, as Synthea writes hospitals and
        practitioners) that a record imported before from the same source answers.

        As a FHIR server would, the entry is then not stored and every reference to it (its
        fullUrl, its `Type/id`, its identifiers) resolves to that record. Returns the entries'
        indexes. A search that matches several records fails the bundle; one the importer
        cannot run (not by identifier) leaves the entry to be stored as it is.
        """
        wanted: dict[str, list[tuple[MappedEntry, ConditionalReference]]] = defaultdict(list)
        for outcome in outcomes:
            if not isinstance(outcome, MappedEntry) or not outcome.if_none_exist:
                continue
            resource_type = outcome.row.resource_type
            if resource_type not in IDENTIFIED_TYPES:
                continue
            try:
                search = parse_conditional(f"{resource_type}?{outcome.if_none_exist}", None)
            except BundleError:
                continue
            wanted[resource_type].append((outcome, search))
        answered: set[int] = set()
        for resource_type, creates in wanted.items():
            candidates = self._stored_candidates(resource_type, [search for _, search in creates])
            for outcome, search in creates:
                matches = sorted(
                    fhir_id for fhir_id, identifiers in candidates if search.matches(identifiers)
                )
                if len(matches) > 1:
                    raise BundleError(
                        f"the {resource_type} is to be created only if no record matches "
                        f"'{search.shown()}', and {len(matches)} records imported before from "
                        f"source '{self.source_system}' match it",
                        outcome.index,
                    )
                # The entry's own record (a re-import) is updated as usual.
                if matches and matches[0] != outcome.row.fhir_id:
                    self._stand_in(outcome, matches[0])
                    answered.add(outcome.index)
        return answered

    def load_earlier_matches(self, references: Iterable[str]) -> None:
        """Find, in one query per resource type, the records imported before that match the
        conditional references no resource of the bundle matches."""
        wanted: dict[str, list[ConditionalReference]] = defaultdict(list)
        for reference in set(references):
            if not is_conditional(reference) or reference in self.by_url:
                continue
            try:
                conditional = parse_conditional(reference, entry_index=None)
            except BundleError:
                continue  # Reported, with its entry, when the reference is resolved.
            if conditional.resource_type in IDENTIFIED_TYPES and not self._bundle_matches(
                conditional
            ):
                wanted[conditional.resource_type].append(conditional)
        for resource_type, conditionals in wanted.items():
            candidates = self._stored_candidates(resource_type, conditionals)
            for conditional in conditionals:
                self.earlier_matches[conditional.text] = sorted(
                    fhir_id
                    for fhir_id, identifiers in candidates
                    if conditional.matches(identifiers)
                )

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
        elif isinstance(outcome, SkippedEntry) and outcome.fhir_id:
            key = (outcome.resource_type, outcome.fhir_id)
            if outcome.medication is not None:
                self.medications[outcome.fhir_id] = outcome.medication
        else:
            return
        self.in_bundle.add(key)
        if isinstance(outcome, MappedEntry) and outcome.row.fields.get("display"):
            self.names[key] = outcome.row.fields["display"]
        if outcome.identifiers:
            self.identified[key[0]].append((key[1], outcome.identifiers))
        if outcome.full_url:
            self.by_url[outcome.full_url] = key
        self.by_url[f"{key[0]}/{key[1]}"] = key

    def _stand_in(self, outcome: MappedEntry, existing_id: str) -> None:
        """Let the record `existing_id` stand for the entry in every reference to it."""
        resource_type, entry_id = outcome.row.resource_type, outcome.row.fhir_id
        entry_key, existing_key = (resource_type, entry_id), (resource_type, existing_id)
        self.in_bundle.discard(entry_key)
        self.in_bundle.add(existing_key)
        for url, key in self.by_url.items():
            if key == entry_key:
                self.by_url[url] = existing_key
        self.identified[resource_type] = [
            (existing_id if fhir_id == entry_id else fhir_id, identifiers)
            for fhir_id, identifiers in self.identified[resource_type]
        ]

    def _target(self, reference: str, entry_index: int) -> tuple[str, str]:
        if reference in self.by_url:
            return self.by_url[reference]
        if reference.startswith("urn:"):
            raise BundleError(f"reference to {reference}, which is not in the bundle", entry_index)
        match = ID_IN_URL.search(reference)
        if match is None:
            raise BundleError(f"reference '{reference}' cannot be read", entry_index)
        return match.group(1), match.group(2)

    def _bundle_matches(self, conditional: ConditionalReference) -> list[str]:
        return sorted(
            {
                fhir_id
                for fhir_id, identifiers in self.identified.get(conditional.resource_type, [])
                if conditional.matches(identifiers)
            }
        )

    def _conditional_target(self, conditional: ConditionalReference, entry_index: int) -> str:
        shown = conditional.shown()
        in_bundle = self._bundle_matches(conditional)
        if len(in_bundle) == 1:
            return in_bundle[0]
        if len(in_bundle) > 1:
            raise BundleError(
                f"reference '{shown}' matches {len(in_bundle)} resources in the bundle "
                f"({', '.join(f'{conditional.resource_type}/{i}' for i in in_bundle)}); "
                "it must match one",
                entry_index,
            )
        if conditional.resource_type not in IDENTIFIED_TYPES:
            raise BundleError(
                f"reference '{shown}' matches no resource in the bundle "
                f"(a {conditional.resource_type} is found by identifier only in its own bundle)",
                entry_index,
            )
        if conditional.text not in self.earlier_matches:
            self.load_earlier_matches([conditional.text])
        earlier = self.earlier_matches[conditional.text]
        if len(earlier) == 1:
            return earlier[0]
        if earlier:
            raise BundleError(
                f"reference '{shown}' matches no resource in the bundle and {len(earlier)} "
                f"records imported before from source '{self.source_system}' "
                f"({', '.join(f'{conditional.resource_type}/{i}' for i in earlier)}); "
                "it must match one",
                entry_index,
            )
        raise BundleError(
            f"reference '{shown}' matches no resource in the bundle nor any record imported "
            f"before from source '{self.source_system}'",
            entry_index,
        )

    def _stored_candidates(
        self, resource_type: str, conditionals: list[ConditionalReference]
    ) -> list[tuple[str, list[dict[str, str]]]]:
        """(fhir id, identifiers) of this source's records that may match (a superset: a record
        that matches holds at least one of the values searched for)."""
        values = [
            token.value
            for conditional in conditionals
            for alternatives in conditional.parameters
            for token in alternatives
        ]
        runs = {max(PLAIN_RUN.findall(value), key=len, default="") for value in values}
        narrowing = Q()
        # A value without a plain character narrows nothing: then every record is read.
        if all(runs):
            for run in sorted(runs):
                narrowing |= Q(identifiers__icontains=run)
        records = STORED_TYPES[resource_type].objects.filter(source_system=self.source_system)
        if narrowing:
            records = records.filter(narrowing)
        return [
            (fhir_id, identifiers if isinstance(identifiers, list) else [])
            for fhir_id, identifiers in records.values_list("fhir_id", "identifiers")
        ]
