"""Run by .ci/run as the web app's PostgreSQL role (`manage.py shell < .ci/app_role_check.py`).

The role may append to and read the audit trail, and nothing more there: this writes an event,
reads it back, and fails (exit 1) unless changing, deleting or emptying it is refused.
"""

import sys

from django.db import ProgrammingError, connection, transaction

from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.audit.services import audit_event_record

event = audit_event_record(
    actor=None, patient=None, role=ActorRole.SYSTEM, action=AuditAction.VIEW, object_type="ci"
)
if not AuditEvent.objects.filter(pk=event.pk, object_type="ci").exists():
    sys.exit("The app role cannot read back the audit event it wrote.")

allowed = []
for statement in (
    "UPDATE audit_auditevent SET object_type = 'tampered' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
    "TRUNCATE audit_auditevent",
    "UPDATE audit_auditseal SET event_count = 0 WHERE id = %s",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk] if "%s" in statement else None)
    except ProgrammingError as refusal:
        print(f"refused as expected: {statement.split(' WHERE')[0]} ({refusal})".strip())
    else:
        allowed.append(statement)

if allowed:
    print(f"The app role was allowed: {allowed}", file=sys.stderr)
    sys.exit(1)
print(f"The app role appends to and reads the audit trail (event {event.pk}), and no more.")
