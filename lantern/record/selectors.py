"""Reads for the health summary: the patient's problems, medications, allergies, immunizations,
vital signs, procedures, visits and documents.

Every function takes the PatientAccess the view was granted and reads through
`records_for`, so nothing here can reach another patient's rows. Lists come back as one page of
a Django Paginator (a count and one bounded query); detail pages are bounded too, so a page costs
the same number of queries whatever the size of the record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lantern.access.policy import (
    PatientAccess,
    access_template,
    access_values,
    object_get,
    records_for,
)
from lantern.audit.models import ActorRole
from lantern.clinical.models import (
    AllergyClinicalStatus,
    AllergyIntolerance,
    Condition,
    ConditionClinicalStatus,
    DiagnosticReport,
    DocumentReference,
    Encounter,
    Immunization,
    MedicationRequest,
    MedicationRequestStatus,
    Observation,
    ObservationCategory,
    Patient,
    Procedure,
)
from lantern.core.statements import CountsStatement, Statement, StatementRows, param_for
from lantern.refills import selectors as refill_selectors
from lantern.results.flags import value_in_words
from lantern.results.release import (
    release_shape,
    release_statement_values,
    release_template,
    released_observations,
    released_reports,
)

PER_PAGE = 25
# A visit page lists at most this many diagnoses, procedures, results and reports each; a visit
# with more says so and points to the full lists.
VISIT_ITEMS_LIMIT = 100


@dataclass(frozen=True)
class VitalSignKind:
    code: str
    label: str
    # Other LOINC codes that record the same measurement, shown as one row with `code`.
    also: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.code, *self.also)


# The vital signs shown on the vitals page, in the order shown, by LOINC code. Blood pressure
# comes as the panel 85354-9 or, from Synthea and many EHRs, as 55284-4; both carry the systolic
# and diastolic values as components.
VITAL_SIGNS: tuple[VitalSignKind, ...] = (
    VitalSignKind("85354-9", _("Blood pressure"), also=("55284-4",)),
    VitalSignKind("8867-4", _("Heart rate")),
    VitalSignKind("9279-1", _("Breathing rate")),
    VitalSignKind("8310-5", _("Temperature")),
    VitalSignKind("2708-6", _("Oxygen level")),
    VitalSignKind("59408-5", _("Oxygen level (pulse oximeter)")),
    VitalSignKind("29463-7", _("Weight")),
    VitalSignKind("8302-2", _("Height")),
    VitalSignKind("39156-5", _("Body mass index (BMI)")),
)
VITAL_SIGN_CODES = [code for kind in VITAL_SIGNS for code in kind.codes]
# Each code's kind: blood pressure under either of its codes counts once.
KIND_OF_CODE = {code: kind.code for kind in VITAL_SIGNS for code in kind.codes}


# Units as written in UCUM, and how a person reads them.
@dataclass(frozen=True)
class VitalSign:
    code: str
    label: str
    value: str
    effective_at: object
    trend_href: str
    # The value shown, for the US units beside a weight or height (lantern.results.body_units).
    observation: Observation | None = None


@dataclass(frozen=True)
class RecordSummary:
    problems: int
    medications: int
    allergies: int
    immunizations: int
    vitals: int
    procedures: int
    visits: int
    documents: int


@dataclass(frozen=True)
class VisitDetail:
    visit: Encounter
    diagnoses: list[Condition]
    procedures: list[Procedure]
    results: list[Observation]
    reports: list[DiagnosticReport]
    has_more: bool


def _page(queryset: QuerySet, page_number: str | int | None) -> Page:
    return Paginator(queryset, PER_PAGE).get_page(page_number)


def _statement_page(
    rows: Statement,
    counted: Statement,
    page_number: str | int | None,
    shape: tuple = (),
    **values: object,
) -> Page:
    return _page(StatementRows(rows, counted, shape, **values), page_number)


def _first_if(statuses: list[str], field: str) -> Case:
    """0 for rows whose `field` is one of `statuses`, 1 otherwise: sorts them first."""
    return Case(
        When(**{f"{field}__in": statuses}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


ACTIVE_CONDITION_STATUSES = [
    ConditionClinicalStatus.ACTIVE,
    ConditionClinicalStatus.RECURRENCE,
    ConditionClinicalStatus.RELAPSE,
]


# The kinds of records the index counts, each a count of the patient's rows (records_for is the
# same for every role). Counted exactly, in one statement built once per process.
COUNTED_KINDS = {
    "problems": Condition,
    "medications": MedicationRequest,
    "allergies": AllergyIntolerance,
    "immunizations": Immunization,
    "procedures": Procedure,
    "visits": Encounter,
    "documents": DocumentReference,
}
_RECORD_COUNTS = CountsStatement(
    lambda: {
        name: records_for(access_template(ActorRole.SELF), model)
        for name, model in COUNTED_KINDS.items()
    }
)


# The codes of the vital signs recorded, for each `release_shape` (lantern/core/statements.py).
_VITAL_CODES = Statement(
    lambda *shape: _vital_signs(release_template(*shape)).order_by().values_list("code").distinct()
)


def record_summary_count(*, access: PatientAccess) -> RecordSummary:
    """How many records of each kind the patient has, for the record's index page."""
    # The codes recorded are enough to count the kinds: no need to find each one's latest value.
    vital_codes = [
        code
        for (code,) in _VITAL_CODES.tuples(
            release_shape(access), **release_statement_values(access)
        )
    ]
    counts = _RECORD_COUNTS.run((), None, **access_values(access))
    return RecordSummary(**counts, vitals=len({KIND_OF_CODE[code] for code in vital_codes}))


