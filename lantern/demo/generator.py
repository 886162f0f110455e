"""Synthetic patients for measuring Lantern at a health system's size (`generate_patients`).

Each new patient is a copy of one of the demo's Synthea patients (imported by `load_demo`, so
every row has already been through the FHIR import's validation and mapping) with a new id, name
and MRN and its dates moved by a random number of days: its encounters, conditions, allergies,
immunizations, medications and procedures once, its results (observations, reports and their
links) three times, two years apart, for about 200 observations each; plus an account, two
conversations with the care team and a few past visits. Rows go in through the import's bulk
path (`insert_values`: COPY on PostgreSQL), a batch of patients per transaction, and each new
patient gets one import event in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from lantern.accounts.models import User
from lantern.appointments.models import Appointment, AppointmentStatus, VisitType, WeeklyHours
from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_events_record_many
from lantern.clinical import models as clinical
from lantern.interop.fhir_import.writer import (
    _insert_fields,
    _relax_commit_durability,
    insert_values,
)
from lantern.messaging.models import (
    AuthorRole,
    Conversation,
    ConversationStatus,
    Message,
    MessagePool,
)

from .services import DEMO_SOURCE_SYSTEM

GENERATED_SOURCE_SYSTEM = "lantern-generator"
GENERATED_MRN_SYSTEM = "urn:lantern:generated-mrn"
# The records copied once per patient, then the results, copied RESULT_COPIES times.
RECORD_MODELS: tuple[type[clinical.SourcedRecord], ...] = (
    clinical.Encounter,
    clinical.Condition,
    clinical.AllergyIntolerance,
    clinical.Immunization,
    clinical.MedicationRequest,
    clinical.Procedure,
)
RESULT_MODELS: tuple[type[clinical.SourcedRecord], ...] = (
    clinical.Observation,
    clinical.DiagnosticReport,
)
RESULT_COPIES = 3
# A demo patient with fewer results than this (a child the demo adds) is not a template.
TEMPLATE_MIN_RESULTS = 20
YEARS_BETWEEN_COPIES = 2
# Past visits and conversations each generated patient has.
PAST_VISITS = 4
CONVERSATIONS = 2
MESSAGES_PER_CONVERSATION = 3
GIVEN_NAMES = (
    "Ada", "Ben", "Carmen", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jamal", "Keiko",
    "Luis", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
FAMILY_NAMES = (
    "Abbott", "Baptiste", "Chen", "Dlamini", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Mensah", "Novak", "Okafor", "Petrov", "Quispe", "Rossi",
    "Silva", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zhou",
)  # fmt: skip
MESSAGE_TEXTS = (
    "Could you tell me whether my last results need a follow-up visit?",
    "Thank you for your message. Your results look as expected; no visit is needed.",
    "Thank you, that is good to hear.",
)


class TemplatesMissing(Exception):
    """The demo data the generator copies is not in the database (run load_demo first)."""


@dataclass
class TableTemplate:
    """One model's rows of a template patient, as lists in the bulk path's column order."""

    model: type[models.Model]
    rows: list[list[Any]]
    positions: dict[str, int]
    # Positions of the date and datetime columns to move (not created_at/updated_at).
    date_positions: list[int]


@dataclass
class PatientTemplate:
    patient_row: list[Any]
    patient_positions: dict[str, int]
    records: list[TableTemplate]
    results: list[TableTemplate]
    # (report id, observation id, position) of the template's DiagnosticReportResult rows.
    report_links: list[tuple[uuid.UUID, uuid.UUID, int]]


@dataclass
class ClinicContext:
    """What the copies point at in the demo clinic: its doctor, place, visit type and pool."""

    organization_id: uuid.UUID
    clinician: User
    location_id: Any
    visit_type_id: Any
    pool: MessagePool


@dataclass
class GenerationReport:
    patients: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, model: type[models.Model], count: int) -> None:
        self.rows[model.__name__] = self.rows.get(model.__name__, 0) + count


def _table_template(model: type[models.Model], queryset: models.QuerySet) -> TableTemplate:
    fields = _insert_fields(model)
    attnames = [f.attname for f in fields]
    rows = [list(values) for values in queryset.values_list(*attnames)]
    date_positions = [
        index
        for index, f in enumerate(fields)
        if isinstance(f, models.DateField) and f.attname not in ("created_at", "updated_at")
    ]
    return TableTemplate(model, rows, {name: i for i, name in enumerate(attnames)}, date_positions)


def templates_load() -> list[PatientTemplate]:
    """The demo's Synthea patients (those with a history of results), read once."""
    patients = (
        clinical.Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM)
        .annotate(results=models.Count("observations"))
        .filter(results__gte=TEMPLATE_MIN_RESULTS)
        .order_by("fhir_id")
    )
    patient_table = _table_template(clinical.Patient, patients)
    templates = []
    for patient_row in patient_table.rows:
        patient_id = patient_row[patient_table.positions["id"]]
        records = [
            _table_template(model, model.objects.filter(patient_id=patient_id).order_by("pk"))
            for model in RECORD_MODELS
        ]
        results = [
            _table_template(model, model.objects.filter(patient_id=patient_id).order_by("pk"))
            for model in RESULT_MODELS
        ]
        links = list(
            clinical.DiagnosticReportResult.objects.filter(
                report__patient_id=patient_id
            ).values_list("report_id", "observation_id", "position")
        )
        templates.append(
            PatientTemplate(patient_row, patient_table.positions, records, results, links)
        )
    if not templates:
        raise TemplatesMissing
    return templates


