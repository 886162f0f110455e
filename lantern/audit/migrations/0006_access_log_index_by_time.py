from django.db import migrations, models

from lantern.core.migration_operations import AddIndexKeepingWrites


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction: pages keep writing the audit trail
    # while the index is built.
    atomic = False

    dependencies = [
        ("audit", "0005_access_log_index_by_role"),
    ]

    operations = [
        AddIndexKeepingWrites(
            model_name="auditevent",
            index=models.Index(
                fields=["patient", "actor_role", "-occurred_at", "-id"],
                name="audit_event_patient_time",
            ),
        ),
    ]
