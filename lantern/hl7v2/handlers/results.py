"""ORU^R01: lab results into the record, as a DiagnosticReport per OBR and an Observation per OBX.

The rows are ordinary clinical records (`source_system` "hl7v2:<application>@<facility>"), so
they follow the release rules of `lantern.results.release` (by the report's kind, issued or taken
time), are "new" for the patient and their proxies until opened, and appear in the results list,
trends, the PDF and FHIR downloads like any imported result.

Segment grouping (ORU_R01): an OBR opens a report, the OBX after it are its values (including
those after its SPM), NTE after the OBR and before its first OBX are the report's comments
(`conclusion`), NTE after an OBX (PRT may come between) are that value's `note`. OBX before
the first OBR are values of no report. A report sent again (same filler order number) is
updated in place; values it no longer lists are removed.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from lantern.access.policy import PatientAccess, access_record
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import (
    DiagnosticReport,
    DiagnosticReportResult,
    Observation,
    ObservationCategory,
    Patient,
    ReportKind,
    record_uuid,
)
from lantern.core.statements import Statement, param_for
from lantern.interop.fhir_import.mapping import IMAGING_SECTIONS, LAB_SECTIONS
from lantern.interop.fhir_import.writer import insert_rows

from .datatypes import Moment, coded_field, parse_moment
from .errors import Refusal
from .text import SegmentReader, rep_whole_text
from .values import (
    interpretations,
    observation_status,
    observation_value,
    reference_range,
    report_status,
)

FHIR_ID_LENGTH = 64
_PLAIN_PART = re.compile(r"[A-Za-z0-9-]+")
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0074"
CATEGORY_OF_KIND = {
    ReportKind.LABORATORY: ObservationCategory.LABORATORY,
    ReportKind.IMAGING: ObservationCategory.IMAGING,
    ReportKind.OTHER: ObservationCategory.OTHER,
}


@dataclass
class ResultItem:
    obx: SegmentReader
    notes: list[SegmentReader] = field(default_factory=list)


@dataclass
class OrderGroup:
    obr: SegmentReader
    orc: SegmentReader | None
    notes: list[SegmentReader] = field(default_factory=list)
    items: list[ResultItem] = field(default_factory=list)
    specimens: list[SegmentReader] = field(default_factory=list)


def fhir_id(kind: str, *parts: str) -> str:
    """A record's id at its source, valid as a FHIR id (the export writes it as one): the kind
    and the parts joined by dots ("OBR.82503246.1") when each part is letters, digits and
    hyphens and the whole fits 64 characters; otherwise the kind and a hash of the parts."""
    if all(_PLAIN_PART.fullmatch(part) for part in parts):
        joined = ".".join([kind, *parts])
        if len(joined) <= FHIR_ID_LENGTH:
            return joined
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"{kind}-{digest}"[:FHIR_ID_LENGTH]


def _groups(readers: list[SegmentReader]) -> tuple[list[OrderGroup], list[ResultItem]]:
    groups: list[OrderGroup] = []
    loose: list[ResultItem] = []
    orc: SegmentReader | None = None
    # What an NTE comments on: the report just opened, the value just read, or nothing.
    commented: OrderGroup | ResultItem | None = None
    for reader in readers:
        if reader.name == "ORC":
            orc, commented = reader, None
        elif reader.name == "OBR":
            groups.append(OrderGroup(reader, orc))
            orc, commented = None, groups[-1]
        elif reader.name == "OBX":
            item = ResultItem(reader)
            (groups[-1].items if groups else loose).append(item)
            commented = item
        elif reader.name == "NTE":
            if commented is not None:
                commented.notes.append(reader)
        elif reader.name == "SPM":
            if groups:
                groups[-1].specimens.append(reader)
            commented = None
        elif reader.name in ("MSH", "PID", "PV1", "PV2", "PD1", "NK1"):
            commented = None
    return groups, loose


def _note_text(notes: list[SegmentReader]) -> str:
    lines = []
    for note in notes:
        lines.extend(rep_whole_text(note.message, rep) for rep in note.repetitions(3))
    return "\n".join(line for line in lines if line)


def _order_number(group: OrderGroup) -> str:
    for reader, number in ((group.obr, 3), (group.orc, 3), (group.obr, 2), (group.orc, 2)):
        if reader is not None and reader.text(number, 1):
            return "^".join(
                value for value in (reader.text(number, 1), reader.text(number, 2)) if value
            )
    return ""


def _kind(obr: SegmentReader) -> tuple[str, str]:
    section = obr.text(24).upper()
    if section in IMAGING_SECTIONS:
        return ReportKind.IMAGING, section
    if section in LAB_SECTIONS or not section:
        # An ORU without a diagnostic service section is a lab result, as most are.
        return ReportKind.LABORATORY, section
    return ReportKind.OTHER, section


def _first_moment(*candidates: tuple[SegmentReader | None, int]) -> Moment | None:
    for reader, number in candidates:
        if reader is not None:
            moment = parse_moment(reader.text(number, 1), reader.location(number))
            if moment is not None:
                return moment
    return None


def _hash(*readers: SegmentReader) -> str:
    return hashlib.sha256("\r".join(str(r.segment) for r in readers).encode()).hexdigest()


def upsert(
    model, rows: list[Any], fields: list[str], *, stored: set | None = None, inserts=None
) -> None:
    """Insert the new rows and update the ones already stored (two statements and a read;
    no read when the caller already knows which are `stored`). With `inserts` (a list), the new
    rows are added to it for `insert_together` instead of being inserted now."""
    if not rows:
        return
    if stored is None:
        stored = set(
            model.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True)
        )
    now = timezone.now()
    for row in rows:
        row.updated_at = now
    new = [row for row in rows if row.pk not in stored]
    for row in new:
        row.created_at = now
    if inserts is not None:
        inserts.append((model, new))
    else:
        # The FHIR importer's fast path (COPY on PostgreSQL): Django's bulk_create spends more
        # time building the statement than the database spends storing a message's rows.
        insert_rows(model, new)
    existing = [row for row in rows if row.pk in stored]
    if existing:
        model.objects.bulk_update(existing, [*fields, "updated_at"])


def insert_together(batches: list[tuple[Any, list[Any]]]) -> None:
    """Insert new rows of several tables (parents first) in one round trip on PostgreSQL: per
    table one INSERT of the rows given as one JSON parameter (`json_populate_recordset` reads
    them as the table's row type), the tables' INSERTs joined in one statement (all but the
    last as data-modifying WITH queries: every one runs to completion; the foreign keys are
    checked at commit). The statement text stays the same whatever the number of rows, so
    PostgreSQL prepares it once per connection. Elsewhere, each table through `insert_rows`."""
    batches = [(model, rows) for model, rows in batches if rows]
    if not batches:
        return
    if connection.vendor != "postgresql":
        for model, rows in batches:
            insert_rows(model, rows)
        return
    statements: list[str] = []
    params: list[str] = []
    for model, rows in batches:
        statement, fields = _json_insert(model)
        statements.append(statement)
        params.append(
            json.dumps(
                [{f.column: getattr(row, f.attname) for f in fields} for row in rows],
                default=_json_value,
            )
        )
    leading = ", ".join(f"batch{n} AS ({sql})" for n, sql in enumerate(statements[:-1]))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {leading} {statements[-1]}" if leading else statements[-1], params)


@functools.cache
def _json_insert(model) -> tuple[str, list]:
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField"})
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    return (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - model names
        f"FROM json_populate_recordset(NULL::{table}, %s)",
        fields,
    )


def _json_value(value: Any) -> str:
    """UUIDs, decimals, dates and times as the text PostgreSQL reads back into their columns."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be inserted as JSON")


