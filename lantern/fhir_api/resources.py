"""The resource types the REST API serves: where each is stored, how it is searched, and how
it is written, with the one FHIR mapping the downloads use (`lantern.interop.fhir_export`,
`lantern.refills.fhir`, `lantern.appointments.fhir`).

The mapping writes references as `urn:uuid:<id>` for a collection Bundle; the API serves each
resource under its Lantern id (the public UUID) with relative references (`Patient/<id>`,
`Encounter/<id>` ...), so `rest_resource` rewrites both. Practitioner, Organization and Location
are referenced but not served (yet): their references are relative all the same.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from lantern.access.policy import PatientAccess, records_for
from lantern.appointments.fhir import APPOINTMENT_STATUS, export_appointment
from lantern.appointments.models import Appointment
from lantern.clinical import models as clinical
from lantern.clinical.models.base import record_uuid
from lantern.interop.fhir_export import mapping
from lantern.interop.fhir_import.mapping import OBSERVATION_CATEGORY_SYSTEM
from lantern.refills.fhir import TASK_STATUS, export_refill_request
from lantern.refills.models import RefillRequest
from lantern.results.release import released_observations, released_reports

from .search import (
    DateParam,
    Param,
    StringParam,
    Token,
    TokenMatch,
    TokenParam,
    code_match,
    coding_match,
    fixed_system_match,
)

Resource = dict[str, Any]
URN = "urn:uuid:"
# The type of resource a reference names, by the element that holds it (the mapping's
# references to the patient are recognised by the patient's id whatever the element).
REFERENCE_TYPES = {
    "subject": "Patient",
    "patient": "Patient",
    "for": "Patient",
    "encounter": "Encounter",
    "performer": "Practitioner",
    "requester": "Practitioner",
    "author": "Practitioner",
    "individual": "Practitioner",
    "serviceProvider": "Organization",
    "managingOrganization": "Organization",
    "location": "Location",
    "result": "Observation",
    "focus": "MedicationRequest",
}
# Included with DiagnosticReport:result at most this many observations a page.
INCLUDE_LIMIT = 1000


@dataclass(frozen=True)
class ResourceType:
    """One served type: its records as the access sees them, its search, its writer."""

    name: str
    # The patient's records of this type that the access may see (results: released only).
    records: Callable[[PatientAccess], QuerySet]
    # Writes a page of records as REST resources (one query at most, whatever its size).
    export: Callable[[list[Any], PatientAccess], list[Resource]]
    # The instant searches sort and page by (`_sort=date`); None: by id only.
    date_field: str | None
    params: dict[str, Param] = field(default_factory=dict)
    # How a category (system, code) is matched, for category-limited scopes; None: no category.
    category: TokenMatch | None = None
    includes: frozenset[str] = frozenset()
    # The model of its records when `records` also takes an access template
    # (`policy.access_template`): a page of its searches is then a statement built once per
    # process (`selectors.resources_search`). None: the ORM builds each search.
    model: type[Model] | None = None
    # Whether its records depend on the result release delays (`results/release.py`).
    released: bool = False

    def category_condition(self, categories: frozenset[tuple[str, str]] | None) -> Q | None:
        """The condition a category-limited scope puts on searches and reads; None: none."""
        if categories is None:
            return None
        condition = Q(pk__in=[])
        if self.category is not None:
            for system, code in sorted(categories):
                condition |= self.category(Token(system, code))
        return condition


def rest_resource(
    resource: Resource, pk: Any, patient_pk: Any, known: dict[str, str] | None = None
) -> Resource:
    """A mapped resource as the API serves it: its id is the record's Lantern id and every
    `urn:uuid:` reference names `<Type>/<id>`. `known` gives the type of targets the element
    name does not tell (reasons)."""
    resource["id"] = str(pk)
    _relative_references(resource, None, str(patient_pk), known or {})
    return resource


def _relative_references(node: Any, key: str | None, patient: str, known: dict[str, str]) -> None:
    if isinstance(node, list):
        for item in node:
            _relative_references(item, key, patient, known)
        return
    if not isinstance(node, dict):
        return
    reference = node.get("reference")
    if isinstance(reference, str) and reference.startswith(URN):
        target = reference.removeprefix(URN)
        kind = "Patient" if target == patient else known.get(target) or REFERENCE_TYPES.get(key)
        if kind:
            node["reference"] = f"{kind}/{target}"
        else:
            del node["reference"]
    for name, value in node.items():
        if isinstance(value, dict | list):
            _relative_references(value, name, patient, known)


def _reason_types(record: Any) -> dict[str, str]:
    return {
        str(record_uuid(record.source_system, reason["resource_type"], reason["fhir_id"])): reason[
            "resource_type"
        ]
        for reason in record.reasons or []
        if reason.get("fhir_id") and reason.get("resource_type")
    }


def _one_by_one(exporter: Callable[[Any], Resource], *, reasons: bool = False):
    def export(records: list[Any], access: PatientAccess) -> list[Resource]:
        patient = access.patient.pk
        return [
            rest_resource(
                exporter(record), record.pk, patient, _reason_types(record) if reasons else None
            )
            for record in records
        ]

    return export


def _export_reports(reports: list[clinical.DiagnosticReport], access: PatientAccess):
    results: dict[Any, list[Any]] = defaultdict(list)
    if reports:
        links = clinical.DiagnosticReportResult.objects.filter(
            report_id__in=[report.pk for report in reports]
        ).order_by("report_id", "position")
        for report_id, observation_id in links.values_list("report_id", "observation_id"):
            results[report_id].append(observation_id)
    return [
        rest_resource(
            mapping.export_diagnostic_report(report, results[report.pk]),
            report.pk,
            access.patient.pk,
        )
        for report in reports
    ]


def _records(model: type[clinical.PatientRecord]) -> Callable[[PatientAccess], QuerySet]:
    return lambda access: records_for(access, model)


def _observations(access: PatientAccess) -> QuerySet:
    return released_observations(access, records_for(access, clinical.Observation))


def _reports(access: PatientAccess) -> QuerySet:
    return released_reports(access, records_for(access, clinical.DiagnosticReport))


def _patient(access: PatientAccess) -> QuerySet:
    return clinical.Patient.objects.filter(pk=access.patient.pk)


def _appointments(access: PatientAccess) -> QuerySet:
    return Appointment.objects.filter(patient=access.patient).select_related(
        "visit_type", "location", "clinician"
    )


def _refills(access: PatientAccess) -> QuerySet:
    return RefillRequest.objects.filter(patient=access.patient)


def _id(token: Token) -> Q:
    try:
        return Q(pk=uuid.UUID(token.code))
    except ValueError:
        return Q(pk__in=[])


_ID = TokenParam(_id)


def _code(system_field: str = "code_system", code_field: str = "code") -> TokenParam:
    return TokenParam(coding_match(system_field, code_field))


def _status() -> TokenParam:
    return TokenParam(code_match("status"))


def _report_category(token: Token) -> Q:
    """A report's category as the export writes it: the source's coding, and HL7 v2's section
    (LAB, RAD) for the kind of report when the source's coding does not say it."""
    condition = coding_match("category_system", "category_code")(token)
    if token.system in (None, mapping.DIAGNOSTIC_SECTION_SYSTEM):
        kinds = [kind for kind, code in mapping.KIND_SECTIONS.items() if code == token.code]
        if kinds:
            condition |= Q(kind__in=kinds)
    return condition


