"""The demo has pharmacies, the demo patient's usual one, a controlled medicine and a medicine
with no refills left, so every refill path can be tried (issue 14, point 5)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical.models import Patient
from lantern.demo.services import DEMO_PATIENT_FHIR_ID, DEMO_SOURCE_SYSTEM
from lantern.refills.eligibility import Next
from lantern.refills.models import ControlledMedicine, PatientPharmacy, Pharmacy
from lantern.refills.selectors import active_medication_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_patient_can_try_a_refill_a_renewal_and_a_controlled_medicine(var_dir):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    patient = Patient.objects.get(source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID)
    clinic = patient.managing_organization
    assert Pharmacy.objects.filter(organization=clinic).count() == 3
    assert PatientPharmacy.objects.get(patient=patient, is_default=True).pharmacy.name == (
        "Riverside Pharmacy"
    )
    assert ControlledMedicine.objects.filter(organization=clinic).count() == 1
    account = get_user_model().objects.get(patient=patient)
    rows = active_medication_rows(
        access=PatientAccess(user=account, patient=patient, role=ActorRole.SELF)
    )
    steps = {row.medication.display: row.eligibility.next_step for row in rows}
    assert steps["Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet"] == Next.CALL
    assert steps["120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler"] == (
        Next.RENEWAL
    )
    assert Next.REFILL in steps.values()