# Which of a report and its values (the shape: how many values) are stored already, and whose:
# one read per report, built once per process.
_STORED = Statement(
    lambda count: (
        DiagnosticReport.objects.filter(pk=param_for(DiagnosticReport, "id", "report"))
        .values_list("pk", "patient_id")
        .union(
            Observation.objects.filter(
                pk__in=[param_for(Observation, "id", f"value{n}") for n in range(count)]
            ).values_list("pk", "patient_id"),
            all=True,
        )
    )
)


class ResultWriter:
    """Writes one ORU's reports and values for one patient."""

    def __init__(self, *, patient: Patient, source_system: str, control_id: str) -> None:
        self.patient = patient
        self.source_system = source_system
        self.control_id = control_id

    def observation(
        self,
        item: ResultItem,
        *,
        key: tuple[str, ...],
        category: str,
        report_status_value: str,
        effective: Moment | None,
        issued: Moment | None,
    ) -> Observation | None:
        obx = item.obx
        value = observation_value(obx)
        if value is None:
            return None
        code = coded_field(obx, 3)
        if not code:
            raise Refusal("OBX-3 (observation identifier) is empty", obx.location(3))
        own_time = parse_moment(obx.text(14), obx.location(14))
        when = own_time or effective
        unit_text = value["value_unit"]
        row_id = fhir_id(*key)
        return Observation(
            id=record_uuid(self.source_system, "Observation", row_id),
            source_system=self.source_system,
            fhir_id=row_id,
            content_hash=_hash(obx, *item.notes),
            patient=self.patient,
            code_system=code.system,
            code=code.code[:64],
            display=(code.display or code.original_text or code.code)[:500],
            status=observation_status(obx, report_status_value),
            category=category,
            effective_at=when.at if when else None,
            issued_at=issued.at if issued else None,
            date_precisions={"effective_at": when.precision} if when and when.precision else {},
            **value,
            **reference_range(obx, unit_text),
            **interpretations(obx),
            note=_note_text(item.notes),
        )

    def report(self, group: OrderGroup, position: int) -> DiagnosticReport:
        obr = group.obr
        code = coded_field(obr, 4)
        if not code:
            raise Refusal("OBR-4 (universal service identifier) is empty", obr.location(4))
        order_number = _order_number(group) or f"{self.control_id}.{position}"
        report_key = fhir_id("OBR", order_number)
        report_id = record_uuid(self.source_system, "DiagnosticReport", report_key)
        value_keys = [("OBX", order_number, str(index)) for index in range(1, len(group.items) + 1)]
        # One read for the report and its values: which are stored already, and whose.
        value_ids = list(
            dict.fromkeys(
                record_uuid(self.source_system, "Observation", fhir_id(*key)) for key in value_keys
            )
        )
        stored = dict(
            _STORED.tuples(
                (len(value_ids),),
                report=report_id,
                **{f"value{n}": value_id for n, value_id in enumerate(value_ids)},
            )
        )
        earlier = report_id in stored
        if earlier and stored[report_id] != self.patient.pk:
            raise Refusal("the order number belongs to another patient's result", obr.location(3))
        kind, section = _kind(obr)
        status = report_status(obr)
        specimen = group.specimens[0] if group.specimens else None
        effective = _first_moment((obr, 7), (specimen, 17)) or next(
            (
                moment
                for item in group.items
                if (moment := parse_moment(item.obx.text(14), item.obx.location(14)))
            ),
            None,
        )
        issued = _first_moment((obr, 22))
        observations = []
        for item, key in zip(group.items, value_keys, strict=True):
            observation = self.observation(
                item,
                key=key,
                category=CATEGORY_OF_KIND[kind],
                report_status_value=status,
                effective=effective,
                issued=issued,
            )
            if observation is not None:
                observations.append(observation)
        report = DiagnosticReport(
            id=report_id,
            source_system=self.source_system,
            fhir_id=report_key,
            content_hash=_hash(obr, *group.notes),
            patient=self.patient,
            code_system=code.system,
            code=code.code[:64],
            display=(code.display or code.original_text or code.code)[:500],
            status=status,
            kind=kind,
            category_system=CATEGORY_SYSTEM if section else "",
            category_code=section[:64],
            effective_at=effective.at if effective else None,
            issued_at=issued.at if issued else None,
            date_precisions=(
                {"effective_at": effective.precision} if effective and effective.precision else {}
            ),
            conclusion=_note_text(group.notes),
        )
        inserts: list[tuple[Any, list[Any]]] = []
        upsert(
            DiagnosticReport,
            [report],
            REPORT_FIELDS,
            stored={report_id} if earlier else set(),
            inserts=inserts,
        )
        upsert(
            Observation,
            observations,
            OBSERVATION_FIELDS,
            stored=set(stored) - {report_id},
            inserts=inserts,
        )
        if earlier:
            insert_together(inserts)
            self._link(report, observations, new=False)
        else:
            # A report stored just now has no links yet: the report, its new values and its
            # links go in one round trip.
            inserts.append((DiagnosticReportResult, self._links(report, observations)))
            insert_together(inserts)
        return report

    @staticmethod
    def _links(
        report: DiagnosticReport, observations: list[Observation]
    ) -> list[DiagnosticReportResult]:
        return [
            DiagnosticReportResult(report=report, observation=observation, position=position)
            for position, observation in enumerate(observations)
        ]

    def _link(
        self, report: DiagnosticReport, observations: list[Observation], *, new: bool
    ) -> None:
        links = self._links(report, observations)
        if new:
            # A report stored just now has no links yet.
            insert_rows(DiagnosticReportResult, links)
            return
        kept = {observation.pk for observation in observations}
        earlier = set(
            DiagnosticReportResult.objects.filter(report=report).values_list(
                "observation_id", flat=True
            )
        )
        DiagnosticReportResult.objects.filter(report=report).delete()
        gone = earlier - kept
        if gone:
            # Values a corrected report no longer lists are no longer results.
            Observation.objects.filter(pk__in=gone, source_system=self.source_system).delete()
        DiagnosticReportResult.objects.bulk_create(links)

    def loose(self, items: list[ResultItem]) -> list[Observation]:
        observations = []
        for index, item in enumerate(items, start=1):
            observation = self.observation(
                item,
                key=("OBX", self.control_id, str(index)),
                category=ObservationCategory.LABORATORY,
                report_status_value="",
                effective=None,
                issued=None,
            )
            if observation is not None:
                observations.append(observation)
        upsert(Observation, observations, OBSERVATION_FIELDS)
        return observations


