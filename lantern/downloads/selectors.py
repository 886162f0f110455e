"""Reads for the downloads: the parts of the record a readable copy shows, bounded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Subquery

from lantern.access.policy import PatientAccess, object_get, records_for
from lantern.clinical import models as clinical
from lantern.results.release import released_observations, released_reports

# A readable copy shows at most this many rows of each section, newest first, and says so.
SECTION_LIMIT = 500


@dataclass(frozen=True)
class Section:
    rows: list[Any]
    # True when there were more rows than the copy shows.
    truncated: bool


@dataclass(frozen=True)
class RecordSummary:
    patient: clinical.Patient
    organization: clinical.Organization | None
    problems: Section
    medications: Section
    allergies: Section
    immunizations: Section
    results: Section
    visits: Section
    documents: Section


def _section(queryset) -> Section:
    rows = list(queryset[: SECTION_LIMIT + 1])
    return Section(rows=rows[:SECTION_LIMIT], truncated=len(rows) > SECTION_LIMIT)


def record_summary(*, access: PatientAccess) -> RecordSummary:
    """What the readable copy of the whole record shows (one query a section)."""
    patient = access.patient
    organization = (
        clinical.Organization.objects.filter(pk=patient.managing_organization_id).first()
        if patient.managing_organization_id
        else None
    )
    return RecordSummary(
        patient=patient,
        organization=organization,
        problems=_section(
            records_for(access, clinical.Condition).order_by("-onset_at", "display", "pk")
        ),
        medications=_section(
            records_for(access, clinical.MedicationRequest)
            .select_related("prescriber")
            .order_by("-authored_at", "pk")
        ),
        allergies=_section(
            records_for(access, clinical.AllergyIntolerance).order_by("-recorded_at", "pk")
        ),
        immunizations=_section(
            records_for(access, clinical.Immunization).order_by("-occurred_at", "pk")
        ),
        results=_section(_results_with_their_report(access)),
        visits=_section(
            records_for(access, clinical.Encounter)
            .select_related("practitioner", "location", "service_provider")
            .order_by("-period_start", "pk")
        ),
        documents=_section(
            records_for(access, clinical.DocumentReference)
            .select_related("author")
            .order_by(F("date").desc(nulls_last=True), "pk")
        ),
    )


def _results_with_their_report(access: PatientAccess):
    """Released values, newest first, each with the name and code of the report that lists it
    (empty for a value of no report), so the copy can group them by date and report."""
    listing = clinical.DiagnosticReportResult.objects.filter(observation=OuterRef("pk")).order_by(
        "report_id"
    )
    return (
        released_observations(access, records_for(access, clinical.Observation))
        .annotate(
            report_name=Subquery(listing.values("report__display")[:1]),
            report_code=Subquery(listing.values("report__code")[:1]),
        )
        .order_by("-effective_at", "report_name", "display", "pk")
    )


def procedures_section(*, access: PatientAccess) -> Section:
    """The patient's procedures for the readable copy: newest first, with their place and their
    visit's place loaded (one query, bounded like every section)."""
    return _section(
        records_for(access, clinical.Procedure)
        .select_related("location", "encounter__location", "encounter__service_provider")
        .order_by("-performed_start", "display", "pk")
    )


def report_for_download(
    *, access: PatientAccess, report_id: uuid.UUID
) -> clinical.DiagnosticReport:
    """One of the patient's reports, audited as exported; another patient's is "not found"."""
    return object_get(
        access,
        released_reports(access, records_for(access, clinical.DiagnosticReport)).select_related(
            "performer"
        ),
        report_id,
    )


def observation_for_download(
    *, access: PatientAccess, observation_id: uuid.UUID
) -> clinical.Observation:
    """One of the patient's released values, audited as exported; another patient's (or one
    held) is "not found"."""
    return object_get(
        access,
        released_observations(access, records_for(access, clinical.Observation)).select_related(
            "performer", "encounter__practitioner"
        ),
        observation_id,
    )


def observation_ordered_by(observation: clinical.Observation) -> str:
    """Who ordered the value: the visit's clinician, else whoever performed it ("" if none)."""
    encounter = observation.encounter
    practitioner = (encounter.practitioner if encounter else None) or observation.performer
    return practitioner.display_name if practitioner else ""


def report_observations(
    *, access: PatientAccess, report: clinical.DiagnosticReport
) -> list[clinical.Observation]:
    """The report's values in the order the report lists them (bounded)."""
    links = (
        clinical.DiagnosticReportResult.objects.filter(
            report=report, observation__patient=access.patient
        )
        .select_related("observation")
        .order_by("position")[:SECTION_LIMIT]
    )
    return [link.observation for link in links]


def record_has_health_information(*, access: PatientAccess) -> bool:
    """Whether the record holds anything beyond the patient's details (one query)."""
    anything = [
        Exists(records_for(access, clinical.Encounter)),
        Exists(released_observations(access, records_for(access, clinical.Observation))),
        Exists(records_for(access, clinical.Condition)),
        Exists(records_for(access, clinical.MedicationRequest)),
    ]
    return (
        clinical.Patient.objects.filter(pk=access.patient.pk)
        .filter(anything[0] | anything[1] | anything[2] | anything[3])
        .exists()
    )
