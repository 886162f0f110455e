"""python manage.py load_demo"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lantern.demo.services import DemoDataError, DemoLoadResult, demo_data_load


class Command(BaseCommand):
    help = (
        "Load the demo data: three synthetic patients (Synthea FHIR bundles) and four accounts "
        "to sign in with (a patient, a nurse, a clinician and an administrator), then print "
        "their sign-ins. "
        "Safe to run again: nothing is duplicated and the passwords stay the same."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_data_load()
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(import_summary(result))
        self.stdout.write(factors_table(result))
        self.stdout.write(logins_table(result))


def import_summary(result: DemoLoadResult) -> str:
    counts = result.report.types.values()
    created = sum(c.created for c in counts)
    updated = sum(c.updated for c in counts)
    unchanged = sum(c.unchanged for c in counts)
    skipped = sum(c.skipped for c in counts)
    return (
        f"Demo data: {result.report.files} bundles, {created} records created, {updated} updated, "
        f"{unchanged} unchanged ({skipped} resources of kinds Lantern does not keep were skipped)."
    )


def factors_table(result: DemoLoadResult) -> str:
    """The second step of each demo sign-in: the authenticator secret and the backup codes."""
    lines = [
        f"Demo second factors (saved in {result.logins_path}): type the secret into an "
        "authenticator app, or use a backup code once:"
    ]
    for login in result.logins:
        if login.factors is None:
            continue
        factors = login.factors
        lines.append(f"  {login.username}: authenticator secret {factors.authenticator_secret}")
        lines.append(f"  {login.username}: backup codes {' '.join(factors.backup_codes)}")
    return "\n".join(lines)


def logins_table(result: DemoLoadResult) -> str:
    width = max(len(login.username) for login in result.logins)
    lines = [f"Demo sign-ins (saved in {result.logins_path}):"]
    for login in result.logins:
        lines.append(f"  {login.username:<{width}}  {login.password}  {login.description}")
    return "\n".join(lines)
