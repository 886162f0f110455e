"""What a newcomer can try with the demo data: sign-ups, activation codes, recovery, flags."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lantern.accounts.models import User
from lantern.clinical.models import Observation, Patient
from lantern.demo.services import DEMO_CHILDREN, DEMO_SOURCE_SYSTEM
from lantern.enrollment.models import EnrollmentRequest, EnrollmentRequestStatus
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings, tmp_path: Path) -> str:
    settings.VAR_DIR = tmp_path
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def test_the_demo_staff_clinic_holds_every_demo_patient(loaded):
    nurse = User.objects.get(username="demo-nurse")
    clinic = nurse.staff_memberships.get().organization

    demo_patients = Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM)
    # Three from Synthea's bundles and the demo parent's two children.
    assert demo_patients.count() == 3 + len(DEMO_CHILDREN)
    assert set(demo_patients.values_list("managing_organization", flat=True)) == {clinic.pk}


def test_demo_patients_without_an_account_and_one_sign_up_waiting(loaded):
    nurse = User.objects.get(username="demo-nurse")
    without_account = Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM, account__isnull=True)
    request = EnrollmentRequest.objects.get()

    # Mathilda, Elsa and the demo parent's children (whose parent acts for them).
    assert without_account.count() == 2 + len(DEMO_CHILDREN)
    assert request.status == EnrollmentRequestStatus.PENDING
    assert request.organization == nurse.staff_memberships.get().organization
    queue = sign_in(Client(), nurse).get(reverse("staff:enrollment_requests")).content.decode()
    assert "Mathilda" in queue


def test_the_demo_patient_email_is_confirmed_so_recovery_can_be_tried(loaded):
    account = User.objects.get(username="demo-patient")

    assert account.has_verified_email
    assert "account recovery can be tried" in loaded


def test_a_demo_result_has_a_range_and_a_high_flag(loaded):
    flagged = Observation.objects.filter(
        source_system=DEMO_SOURCE_SYSTEM, interpretation="H", reference_high__isnull=False
    ).get()

    assert flagged.value_quantity > flagged.reference_high
    assert flagged.patient.account.username == "demo-patient"


def test_a_second_load_keeps_the_confirmation_the_request_and_the_ranges(loaded):
    confirmed_at = User.objects.get(username="demo-patient").email_verified_at

    call_command("load_demo", stdout=io.StringIO())

    assert User.objects.get(username="demo-patient").email_verified_at == confirmed_at
    assert EnrollmentRequest.objects.count() == 1
    assert Observation.objects.filter(source_system=DEMO_SOURCE_SYSTEM).exclude(
        reference_high=None
    ).count() == 2 + len(DEMO_CHILDREN)
