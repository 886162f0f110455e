from django.db import migrations, models

from lantern.core.migration_operations import AddIndexKeepingWrites, RemoveIndexKeepingWrites


class Migration(migrations.Migration):
    # CREATE and DROP INDEX CONCURRENTLY cannot run in a transaction: pages keep writing the
    # audit trail meanwhile. The new index is built before the old one goes, so the access log
    # always has one.
    atomic = False

    dependencies = [
        ("audit", "0006_access_log_index_by_time"),
    ]

    operations = [
        AddIndexKeepingWrites(
            model_name="auditevent",
            index=models.Index(
                fields=["patient", "actor_role", "actor", "-occurred_at", "-id"],
                name="audit_event_patient_actor",
            ),
        ),
        RemoveIndexKeepingWrites(model_name="auditevent", name="audit_event_patient_role"),
    ]