REPORT_FIELDS = [
    "content_hash",
    "code_system",
    "code",
    "display",
    "status",
    "kind",
    "category_system",
    "category_code",
    "effective_at",
    "issued_at",
    "date_precisions",
    "conclusion",
]
OBSERVATION_FIELDS = [
    "content_hash",
    "code_system",
    "code",
    "display",
    "status",
    "category",
    "effective_at",
    "issued_at",
    "date_precisions",
    "value_type",
    "value_quantity",
    "value_unit",
    "value_unit_code",
    "value_string",
    "value_code_system",
    "value_code",
    "value_code_display",
    "value_data",
    "reference_low",
    "reference_high",
    "reference_text",
    "reference_ranges",
    "interpretation",
    "interpretation_display",
    "interpretations",
    "note",
]


def results_apply(
    readers: list[SegmentReader], *, patient: Patient, source_system: str, control_id: str
) -> list[uuid.UUID]:
    """Write the message's reports and values; return the reports' ids, in message order."""
    if sum(1 for reader in readers if reader.name == "PID") > 1:
        second = [reader for reader in readers if reader.name == "PID"][1]
        raise Refusal("results for more than one patient in one message", second.location(1))
    groups, loose = _groups(readers)
    writer = ResultWriter(patient=patient, source_system=source_system, control_id=control_id)
    reports = [writer.report(group, position) for position, group in enumerate(groups, start=1)]
    standalone = writer.loose(loose)
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SYSTEM)
    for report in reports:
        access_record(
            access, action=AuditAction.IMPORT, object_type="DiagnosticReport", object_id=report.pk
        )
    for observation in standalone:
        access_record(
            access, action=AuditAction.IMPORT, object_type="Observation", object_id=observation.pk
        )
    return [report.pk for report in reports]
