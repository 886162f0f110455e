"""manage.py issue_activation_code MRN: issue a code at the command line and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical.models import Patient
from lantern.enrollment.services import activation_code_issue


class Command(BaseCommand):
    help = "Issue an activation code for the patient with this MRN (revoking any older code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mrn", help="The patient's medical record number.")

    def handle(self, *args: Any, mrn: str, **options: Any) -> None:
        patients = list(Patient.objects.filter(mrn=mrn)[:2])
        if not patients:
            raise CommandError(f"No patient has the MRN {mrn!r}. Check the number and try again.")
        if len(patients) > 1:
            count = Patient.objects.filter(mrn=mrn).count()
            raise CommandError(
                f"{count} patients have the MRN {mrn!r}. Issue the code from the staff console, "
                "where you can choose the patient."
            )
        if hasattr(patients[0], "account"):
            raise CommandError(f"The patient with the MRN {mrn!r} already has an account.")
        # Whoever can run manage.py operates the whole deployment, so the command acts for the
        # patient as the system, outside any clinic's scope; the audit trail records it so.
        access = PatientAccess(user=None, patient=patients[0], role=ActorRole.SYSTEM)  # type: ignore[arg-type]
        issued = activation_code_issue(actor=None, access=access)
        expires = timezone.localtime(issued.expires_at)
        self.stdout.write(f"Activation code: {issued.code}")
        self.stdout.write(f"Expires: {expires:%Y-%m-%d %H:%M %Z}")
