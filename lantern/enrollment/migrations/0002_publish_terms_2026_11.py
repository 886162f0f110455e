"""Publish the first terms of use, version 2026-11."""

import datetime as dt

from django.db import migrations

VERSION = "2026-11"
PUBLISHED_AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
BODY = """These terms explain how you may use this patient portal. Please read them.

1. Your account is for you. Do not share your username, password or sign-in codes with anyone. If you want someone to help with your care, ask the clinic about proxy access.

2. Keep your details up to date. Tell us if your email address or phone number changes, so that messages and codes reach you.

3. The portal is not for emergencies. If you need urgent help, call 911 or go to the nearest emergency room. Messages are answered during office hours.

4. Your health record may contain results before your care team has talked with you about them. If something worries you, contact the clinic.

5. We keep your information private and safe. We record who looks at your record. We never ask for your password by email, text or phone.

6. Use the portal only for your own care or the care of people you are allowed to act for. Do not try to see other people's records or to break the portal.

7. We may change these terms. When we do, we will show you the new terms the next time you sign in, and you need to accept them to go on.

8. You can stop using the portal at any time. Call the clinic to close your account. Your health record stays with the clinic.
"""


def publish(apps, schema_editor):
    TermsVersion = apps.get_model("enrollment", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version=VERSION, defaults={"body": BODY, "published_at": PUBLISHED_AT}
    )


def unpublish(apps, schema_editor):
    TermsVersion = apps.get_model("enrollment", "TermsVersion")
    TermsVersion.objects.filter(version=VERSION, acceptances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(publish, unpublish)]
