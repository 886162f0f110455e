"""VXU^V04: vaccines given, refused or deleted."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.clinical.models import Immunization
from lantern.hl7v2.contract import AckCode

from .handle_support import message, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(alice):
    alice.patient.mrn = "MRN-A"
    alice.patient.save(update_fields=["mrn"])
    return alice.patient


def vxu(rxa: str, *, order: str = "IZ-1", control: str = "VXU-1") -> str:
    return message(
        "PID|1||MRN-A^^^RIVERSIDE^MR||Adams^Alice",
        f"ORC|RE||{order}",
        rxa,
        type="VXU^V04",
        control=control,
    )


GIVEN = (
    "RXA|0|1|20260215103000-0500||08^Hep B, adolescent or pediatric^CVX|0.5|mL||"
    "00^New record^NIP001||||||LOT-9||MSD^Merck^MVX|||CP|A"
)


def test_a_vaccine_given_is_completed_with_its_cvx_code_time_and_lot(patient):
    outcome = run(vxu(GIVEN))

    assert outcome.code == AckCode.ACCEPTED
    vaccine = Immunization.objects.get()
    assert (vaccine.patient, vaccine.fhir_id, vaccine.status) == (patient, "RXA.IZ-1", "completed")
    assert (vaccine.code_system, vaccine.code, vaccine.display) == (
        "http://hl7.org/fhir/sid/cvx",
        "08",
        "Hep B, adolescent or pediatric",
    )
    assert vaccine.occurred_at == dt.datetime(2026, 2, 15, 15, 30, tzinfo=dt.UTC)
    assert vaccine.date_precisions == {}
    assert (vaccine.lot_number, vaccine.primary_source) == ("LOT-9", True)


def test_a_refused_vaccine_is_not_done_and_a_history_is_not_a_primary_source(patient):
    refused = GIVEN.replace("|||CP|A", "|||RE|A").replace("00^New record", "01^Historical")

    run(vxu(refused))

    vaccine = Immunization.objects.get()
    assert (vaccine.status, vaccine.primary_source) == ("not-done", False)


def test_a_deleted_vaccine_resent_is_entered_in_error(patient):
    run(vxu(GIVEN))
    run(vxu(GIVEN.replace("|||CP|A", "|||CP|D"), control="VXU-2"))

    assert Immunization.objects.get().status == "entered-in-error"


def test_a_vxu_without_rxa_is_ae(patient):
    outcome = run(message("PID|1||MRN-A^^^RIVERSIDE^MR", type="VXU^V04"))

    assert (outcome.code, outcome.reason) == (AckCode.ERROR, "the message has no RXA segment")


def test_a_vaccine_for_an_unknown_patient_is_ae(patient):
    outcome = run(vxu(GIVEN).replace("MRN-A", "MRN-X"))

    assert (outcome.code, outcome.reason) == (AckCode.ERROR, "patient not found")
    assert not Immunization.objects.exists()
