"""The demo clinic has a named clinician, demo-doctor, whom the demo patient can write to."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import patient_access, patients_for
from lantern.accounts.models import User
from lantern.appointments.models import Appointment
from lantern.clinical.models import Patient
from lantern.demo.services import DEMO_PATIENT_FHIR_ID, DEMO_SOURCE_SYSTEM, LOGINS_FILE_NAME
from lantern.messaging.selectors import recipients_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def demo_patient() -> Patient:
    return Patient.objects.get(source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID)


def doctor_state() -> dict[str, object]:
    doctor = User.objects.get(username="demo-doctor")
    return {
        "user": User.objects.filter(pk=doctor.pk).values().get(),
        "memberships": list(StaffMembership.objects.filter(user=doctor).values()),
        "devices": list(TOTPDevice.objects.filter(user=doctor).values()),
        "codes": sorted(
            StaticToken.objects.filter(device__user=doctor).values_list("token", flat=True)
        ),
    }


def test_demo_doctor_is_a_clinician_at_the_demo_clinic_who_sees_its_patients(var_dir):
    load_demo()
    doctor = User.objects.get(username="demo-doctor")
    clinic = demo_patient().managing_organization

    membership = doctor.staff_memberships.get()
    assert (membership.organization, membership.role) == (clinic, StaffRole.CLINICIAN)
    assert membership.is_active
    assert not doctor.is_staff and not doctor.is_superuser
    assert doctor.get_full_name() == "Dev Demo"
    assert set(patients_for(doctor)) == set(Patient.objects.filter(managing_organization=clinic))


def test_the_demo_patient_can_write_to_the_demo_doctor_by_name(var_dir):
    load_demo()
    patient_account = User.objects.get(username="demo-patient")
    access = patient_access(patient_account, patient_account.patient_id)

    recipients = recipients_for(access=access)

    clinicians = [r for r in recipients if r.clinician is not None]
    assert [(r.label, r.clinician.username) for r in clinicians] == [("Dev Demo", "demo-doctor")]


def test_demo_doctor_gets_an_authenticator_app_and_backup_codes_printed_and_saved(var_dir):
    output = load_demo()

    doctor = User.objects.get(username="demo-doctor")
    device = TOTPDevice.objects.get(user=doctor, confirmed=True)
    secret = base64.b32encode(device.bin_key).decode()
    assert f"demo-doctor: authenticator secret {secret}" in output
    assert StaticToken.objects.filter(device__user=doctor).count() == 10
    saved = (var_dir / LOGINS_FILE_NAME).read_text().splitlines()
    assert f"clinician      demo-doctor   authenticator {secret}" in saved
    sign_ins = output.split("Demo sign-ins", 1)[1]
    assert "demo-doctor" in sign_ins
    assert "clinician at" in sign_ins


def test_loading_again_leaves_the_demo_doctor_as_it_was(var_dir):
    load_demo()
    before = doctor_state()
    saved = (var_dir / LOGINS_FILE_NAME).read_text()

    load_demo()

    assert doctor_state() == before
    assert (var_dir / LOGINS_FILE_NAME).read_text() == saved
    assert User.objects.filter(username="demo-doctor").count() == 1


def test_a_demo_loaded_before_the_doctor_existed_gains_the_doctor_and_keeps_other_passwords(
    var_dir,
):
    load_demo()
    logins_file = var_dir / LOGINS_FILE_NAME
    older = [line for line in logins_file.read_text().splitlines() if "demo-doctor" not in line]
    logins_file.write_text("\n".join(older) + "\n")
    # That older demo had no appointments either (they keep their clinician).
    Appointment.objects.filter(clinician__username="demo-doctor").delete()
    User.objects.filter(username="demo-doctor").delete()

    load_demo()

    updated = logins_file.read_text().splitlines()
    assert all(line in updated for line in older)
    assert sum("demo-doctor" in line for line in updated) == 3
    assert User.objects.get(username="demo-doctor").staff_memberships.count() == 1
