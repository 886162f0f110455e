"""What the admin writes to the audit trail: no audit pages here (the trail is read with the
tools in docs/security.md), only the helper the account and membership admins call.

An admin change is a security event about the account it changes (the subject), by the admin
user, naming the changed fields and never their values.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from .models import AuditAction
from .services import security_event_record

# The longest list of field names an event's object id holds (its column is 64 characters).
OBJECT_ID_LENGTH = 64


def changed_fields_label(names: Iterable[str]) -> str:
    """The changed fields' names for an event's object id: as many as fit, then "+N" more."""
    names = sorted(names)
    label = ""
    for count, name in enumerate(names):
        candidate = f"{label},{name}" if label else name
        rest = len(names) - count - 1
        if len(candidate) + (len(f",+{rest}") if rest else 0) > OBJECT_ID_LENGTH:
            return f"{label},+{len(names) - count}" if label else f"+{len(names)}"
        label = candidate
    return label


def admin_change_record(
    *,
    request: HttpRequest,
    action: AuditAction,
    subject,
    fields: Iterable[str],
    object_type: str = "account",
) -> None:
    """Write one security event for one change made in the admin, in its transaction."""
    security_event_record(
        action=action,
        subject=subject,
        actor=request.user,
        object_type=object_type,
        object_id=changed_fields_label(fields),
    )
