"""Write one bundle's mapped entries to the database, in one transaction, in bulk."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.services import audit_events_record_many
from lantern.clinical import models as clinical
from lantern.clinical.document_files import document_file_store

from .mapping import REASON_DISPLAY_LENGTH, medication_fields
from .reader import BundleError
from .references import STORED_TYPES, ReferenceResolver, is_conditional
from .report import TypeCounts
from .worker import EntryOutcome, InvalidEntry, MappedEntry, SkippedEntry

BATCH_SIZE = 1000
NOT_UPDATED = {"id", "created_at", "source_system", "fhir_id"}


@dataclass(slots=True)
class PendingRecord:
    entry: MappedEntry
    pk: uuid.UUID
    foreign_keys: dict[str, uuid.UUID | None] = field(default_factory=dict)
    content_hash: str = ""
    # DiagnosticReport only: its observations, in the report's order.
    result_pks: list[uuid.UUID] = field(default_factory=list)


def batched(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_bundle(
    *, source_system: str, outcomes: list[EntryOutcome], actor: Any = None
) -> dict[str, TypeCounts]:
    """Store the bundle's records and return what happened per resource type.

    Raises BundleError (naming the entry) before writing anything if an entry is invalid, two
    entries share a fullUrl, or a reference resolves to nothing or (by identifier) to more than
    one resource; any database error rolls the whole bundle back.
    """
    _raise_first_invalid(outcomes)
    _raise_duplicate_full_urls(outcomes)
    counts: dict[str, TypeCounts] = defaultdict(TypeCounts)
    resolver = ReferenceResolver(source_system, outcomes)
    answered = resolver.answer_conditional_creates(outcomes)
    resolver.load_earlier_matches(_references_of(outcomes))
    pending = _resolve(outcomes, resolver, source_system, counts, answered)
    resolver.check_outside_references()
    _name_reasons_outside(pending, source_system)
    _store_document_files(pending.get("DocumentReference", []))
    _default_managing_organizations(pending)
    with transaction.atomic():
        _relax_commit_durability()
        touched_patients: set[uuid.UUID] = set()
        changed_reports: dict[uuid.UUID, PendingRecord] = {}
        for resource_type, model in STORED_TYPES.items():
            records = pending.get(resource_type, [])
            if records:
                written = _write_records(model, records, source_system, counts[resource_type])
                touched_patients.update(_patients_of(written))
                if resource_type == "DiagnosticReport":
                    changed_reports = {record.pk: record for record in written}
        _write_report_results(changed_reports)
        audit_events_record_many(
            actor=actor,
            patients=[clinical.Patient(pk=pk) for pk in sorted(touched_patients)],
            role=ActorRole.SYSTEM,
            action=AuditAction.IMPORT,
            object_type="Bundle",
        )
    return dict(counts)


def _relax_commit_durability() -> None:
    """On PostgreSQL, let this bundle's commit return before its WAL reaches the disk.

    A crash in the next fraction of a second can lose the last bundles written, never corrupt
    them; re-running the import (which is idempotent) writes them again. Other work on the same
    database keeps full durability: the setting is local to this transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _raise_first_invalid(outcomes: list[EntryOutcome]) -> None:
    for outcome in outcomes:
        if isinstance(outcome, InvalidEntry):
            raise BundleError(outcome.reason, entry_index=outcome.index)


def _raise_duplicate_full_urls(outcomes: list[EntryOutcome]) -> None:
    """Two entries with one fullUrl make every reference to it ambiguous: refuse the bundle
    rather than link a report to the wrong result."""
    first_entry: dict[str, int] = {}
    for outcome in outcomes:
        full_url = getattr(outcome, "full_url", "")
        if not full_url:
            continue
        if full_url in first_entry:
            raise BundleError(
                f"entries {first_entry[full_url]} and {outcome.index} have the same fullUrl "
                f"{full_url}; each entry needs its own",
                entry_index=outcome.index,
            )
        first_entry[full_url] = outcome.index


def _references_of(outcomes: list[EntryOutcome]) -> list[str]:
    references: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, MappedEntry):
            row = outcome.row
            references.extend(reference for reference, _type in row.references.values())
            references.extend(row.result_references)
            references.append(row.medication_reference)
            references.extend(
                reason["reference"]
                for reason in row.fields.get("reasons") or []
                if "reference" in reason
            )
    return references


