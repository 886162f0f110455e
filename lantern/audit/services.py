"""Writing the audit trail. Called by the access layer and by services, never by views."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.utils import timezone

from lantern.clinical.models import Patient
from lantern.core.context import current_request_context
from lantern.core.statements import InsertStatement

from .models import ActorRole, AuditAction, AuditEvent, AuditOutcome


def audit_event_record(
    *,
    actor,
    patient: Patient | None,
    role: ActorRole,
    action: AuditAction,
    outcome: AuditOutcome = AuditOutcome.ALLOWED,
    object_type: str = "",
    object_id: str = "",
    subject=None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event, with the source address and user agent of the current request.

    `subject` names the account the event is about when it is also a security event (an
    account linked to the patient's record). `actor_label` replaces the actor's username as the
    label (a connected app's name, for an event of role APP).
    """
    fields = _event_fields(actor, role, action, outcome, object_type, object_id)
    if actor_label is not None:
        fields["actor_label"] = actor_label[: AuditEvent._meta.get_field("actor_label").max_length]
    fields.update(patient=patient, subject=subject, occurred_at=timezone.now())
    # Every page writes one: its INSERT is built once per process (as AuditEvent.save would
    # write it: a new row, never an update).
    event_id = _INSERT.run(
        **{
            f"{name}_id" if name in _RELATIONS else name: (
                value.pk if name in _RELATIONS and value is not None else value
            )
            for name, value in fields.items()
        }
    )
    if event_id is None:
        return AuditEvent.objects.create(**fields)
    event = AuditEvent(id=event_id, **fields)
    event._state.adding = False
    event._state.db = router.db_for_write(AuditEvent)
    return event


_RELATIONS = {"actor", "patient", "subject"}
# Every column of an event but its key.
_INSERT = InsertStatement(
    AuditEvent,
    tuple(field.name for field in AuditEvent._meta.concrete_fields if not field.primary_key),
)


# The columns `audit_event_append` writes, by field name; the id is the database's.
_APPEND_FIELDS = (
    "occurred_at",
    "actor",
    "actor_label",
    "actor_role",
    "patient",
    "subject",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "channel",
    "ip_address",
    "user_agent",
)
# The INSERT of `audit_event_append`, written once per database.
_append_statements: dict[str, str] = {}


def audit_event_append(
    *,
    actor,
    patient: Patient | None,
    role: ActorRole,
    action: AuditAction,
    object_type: str = "",
    object_id: str = "",
    actor_label: str | None = None,
) -> None:
    """Append one allowed event like `audit_event_record`, as one INSERT that reads nothing back.

    Every read of patient data writes one, so it is cheap: no model instance is built and saved
    and no id is returned; the values are prepared by the model's own fields, so the row is the
    one `audit_event_record` writes (the audit seal hashes it the same way).
    """
    values = _event_fields(actor, role, action, AuditOutcome.ALLOWED, object_type, object_id)
    if actor_label is not None:
        values["actor_label"] = actor_label[: AuditEvent._meta.get_field("actor_label").max_length]
    values.update(occurred_at=timezone.now(), patient=patient, subject=None)
    alias = router.db_for_write(AuditEvent)
    connection = connections[alias]
    statement = _append_statements.get(alias)
    if statement is None:
        statement = _append_statements[alias] = _append_statement(connection)
    params = []
    for name in _APPEND_FIELDS:
        model_field = AuditEvent._meta.get_field(name)
        value = values[name]
        if model_field.is_relation:
            value = None if value is None else value.pk
        params.append(model_field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _append_statement(connection) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(AuditEvent._meta.get_field(name).column) for name in _APPEND_FIELDS)
    placeholders = ", ".join(["%s"] * len(_APPEND_FIELDS))
    # Only the model's own table and column names, quoted by the backend; values are parameters.
    return f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608


def security_event_record(
    *,
    action: AuditAction,
    subject,
    actor,
    outcome: AuditOutcome = AuditOutcome.ALLOWED,
    object_type: str = "account",
    object_id: str = "",
) -> AuditEvent:
    """Append a security event about an account (`subject`): sign-ins, failures, changes.

    `actor` is the signed-in account that acted: the subject itself, someone else (an
    administrator, staff resetting a factor) or None (a sign-in attempt, a task). Names no
    patient, so it never shows in a patient's access log.
    """
    if actor is None:
        role = ActorRole.NONE
    elif subject is not None and actor.pk == subject.pk:
        role = ActorRole.SELF
    else:
        role = ActorRole.STAFF
    fields = _event_fields(actor, role, action, outcome, object_type, object_id)
    return AuditEvent.objects.create(**fields, patient=None, subject=subject)


def audit_events_record_many(
    *,
    actor,
    patients: Iterable[Patient],
    role: ActorRole,
    action: AuditAction,
    object_type: str = "",
) -> None:
    """Append one event per patient in a single insert (imports touch many records at once)."""
    fields = _event_fields(actor, role, action, AuditOutcome.ALLOWED, object_type, "")
    AuditEvent.objects.bulk_create([AuditEvent(patient=patient, **fields) for patient in patients])


def _event_fields(actor, role, action, outcome, object_type, object_id) -> dict:
    context = current_request_context()
    authenticated = actor is not None and actor.is_authenticated
    return {
        "actor": actor if authenticated else None,
        "actor_label": actor.get_username() if authenticated else "",
        "actor_role": role,
        "action": action,
        "outcome": outcome,
        "object_type": object_type,
        "object_id": str(object_id),
        "channel": context.channel,
        "ip_address": context.ip_address,
        "user_agent": context.user_agent,
    }