def _document_category(token: Token) -> Q:
    # Lantern keeps a document's category by its name only (the export writes it as text), so
    # the value is compared with that name, whatever system is given.
    return Q(category_display__iexact=token.code) if token.code else Q()


def _intent(token: Token) -> Q:
    # A prescription recorded without an intent is written as an order.
    if token.code == "order":
        return Q(intent__in=["order", ""])
    return Q(intent=token.code)


def _patient_identifier(token: Token) -> Q:
    return Q(mrn=token.code) if token.code else Q()


_CONDITION_CATEGORY = fixed_system_match(mapping.CONDITION_CATEGORY_SYSTEM, "category")
_OBSERVATION_CATEGORY = fixed_system_match(
    OBSERVATION_CATEGORY_SYSTEM, "category", codes=mapping.OBSERVATION_CATEGORY_CODES
)

TYPES: dict[str, ResourceType] = {
    resource_type.name: resource_type
    for resource_type in (
        ResourceType(
            "Patient",
            _patient,
            _one_by_one(mapping.export_patient),
            None,
            {
                "_id": _ID,
                "identifier": TokenParam(_patient_identifier),
                "name": StringParam(("given_names", "family_name")),
                "family": StringParam(("family_name",)),
                "given": StringParam(("given_names",)),
                "gender": TokenParam(code_match("sex")),
                "birthdate": DateParam("birth_date", calendar=True),
            },
        ),
        ResourceType(
            "Observation",
            _observations,
            _one_by_one(mapping.export_observation),
            "effective_at",
            {
                "_id": _ID,
                "category": TokenParam(_OBSERVATION_CATEGORY),
                "code": _code(),
                "date": DateParam("effective_at"),
                "status": _status(),
            },
            category=_OBSERVATION_CATEGORY,
            model=clinical.Observation,
            released=True,
        ),
        ResourceType(
            "DiagnosticReport",
            _reports,
            _export_reports,
            "effective_at",
            {
                "_id": _ID,
                "category": TokenParam(_report_category),
                "code": _code(),
                "date": DateParam("effective_at"),
                "status": _status(),
            },
            category=_report_category,
            includes=frozenset({"DiagnosticReport:result"}),
            model=clinical.DiagnosticReport,
            released=True,
        ),
        ResourceType(
            "Condition",
            _records(clinical.Condition),
            _one_by_one(mapping.export_condition),
            "onset_at",
            {
                "_id": _ID,
                "category": TokenParam(_CONDITION_CATEGORY),
                "clinical-status": TokenParam(
                    fixed_system_match(mapping.CONDITION_CLINICAL_SYSTEM, "clinical_status")
                ),
                "code": _code(),
                "onset-date": DateParam("onset_at"),
                "recorded-date": DateParam("recorded_at"),
                "abatement-date": DateParam("abated_at"),
            },
            category=_CONDITION_CATEGORY,
            model=clinical.Condition,
        ),
        ResourceType(
            "AllergyIntolerance",
            _records(clinical.AllergyIntolerance),
            _one_by_one(mapping.export_allergy),
            "recorded_at",
            {
                "_id": _ID,
                "clinical-status": TokenParam(
                    fixed_system_match(mapping.ALLERGY_CLINICAL_SYSTEM, "clinical_status")
                ),
                "code": _code(),
                "date": DateParam("recorded_at"),
            },
            model=clinical.AllergyIntolerance,
        ),
        ResourceType(
            "Immunization",
            _records(clinical.Immunization),
            _one_by_one(mapping.export_immunization),
            "occurred_at",
            {
                "_id": _ID,
                "status": _status(),
                "vaccine-code": _code(),
                "date": DateParam("occurred_at"),
            },
            model=clinical.Immunization,
        ),
        ResourceType(
            "MedicationRequest",
            _records(clinical.MedicationRequest),
            _one_by_one(mapping.export_medication_request, reasons=True),
            "authored_at",
            {
                "_id": _ID,
                "status": _status(),
                "intent": TokenParam(_intent),
                "code": _code(),
                "authoredon": DateParam("authored_at"),
            },
            # Medicines are written inline (medicationCodeableConcept): nothing to add.
            includes=frozenset({"MedicationRequest:medication"}),
            model=clinical.MedicationRequest,
        ),
        ResourceType(
            "Encounter",
            _records(clinical.Encounter),
            _one_by_one(mapping.export_encounter),
            "period_start",
            {
                "_id": _ID,
                "status": _status(),
                "class": _code("class_system", "class_code"),
                "type": _code("type_system", "type_code"),
                "date": DateParam("period_start"),
            },
            model=clinical.Encounter,
        ),
        ResourceType(
            "DocumentReference",
            _records(clinical.DocumentReference),
            _one_by_one(mapping.export_document_reference),
            "date",
            {
                "_id": _ID,
                "status": _status(),
                "type": _code(),
                "category": TokenParam(_document_category),
                "date": DateParam("date"),
            },
            category=_document_category,
            model=clinical.DocumentReference,
        ),
        ResourceType(
            "Procedure",
            _records(clinical.Procedure),
            _one_by_one(mapping.export_procedure, reasons=True),
            "performed_start",
            {
                "_id": _ID,
                "status": _status(),
                "code": _code(),
                "date": DateParam("performed_start"),
            },
            model=clinical.Procedure,
        ),
        ResourceType(
            "Appointment",
            _appointments,
            _one_by_one(export_appointment),
            "starts_at",
            {
                "_id": _ID,
                "status": TokenParam(
                    code_match("status", known={v: k for k, v in APPOINTMENT_STATUS.items()})
                ),
                "date": DateParam("starts_at"),
            },
            model=Appointment,
        ),
        ResourceType(
            "Task",
            _refills,
            _one_by_one(export_refill_request),
            "created_at",
            {
                "_id": _ID,
                "status": TokenParam(
                    code_match("status", known={v: k for k, v in TASK_STATUS.items()})
                ),
                "authored-on": DateParam("created_at"),
            },
            model=RefillRequest,
        ),
    )
}