def _resolve(
    outcomes: list[EntryOutcome],
    resolver: ReferenceResolver,
    source_system: str,
    counts: dict[str, TypeCounts],
    answered: set[int],
) -> dict[str, list[PendingRecord]]:
    """The records to write, references resolved. `answered` are the conditional creates a
    record imported before stands for: they are counted as unchanged and not written."""
    pending: dict[str, list[PendingRecord]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    for outcome in outcomes:
        if isinstance(outcome, SkippedEntry):
            counts[outcome.resource_type].skipped += 1
            continue
        assert isinstance(outcome, MappedEntry)  # noqa: S101 - invalid entries raised above
        row = outcome.row
        if outcome.index in answered:
            counts[row.resource_type].unchanged += 1
            continue
        key = (row.resource_type, row.fhir_id)
        if key in seen:
            raise BundleError(
                f"{row.resource_type}/{row.fhir_id} is already in the bundle at entry {seen[key]}",
                entry_index=outcome.index,
            )
        seen[key] = outcome.index
        foreign_keys = {
            name: resolver.resolve(reference, target_type, outcome.index)
            for name, (reference, target_type) in row.references.items()
        }
        # What a reference by identifier or to a Medication entry brings in is not part of the
        # resource's own text: fold it into the hash, so a change to it is seen as an update.
        derived = [
            f"{name}={foreign_keys[name]}"
            for name, (reference, _type) in sorted(row.references.items())
            if is_conditional(reference)
        ]
        derived.extend(_resolve_reasons(row.fields, resolver, outcome.index))
        if row.medication_reference:
            code = resolver.medication(row.medication_reference, outcome.index)
            if code is not None:
                row.fields.update(medication_fields(code, row.fields))
                derived.append(f"medication={sorted(code.items())}")
        if derived:
            row.content_hash = hashlib.sha256(
                "|".join([row.content_hash, *derived]).encode()
            ).hexdigest()
        model = STORED_TYPES[row.resource_type]
        _check_lengths(model, row.resource_type, row.fields, outcome.index)
        if issubclass(model, clinical.PatientRecord) and foreign_keys.get("patient") is None:
            # Not about a patient (a Group or a Device, say): nothing Lantern can show.
            counts[row.resource_type].skipped += 1
            continue
        pk = clinical.record_uuid(source_system, row.resource_type, row.fhir_id)
        record = PendingRecord(outcome, pk, foreign_keys, row.content_hash)
        for reference in row.result_references:
            observation = resolver.resolve(reference, "Observation", outcome.index)
            if observation is not None and observation not in record.result_pks:
                record.result_pks.append(observation)
        pending[row.resource_type].append(record)
    return pending


def _resolve_reasons(
    fields: dict[str, Any], resolver: ReferenceResolver, entry_index: int
) -> list[str]:
    """Replace each reason given by reference with the record it names, called by that record's
    name when the bundle holds it (else by the reference's display, until
    `_name_reasons_outside`). Returns what the reasons bring in from other entries, for the
    record's hash."""
    if not fields.get("reasons"):
        return []
    reasons, derived = [], []
    for reason in fields["reasons"]:
        target = (
            resolver.target(reason["reference"], entry_index) if "reference" in reason else None
        )
        if target is not None:
            resource_type, fhir_id = target
            name = resolver.names.get(target) or reason["name"]
            reasons.append({"name": name, "resource_type": resource_type, "fhir_id": fhir_id})
            derived.append(f"reason={resource_type}/{fhir_id}={name}")
        elif "reference" not in reason:
            reasons.append(reason)
        elif reason["name"]:
            # A record Lantern does not keep (a contained one, say): its display alone.
            reasons.append({"name": reason["name"]})
    fields["reasons"] = reasons
    fields["reason_display"] = _first_reason_name(reasons)
    return derived


def _first_reason_name(reasons: list[dict[str, Any]]) -> str:
    name = next((reason["name"] for reason in reasons if reason.get("name")), "")
    return name[:REASON_DISPLAY_LENGTH]


def _name_reasons_outside(pending: dict[str, list[PendingRecord]], source_system: str) -> None:
    """Name the reasons that are records imported before (not in the bundle) by those records'
    names, one query per type, folding each name into the hash of the record that gives it."""
    wanted: dict[str, set[str]] = defaultdict(set)
    in_bundle = {
        (resource_type, record.entry.row.fhir_id)
        for resource_type, records in pending.items()
        for record in records
    }
    giving = [
        record
        for resource_type in ("MedicationRequest", "Procedure")
        for record in pending.get(resource_type, [])
        if record.entry.row.fields.get("reasons")
    ]
    for record in giving:
        for reason in record.entry.row.fields["reasons"]:
            key = (reason.get("resource_type", ""), reason.get("fhir_id", ""))
            if key[1] and key not in in_bundle:
                wanted[key[0]].add(key[1])
    names: dict[tuple[str, str], str] = {}
    for resource_type, fhir_ids in wanted.items():
        model = STORED_TYPES[resource_type]
        for fhir_id, display in model.objects.filter(
            source_system=source_system, fhir_id__in=sorted(fhir_ids)
        ).values_list("fhir_id", "display"):
            names[(resource_type, fhir_id)] = display
    if not names:
        return
    for record in giving:
        fields = record.entry.row.fields
        found = []
        for reason in fields["reasons"]:
            name = names.get((reason.get("resource_type", ""), reason.get("fhir_id", "")))
            if name:
                reason["name"] = name
                found.append(name)
        if found:
            fields["reason_display"] = _first_reason_name(fields["reasons"])
            record.content_hash = hashlib.sha256(
                "|".join([record.content_hash, *found]).encode()
            ).hexdigest()


def _store_document_files(records: list[PendingRecord]) -> None:
    """Write the files documents carry inline (before the records that name them are)."""
    for record in records:
        row = record.entry.row
        if row.file_content:
            document_file_store(row.fields["content_file"], row.file_content)


def _check_lengths(model, resource_type: str, fields: dict[str, Any], entry_index: int) -> None:
    """Refuse values longer than their column, the same way on every database engine."""
    for name, limit in _length_limits(model):
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise BundleError(
                f"{resource_type} {name.replace('_', ' ')} is longer than {limit} characters",
                entry_index=entry_index,
            )


@cache
def _length_limits(model) -> list[tuple[str, int]]:
    return [
        (field.name, field.max_length)
        for field in model._meta.concrete_fields
        if isinstance(field, CharField) and field.max_length
    ]


def _default_managing_organizations(pending: dict[str, list[PendingRecord]]) -> None:
    """A patient without a managing organization belongs to the provider of their latest visit.

    The derived value is folded into the record's hash, so a later bundle that changes it is
    seen as an update.
    """
    latest_provider: dict[uuid.UUID, tuple[Any, uuid.UUID]] = {}
    for record in pending.get("Encounter", []):
        patient, provider = (
            record.foreign_keys.get("patient"),
            record.foreign_keys.get("service_provider"),
        )
        start = record.entry.row.fields.get("period_start")
        if patient is None or provider is None or start is None:
            continue
        if patient not in latest_provider or start > latest_provider[patient][0]:
            latest_provider[patient] = (start, provider)
    for record in pending.get("Patient", []):
        if (
            record.foreign_keys.get("managing_organization") is None
            and record.pk in latest_provider
        ):
            provider = latest_provider[record.pk][1]
            record.foreign_keys["managing_organization"] = provider
            record.content_hash = hashlib.sha256(
                f"{record.content_hash}|{provider}".encode()
            ).hexdigest()


def _write_records(
    model: type[clinical.SourcedRecord],
    records: list[PendingRecord],
    source_system: str,
    counts: TypeCounts,
) -> list[PendingRecord]:
    """Create new records, update changed ones; return those created or updated."""
    stored_hashes: dict[uuid.UUID, str] = {}
    for batch in batched([record.pk for record in records], BATCH_SIZE):
        stored_hashes.update(model.objects.filter(pk__in=batch).values_list("pk", "content_hash"))
    now = timezone.now()
    to_create = [record for record in records if record.pk not in stored_hashes]
    to_update = [
        _instance(model, record, source_system, now)
        for record in records
        if record.pk in stored_hashes and stored_hashes[record.pk] != record.content_hash
    ]
    fields = _insert_fields(model)
    # In batches, so one type's column values are never all built at once (peak memory).
    for batch in batched(to_create, BATCH_SIZE):
        insert_values(model, [_values(fields, record, source_system, now) for record in batch])
    if to_update:
        fields = [f.name for f in model._meta.concrete_fields if f.name not in NOT_UPDATED]
        model.objects.bulk_update(to_update, fields, batch_size=200)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    counts.unchanged += len(records) - len(to_create) - len(to_update)
    changed = {record.pk for record in to_create} | {instance.pk for instance in to_update}
    return [record for record in records if record.pk in changed]


def _values(fields: list, record: PendingRecord, source_system: str, now) -> list[Any]:
    """A new record's column values, in the order of `fields`; unmapped columns take defaults."""
    known = {
        "id": record.pk,
        "source_system": source_system,
        "fhir_id": record.entry.row.fhir_id,
        "content_hash": record.content_hash,
        "created_at": now,
        "updated_at": now,
        **record.entry.row.fields,
        **{f"{name}_id": pk for name, pk in record.foreign_keys.items()},
    }
    return [known[f.attname] if f.attname in known else f.get_default() for f in fields]


def _instance(model, record: PendingRecord, source_system: str, now) -> clinical.SourcedRecord:
    instance = model(
        id=record.pk,
        source_system=source_system,
        fhir_id=record.entry.row.fhir_id,
        content_hash=record.content_hash,
        **record.entry.row.fields,
        **{f"{name}_id": pk for name, pk in record.foreign_keys.items()},
    )
    instance.created_at = instance.updated_at = now
    return instance


def _patients_of(records: list[PendingRecord]) -> set[uuid.UUID]:
    patients = set()
    for record in records:
        if record.entry.row.resource_type == "Patient":
            patients.add(record.pk)
        elif record.foreign_keys.get("patient") is not None:
            patients.add(record.foreign_keys["patient"])
    return patients


def _write_report_results(reports: dict[uuid.UUID, PendingRecord]) -> None:
    """(Re)link each created or updated report to its observations, in the report's order."""
    report_pks = list(reports)
    for batch in batched(report_pks, BATCH_SIZE):
        clinical.DiagnosticReportResult.objects.filter(report_id__in=batch).delete()
    links = [
        clinical.DiagnosticReportResult(
            report_id=report_pk, observation_id=observation, position=position
        )
        for report_pk, record in reports.items()
        for position, observation in enumerate(record.result_pks)
    ]
    insert_rows(clinical.DiagnosticReportResult, links)


def insert_rows(model, instances: list) -> None:
    """Insert model instances (the report-result links) through the fast path."""
    fields = _insert_fields(model)
    insert_values(model, [[getattr(obj, f.attname) for f in fields] for obj in instances])


def insert_values(model, rows: list[list[Any]]) -> None:
    """Insert new rows fast: PostgreSQL's COPY, or one prepared INSERT run for many rows.

    `rows` hold Python values in the order of `_insert_fields(model)`. Django's bulk_create spends
    more time building SQL than the database spends storing rows; values still go through each
    field's own conversion, so they are stored as the ORM would store them.
    """
    if not rows:
        return
    fields = _insert_fields(model)
    converters = [_converter(field) for field in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [convert(value) for convert, value in zip(converters, row, strict=False)]
                    )
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608 - model names
                [
                    [convert(value) for convert, value in zip(converters, row, strict=False)]
                    for row in rows
                ],
            )


def _insert_fields(model) -> list:
    """Every stored column but a database-generated integer id or a generated column."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.generated
        and not (f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField"})
    ]


def _converter(field) -> Any:
    # psycopg adapts str, numbers, bools, UUIDs and aware datetimes itself; JSON needs wrapping.
    # Elsewhere (SQLite) every value goes through the field's own conversion.
    if connection.vendor == "postgresql":
        if isinstance(field, JSONField):
            return lambda value: Jsonb(value)
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)