def problems_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Health problems, active ones first, then by onset, newest first."""
    problems = (
        records_for(access, Condition)
        .annotate(inactive=_first_if(ACTIVE_CONDITION_STATUSES, "clinical_status"))
        .order_by("inactive", F("onset_at").desc(nulls_last=True), "display", "pk")
    )
    return _page(problems, page_number)


# The columns of a prescription and its prescriber that the medicines page shows.
MEDICATION_LINE_FIELDS = (
    "display",
    "code_system",
    "code",
    "status",
    "authored_at",
    "date_precisions",
    "dosage_text",
    "as_needed",
    "dosage_instructions",
    "refills_allowed",
    "reasons",
    "reason_display",
    "prescriber__prefix",
    "prescriber__given_names",
    "prescriber__family_name",
    "prescriber__suffix",
)


def _medications(has_clinic: bool) -> QuerySet[MedicationRequest]:
    access = access_template(ActorRole.SELF)
    medications = (
        records_for(access, MedicationRequest)
        .select_related("prescriber")
        # What the page shows (record/presenters.py, refills.eligibility): no other column.
        .only(*MEDICATION_LINE_FIELDS)
        .annotate(inactive=_first_if([MedicationRequestStatus.ACTIVE], "status"))
        .order_by("inactive", F("authored_at").desc(nulls_last=True), "display", "pk")
    )
    return refill_selectors.medications_with_refill_state(
        medications,
        organization_id=param_for(Patient, "managing_organization", "clinic")
        if has_clinic
        else None,
    )


# The columns of a procedure and the places it names that the procedures page shows.
PROCEDURE_LINE_FIELDS = (
    "display",
    "status",
    "performed_start",
    "date_precisions",
    "date_texts",
    "reasons",
    "reason_display",
    "location__name",
    "encounter__location__name",
    "encounter__service_provider__name",
)


def _procedures() -> QuerySet[Procedure]:
    return (
        records_for(access_template(ActorRole.SELF), Procedure)
        .select_related("location", "encounter__location", "encounter__service_provider")
        # What the page shows (record/presenters.py): a row's other columns are not read.
        .only(*PROCEDURE_LINE_FIELDS)
        .order_by(F("performed_start").desc(nulls_last=True), "display", "pk")
    )


# The lists' queries, built once per process (lantern/core/statements.py): a slice of rows and
# their count. The shape of a medicines list: whether the patient has a clinic (whose list of
# controlled medicines applies).
_MEDICATIONS = Statement(lambda start, stop, *shape: _medications(*shape)[start:stop])
_MEDICATIONS_COUNT = Statement(_medications)
_PROCEDURES = Statement(lambda start, stop: _procedures()[start:stop])
_PROCEDURES_COUNT = Statement(_procedures)


def medications_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Prescriptions, active ones first, then newest first, with who prescribed them, whether
    the clinic marks each as controlled and its latest refill request (lantern.refills)."""
    clinic = access.patient.managing_organization_id
    return _statement_page(
        _MEDICATIONS,
        _MEDICATIONS_COUNT,
        page_number,
        (clinic is not None,),
        **access_values(access),
        clinic=clinic,
    )


def allergies_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Allergies, active ones first, then most recently recorded first."""
    allergies = (
        records_for(access, AllergyIntolerance)
        .annotate(inactive=_first_if([AllergyClinicalStatus.ACTIVE, ""], "clinical_status"))
        .order_by("inactive", F("recorded_at").desc(nulls_last=True), "display", "pk")
    )
    return _page(allergies, page_number)


def immunizations_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Vaccines, newest first."""
    immunizations = records_for(access, Immunization).order_by(
        F("occurred_at").desc(nulls_last=True), "display", "pk"
    )
    return _page(immunizations, page_number)


