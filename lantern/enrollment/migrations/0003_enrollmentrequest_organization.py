"""Tie each sign-up request to the clinic the person asked.

Requests sent before this change stay without a clinic: nothing recorded says which clinic the
person meant, so none is guessed. Who may see them is decided in
`lantern.enrollment.selectors.enrollment_requests_visible_to`.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0002_patient_index_from_composites"),
        ("enrollment", "0002_publish_terms_2026_11"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollmentrequest",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollment_requests",
                to="clinical.organization",
            ),
        ),
        migrations.AddIndex(
            model_name="enrollmentrequest",
            index=models.Index(
                fields=["organization", "status", "-created_at"],
                name="enrollment_request_org_queue",
            ),
        ),
    ]
