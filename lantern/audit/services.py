"""Writing the audit trail. Called by the access layer and by services, never by views."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import router
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
