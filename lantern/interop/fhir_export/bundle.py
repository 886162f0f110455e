"""Build a patient's record (or one result) as a FHIR R4 `collection` Bundle.

Each kind of record is read with one query, streamed in chunks, so the number of queries does
not grow with the size of the record. Every resource is validated with fhir.resources (R4B, as the
importer does) before the bundle is returned.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from lantern.access.policy import PatientAccess, records_for
from lantern.clinical import models as clinical
from lantern.results.release import released_observations, released_reports

from . import mapping
from .datatypes import url_of

CHUNK_SIZE = 2000
Resource = dict[str, Any]

# The patient's records, in the order their entries appear (after the patient and directory).
RECORD_EXPORTERS: list[tuple[type[clinical.PatientRecord], Callable[[Any], Resource]]] = [
    (clinical.Encounter, mapping.export_encounter),
    (clinical.Condition, mapping.export_condition),
    (clinical.AllergyIntolerance, mapping.export_allergy),
    (clinical.Immunization, mapping.export_immunization),
    (clinical.MedicationRequest, mapping.export_medication_request),
    (clinical.Procedure, mapping.export_procedure),
    (clinical.DocumentReference, mapping.export_document_reference),
    (clinical.Observation, mapping.export_observation),
]
# Foreign keys to the directory (who and where), by model.
DIRECTORY_KEYS = {
    clinical.Encounter: {
        "practitioner_id": "practitioner",
        "service_provider_id": "organization",
        "location_id": "location",
    },
    clinical.MedicationRequest: {"prescriber_id": "practitioner"},
    clinical.Procedure: {"location_id": "location"},
    clinical.DocumentReference: {"author_id": "practitioner"},
    clinical.Observation: {"performer_id": "practitioner"},
    clinical.DiagnosticReport: {"performer_id": "practitioner"},
}


class ExportError(ValueError):
    """A record could not be written as valid FHIR (the message names the record)."""


@dataclass
class _Collected:
    entries: list[Resource] = field(default_factory=list)
    directory: dict[str, set[uuid.UUID]] = field(default_factory=lambda: defaultdict(set))

    def add(self, pk: uuid.UUID, resource: Resource) -> None:
        self.entries.append({"fullUrl": url_of(pk), "resource": resource})

    def need(self, kind: str, pk: uuid.UUID | None) -> None:
        if pk is not None:
            self.directory[kind].add(pk)


def record_bundle(access: PatientAccess) -> Resource:
    """The patient's whole record as a FHIR R4 collection Bundle (a dict, ready for JSON)."""
    querysets = {model: records_for(access, model) for model, _exporter in RECORD_EXPORTERS}
    # Results still held back from the patient (lantern.results.release) stay out of their copy.
    querysets[clinical.Observation] = released_observations(access, querysets[clinical.Observation])
    reports = released_reports(access, records_for(access, clinical.DiagnosticReport))
    return _bundle(access, querysets, reports)


def result_bundle(access: PatientAccess, report: clinical.DiagnosticReport) -> Resource:
    """One report with its observations, the visit it belongs to and the patient."""
    reports = records_for(access, clinical.DiagnosticReport).filter(pk=report.pk)
    observations = records_for(access, clinical.Observation).filter(reports=report)
    encounters = records_for(access, clinical.Encounter).filter(
        Q(pk=report.encounter_id) | Q(pk__in=observations.values("encounter_id"))
    )
    querysets = {clinical.Encounter: encounters, clinical.Observation: observations}
    return _bundle(access, querysets, reports)


def observation_bundle(access: PatientAccess, observation: clinical.Observation) -> Resource:
    """One lab value of no report with the visit it belongs to (if any) and the patient.

    Like `result_bundle`, it trusts the caller to have read `observation` through the selectors
    that honour the access policy and the hold-back of results.
    """
    observations = records_for(access, clinical.Observation).filter(pk=observation.pk)
    encounters = records_for(access, clinical.Encounter).filter(pk=observation.encounter_id)
    querysets = {clinical.Encounter: encounters, clinical.Observation: observations}
    return _bundle(access, querysets, clinical.DiagnosticReport.objects.none())


def _bundle(
    access: PatientAccess,
    querysets: dict[type[clinical.PatientRecord], QuerySet],
    reports: QuerySet,
) -> Resource:
    collected = _Collected()
    patient = access.patient
    collected.need("organization", patient.managing_organization_id)
    records = _Collected()
    for model, exporter in RECORD_EXPORTERS:
        if model in querysets:
            _collect(querysets[model], exporter, records)
    _collect_reports(reports, records)
    _collect_directory(collected, records.directory)
    collected.add(patient.pk, mapping.export_patient(patient))
    entries = collected.entries + records.entries
    _unlink_reasons_outside(entries)
    for entry in entries:
        _validate(entry["resource"])
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }


def _unlink_reasons_outside(entries: list[Resource]) -> None:
    """A reason naming a record the bundle leaves out (a result held back, a record of another
    source) keeps its name as display only, so every reference in the bundle resolves."""
    urls = {entry["fullUrl"] for entry in entries}
    for entry in entries:
        resource = entry["resource"]
        if "reasonReference" not in resource:
            continue
        kept = [
            reason if reason.get("reference") in urls else {"display": reason["display"]}
            for reason in resource["reasonReference"]
            if reason.get("reference") in urls or reason.get("display")
        ]
        if kept:
            resource["reasonReference"] = kept
        else:
            del resource["reasonReference"]


def _collect(queryset: QuerySet, exporter: Callable[[Any], Resource], into: _Collected) -> None:
    keys = DIRECTORY_KEYS.get(queryset.model, {})
    for record in queryset.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        for attribute, kind in keys.items():
            into.need(kind, getattr(record, attribute))
        into.add(record.pk, exporter(record))


def _collect_reports(reports: QuerySet, into: _Collected) -> None:
    results: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    links = clinical.DiagnosticReportResult.objects.filter(report__in=reports).order_by(
        "report_id", "position"
    )
    for report_id, observation_id in links.values_list("report_id", "observation_id").iterator(
        chunk_size=CHUNK_SIZE
    ):
        results[report_id].append(observation_id)
    for report in reports.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        into.need("practitioner", report.performer_id)
        into.add(report.pk, mapping.export_diagnostic_report(report, results[report.pk]))


def _collect_directory(into: _Collected, needed: dict[str, set[uuid.UUID]]) -> None:
    """Add the organizations, locations and practitioners the records point to (3 queries)."""
    organizations = set(into.directory["organization"]) | needed["organization"]
    locations = list(_in_batches(clinical.Location, needed["location"]))
    organizations |= {loc.organization_id for loc in locations if loc.organization_id}
    for organization in _in_batches(clinical.Organization, organizations):
        into.add(organization.pk, mapping.export_organization(organization))
    for location in locations:
        into.add(location.pk, mapping.export_location(location))
    for practitioner in _in_batches(clinical.Practitioner, needed["practitioner"]):
        into.add(practitioner.pk, mapping.export_practitioner(practitioner))


def _in_batches(model: type, pks: Iterable[uuid.UUID]) -> list[Any]:
    # The directory a patient's record points to is small (a few clinics and clinicians), so one
    # `IN` query per kind stays well within every database's parameter limit.
    return list(model.objects.filter(pk__in=sorted(pks)).order_by("pk"))


def _validate(resource: Resource) -> None:
    resource_type = resource["resourceType"]
    try:
        get_fhir_model_class(resource_type).model_validate(resource)
    except ValidationError as error:
        raise ExportError(
            f"{resource_type}/{resource.get('id')} is not valid FHIR R4: {error}"
        ) from error