def clinic_context() -> ClinicContext:
    hours = WeeklyHours.objects.select_related("location", "clinician").first()
    if hours is None:
        raise TemplatesMissing
    organization_id = hours.location.organization_id
    visit_type = VisitType.objects.filter(organization=organization_id).first()
    pool = MessagePool.objects.filter(organization=organization_id).first()
    if visit_type is None or pool is None:
        raise TemplatesMissing
    return ClinicContext(
        organization_id=organization_id,
        clinician=hours.clinician,
        location_id=hours.location_id,
        visit_type_id=visit_type.pk,
        pool=pool,
    )


def patients_generate(
    count: int,
    *,
    seed: int = 1,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Add `count` synthetic patients after those generated before; returns what was written.

    Raises TemplatesMissing when the demo data is not loaded.
    """
    templates = templates_load()
    clinic = clinic_context()
    first_number = clinical.Patient.objects.filter(source_system=GENERATED_SOURCE_SYSTEM).count()
    rng = random.Random(seed * 1_000_003 + first_number)  # noqa: S311 (synthetic data, not secrets)
    unusable_password = make_password(None)
    report = GenerationReport()
    for start in range(0, count, batch_size):
        numbers = range(first_number + start, first_number + min(start + batch_size, count))
        with transaction.atomic():
            _relax_commit_durability()
            batch = _Batch(templates, clinic, rng, unusable_password)
            for number in numbers:
                batch.add_patient(number)
            batch.write(report)
        report.patients += len(numbers)
        if progress:
            progress(report.patients)
    return report


class _Batch:
    """The rows of a batch of new patients, by model, written together."""

    def __init__(
        self,
        templates: list[PatientTemplate],
        clinic: ClinicContext,
        rng: random.Random,
        unusable_password: str,
    ) -> None:
        self.templates = templates
        self.clinic = clinic
        self.rng = rng
        self.password = unusable_password
        self.now = timezone.now()
        self.rows: dict[type[models.Model], list[list[Any]]] = {}
        self.instances: dict[type[models.Model], list[models.Model]] = {}
        self.patient_ids: list[uuid.UUID] = []
        # Ids that grow with each row (the time in the high bits, a counter in the low ones), so
        # the primary-key indexes are appended to rather than split all over: random ids make
        # the load slow down as the tables outgrow memory.
        self.next_id = (time.time_ns() // 1000) << 64

    def new_id(self) -> uuid.UUID:
        self.next_id += 1
        return uuid.UUID(int=self.next_id)

    def add_patient(self, number: int) -> None:
        template = self.templates[number % len(self.templates)]
        shift = dt.timedelta(days=-self.rng.randrange(0, 3 * 365))
        patient_id = self._add_patient_row(number, template, shift)
        encounters: dict[Any, uuid.UUID] = {}
        for table in template.records:
            self._copy_rows(table, f"g{number:07d}", patient_id, shift, encounters, new_ids=None)
        for copy in range(RESULT_COPIES):
            copy_shift = shift - dt.timedelta(days=365 * YEARS_BETWEEN_COPIES * copy)
            new_ids: dict[Any, uuid.UUID] = {}
            # Older copies keep no encounter: the visits are the first copy's.
            copy_encounters = encounters if copy == 0 else {}
            for table in template.results:
                self._copy_rows(
                    table, f"g{number:07d}.{copy}", patient_id, copy_shift, copy_encounters, new_ids
                )
            links = self.rows.setdefault(clinical.DiagnosticReportResult, [])
            for report_id, observation_id, position in template.report_links:
                links.append([new_ids[report_id], new_ids[observation_id], position])
        user = self._add_account(number, patient_id)
        self._add_visits(patient_id, shift)
        self._add_conversations(patient_id, user, shift)
        self.patient_ids.append(patient_id)

    def _add_patient_row(self, number: int, template: PatientTemplate, shift: dt.timedelta):
        positions = template.patient_positions
        row = list(template.patient_row)
        patient_id = self.new_id()
        mrn = f"GEN{number:07d}"
        values = {
            "id": patient_id,
            "source_system": GENERATED_SOURCE_SYSTEM,
            "fhir_id": f"g{number:07d}",
            "content_hash": "",
            "created_at": self.now,
            "updated_at": self.now,
            "mrn": mrn,
            "prefix": "",
            "given_names": self.rng.choice(GIVEN_NAMES),
            "family_name": self.rng.choice(FAMILY_NAMES),
            "suffix": "",
            "phone": "",
            "email": "",
            "managing_organization_id": self.clinic.organization_id,
            "identifiers": [{"system": GENERATED_MRN_SYSTEM, "value": mrn, "type": "MR"}],
        }
        for name, value in values.items():
            row[positions[name]] = value
        birth = row[positions["birth_date"]]
        if birth is not None:
            row[positions["birth_date"]] = birth + shift
        self.rows.setdefault(clinical.Patient, []).append(row)
        return patient_id

    def _copy_rows(
        self,
        table: TableTemplate,
        prefix: str,
        patient_id: uuid.UUID,
        shift: dt.timedelta,
        encounters: dict[Any, uuid.UUID],
        new_ids: dict[Any, uuid.UUID] | None,
    ) -> None:
        p = table.positions
        is_encounter = table.model is clinical.Encounter
        encounter_position = p.get("encounter_id")
        out = self.rows.setdefault(table.model, [])
        for template_row in table.rows:
            row = list(template_row)
            new_id = self.new_id()
            if is_encounter:
                encounters[row[p["id"]]] = new_id
            if new_ids is not None:
                new_ids[row[p["id"]]] = new_id
            row[p["id"]] = new_id
            row[p["source_system"]] = GENERATED_SOURCE_SYSTEM
            row[p["fhir_id"]] = f"{prefix}.{row[p['fhir_id']]}"[:64]
            row[p["content_hash"]] = ""
            row[p["created_at"]] = row[p["updated_at"]] = self.now
            row[p["patient_id"]] = patient_id
            if encounter_position is not None:
                row[encounter_position] = encounters.get(row[encounter_position])
            for position in table.date_positions:
                if row[position] is not None:
                    row[position] = row[position] + shift
            out.append(row)

    def _add_account(self, number: int, patient_id: uuid.UUID) -> User:
        user = User(
            username=f"generated-{number}",
            password=self.password,
            first_name="",
            last_name="",
            email=f"generated-{number}@example.org",
            patient_id=patient_id,
            date_joined=self.now,
        )
        # The bulk path writes every column: give the id the database would give.
        self.instances.setdefault(User, []).append(user)
        return user

    def _add_visits(self, patient_id: uuid.UUID, shift: dt.timedelta) -> None:
        visits = self.instances.setdefault(Appointment, [])
        for visit in range(PAST_VISITS):
            day = self.now + shift - dt.timedelta(days=90 * (visit + 1))
            starts_at = day.replace(hour=14, minute=0, second=0, microsecond=0)
            visits.append(
                Appointment(
                    patient_id=patient_id,
                    clinician=self.clinic.clinician,
                    location_id=self.clinic.location_id,
                    visit_type_id=self.clinic.visit_type_id,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=30),
                    status=AppointmentStatus.COMPLETED,
                    booked_by_role=ActorRole.STAFF,
                    created_at=self.now,
                    updated_at=self.now,
                )
            )

    def _add_conversations(self, patient_id: uuid.UUID, user: User, shift: dt.timedelta) -> None:
        conversations = self.instances.setdefault(Conversation, [])
        messages = self.instances.setdefault(Message, [])
        for number in range(CONVERSATIONS):
            started = self.now + shift - dt.timedelta(days=30 * (number + 1))
            conversation = Conversation(
                patient_id=patient_id,
                organization_id=self.clinic.organization_id,
                subject="A question about my results",
                pool=self.clinic.pool,
                status=ConversationStatus.CLOSED,
                created_by=user,
                created_at=started,
                submission_id=uuid.uuid4(),
                last_message_at=started + dt.timedelta(hours=MESSAGES_PER_CONVERSATION - 1),
                last_message_role=AuthorRole.PATIENT,
                started_by_role=AuthorRole.PATIENT,
                clinic_read_at=started + dt.timedelta(hours=MESSAGES_PER_CONVERSATION),
                patient_read_at=started + dt.timedelta(hours=MESSAGES_PER_CONVERSATION),
            )
            conversations.append(conversation)
            for index in range(MESSAGES_PER_CONVERSATION):
                from_patient = index % 2 == 0
                messages.append(
                    Message(
                        conversation=conversation,
                        author=user if from_patient else self.clinic.clinician,
                        author_role=AuthorRole.PATIENT if from_patient else AuthorRole.STAFF,
                        body=MESSAGE_TEXTS[index % len(MESSAGE_TEXTS)],
                        created_at=started + dt.timedelta(hours=index),
                        submission_id=uuid.uuid4(),
                    )
                )

    def write(self, report: GenerationReport) -> None:
        for model in (clinical.Patient, *RECORD_MODELS, *RESULT_MODELS):
            rows = self.rows.get(model, [])
            insert_values(model, rows)
            report.add(model, len(rows))
        links = self.rows.get(clinical.DiagnosticReportResult, [])
        _insert_links(links)
        report.add(clinical.DiagnosticReportResult, len(links))
        users = self.instances.get(User, [])
        User.objects.bulk_create(users, batch_size=500)
        report.add(User, len(users))
        for model in (Appointment, Conversation, Message):
            instances = self.instances.get(model, [])
            _insert_instances(model, instances)
            report.add(model, len(instances))
        audit_events_record_many(
            actor=None,
            patients=[clinical.Patient(pk=pk) for pk in self.patient_ids],
            role=ActorRole.SYSTEM,
            action=AuditAction.IMPORT,
            object_type="Bundle",
        )


def _insert_links(rows: list[list[Any]]) -> None:
    # The link table has a database-generated id: the bulk path leaves it out.
    fields = [f.attname for f in _insert_fields(clinical.DiagnosticReportResult)]
    order = ("report_id", "observation_id", "position")
    insert_values(
        clinical.DiagnosticReportResult,
        [[row[order.index(name)] for name in fields] for row in rows],
    )


def _insert_instances(model: type[models.Model], instances: list[models.Model]) -> None:
    fields = _insert_fields(model)
    # An author or creator made in this batch had no id yet when the row was built.
    for instance in instances:
        for f in fields:
            related = instance._state.fields_cache.get(f.name) if f.is_relation else None
            if related is not None and getattr(instance, f.attname) is None:
                setattr(instance, f.attname, related.pk)
    insert_values(model, [[getattr(obj, f.attname) for f in fields] for obj in instances])