def procedures_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Procedures, newest first, with where they were done and the visit they belong to."""
    return _statement_page(_PROCEDURES, _PROCEDURES_COUNT, page_number, **access_values(access))


def _vital_signs(access: PatientAccess) -> QuerySet[Observation]:
    """Every released value of a vital sign the record pages know."""
    # A vital sign that a held report lists waits with the report (lantern.results.release).
    return released_observations(access, records_for(access, Observation)).filter(
        category=ObservationCategory.VITAL_SIGNS, code__in=VITAL_SIGN_CODES
    )


def _vital_signs_queryset(access: PatientAccess) -> QuerySet[Observation]:
    """The latest value of each vital sign: at most one row per code, in one query.

    A correlated subquery picks the newest row of each code (served by the index on patient,
    code and date), so the query reads a handful of rows however many values the patient has.
    """
    vital_signs = _vital_signs(access)
    newest_of_code = vital_signs.filter(code=OuterRef("code")).order_by(
        F("effective_at").desc(nulls_last=True), "-pk"
    )
    return vital_signs.filter(pk=Subquery(newest_of_code.values("pk")[:1]))


# Built once per process for each `release_shape` (lantern/core/statements.py).
_VITAL_SIGNS_LATEST = Statement(lambda *shape: _vital_signs_queryset(release_template(*shape)))


def vital_signs_latest(*, access: PatientAccess) -> list[VitalSign]:
    """The latest value of each vital sign, in the order of VITAL_SIGNS.

    A sign recorded under several codes shows its newest value of any of them, and its trend
    link names that value's code (the trend gathers the other codes too).
    """
    latest = {
        observation.code: observation
        for observation in _VITAL_SIGNS_LATEST.objects(
            release_shape(access), **release_statement_values(access)
        )
    }
    signs = []
    for kind in VITAL_SIGNS:
        found = [latest[code] for code in kind.codes if code in latest]
        if not found:
            continue
        newest = max(found, key=lambda o: (o.effective_at is not None, o.effective_at or 0))
        trend = reverse(
            "results:trend", kwargs={"patient_id": access.patient.pk, "code": newest.code}
        )
        signs.append(
            VitalSign(
                code=newest.code,
                label=str(kind.label),
                value=value_in_words(newest),
                effective_at=newest.effective_at,
                trend_href=f"{trend}?from=vitals",
                observation=newest,
            )
        )
    return signs


def visits_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Visits, newest first, with the clinician and the place."""
    visits = (
        records_for(access, Encounter)
        .select_related("practitioner", "location", "service_provider")
        .order_by(F("period_start").desc(nulls_last=True), "pk")
    )
    return _page(visits, page_number)


def visit_detail(*, access: PatientAccess, visit_id: uuid.UUID) -> VisitDetail:
    """One visit, audited as seen, with the diagnoses made, the procedures done and the results
    taken (bounded)."""
    visit = object_get(
        access,
        records_for(access, Encounter).select_related(
            "practitioner", "location", "service_provider"
        ),
        visit_id,
    )
    diagnoses = list(
        records_for(access, Condition)
        .filter(encounter=visit)
        .order_by(F("onset_at").desc(nulls_last=True), "display", "pk")[: VISIT_ITEMS_LIMIT + 1]
    )
    procedures = list(
        records_for(access, Procedure)
        .filter(encounter=visit)
        .select_related("location")
        .order_by(F("performed_start").desc(nulls_last=True), "display", "pk")[
            : VISIT_ITEMS_LIMIT + 1
        ]
    )
    results = list(
        released_observations(access, records_for(access, Observation))
        .filter(encounter=visit)
        .order_by(F("effective_at").desc(nulls_last=True), "display", "pk")[: VISIT_ITEMS_LIMIT + 1]
    )
    reports = list(
        released_reports(access, records_for(access, DiagnosticReport))
        .filter(encounter=visit)
        .order_by(F("effective_at").desc(nulls_last=True), "display", "pk")[: VISIT_ITEMS_LIMIT + 1]
    )
    has_more = any(
        len(items) > VISIT_ITEMS_LIMIT for items in (diagnoses, procedures, results, reports)
    )
    return VisitDetail(
        visit=visit,
        diagnoses=diagnoses[:VISIT_ITEMS_LIMIT],
        procedures=procedures[:VISIT_ITEMS_LIMIT],
        results=results[:VISIT_ITEMS_LIMIT],
        reports=reports[:VISIT_ITEMS_LIMIT],
        has_more=has_more,
    )


def documents_page(*, access: PatientAccess, page_number: str | int | None) -> Page:
    """Documents, newest first; the list does not load their text."""
    documents = (
        records_for(access, DocumentReference)
        .select_related("author")
        .defer("content_text")
        .order_by(F("date").desc(nulls_last=True), "title", "pk")
    )
    return _page(documents, page_number)


def document_detail(*, access: PatientAccess, document_id: uuid.UUID) -> DocumentReference:
    """One document with its text, audited as seen; another patient's is "not found"."""
    return object_get(
        access, records_for(access, DocumentReference).select_related("author"), document_id
    )


def document_file_for_access(*, access: PatientAccess, document_id: uuid.UUID) -> DocumentReference:
    """One document that has a file; another patient's (or one without a file) is "not found",
    audited as denied. Not audited when found: the view records the download once the file is
    open."""
    documents = records_for(access, DocumentReference).exclude(content_file="")
    return object_get(access, documents.defer("content_text"), document_id, record=False)
