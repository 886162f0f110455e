"""ADT^A04/A08/A31 register and update patients; A40 and other messages are refused (AR)."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.audit.models import AuditAction, AuditEvent
from lantern.clinical.models import Patient
from lantern.hl7v2.contract import AckCode
from lantern.testing.factories import PatientFactory

from .handle_support import message, run

pytestmark = pytest.mark.django_db

PID = (
    "PID|1||{mrn}^^^RIVERSIDE^MR~123-45-6789^^^SSA^SS||{family}^{given}^Q^^Ms.||19750412|F|||"
    "12 Elm Street^Apt 4^Springfield^IL^62701^USA||"
    "^PRN^PH^^1^217^5550123~^NET^Internet^jo@example.org"
)


def adt(trigger: str, *, mrn: str = "MRN-77", family: str = "Rivera", given: str = "Jo") -> str:
    return message(
        "EVN|" + trigger,
        PID.format(mrn=mrn, family=family, given=given),
        type=f"ADT^{trigger}",
        control=f"ADT-{trigger}-{mrn}-{family}",
    )


def test_a04_registers_a_new_patient_at_the_clinic(clinic, nora):
    outcome = run(adt("A04"))

    assert outcome.code == AckCode.ACCEPTED
    patient = Patient.objects.get()
    assert outcome.patient == patient
    assert (patient.mrn, patient.managing_organization) == ("MRN-77", clinic)
    assert (patient.prefix, patient.given_names, patient.family_name) == ("Ms.", "Jo Q", "Rivera")
    assert (patient.birth_date, patient.sex) == (dt.date(1975, 4, 12), "female")
    assert (patient.address_line, patient.city, patient.state, patient.postal_code) == (
        "12 Elm Street, Apt 4",
        "Springfield",
        "IL",
        "62701",
    )
    assert (patient.phone, patient.email) == ("2175550123", "jo@example.org")
    assert [identifier["type"] for identifier in patient.identifiers] == ["MR"]
    event = AuditEvent.objects.get(object_type="Patient")
    assert (event.action, event.patient_id, event.actor_role) == (
        AuditAction.CREATE,
        patient.pk,
        "system",
    )


def test_a04_for_a_patient_the_clinic_has_updates_them(clinic, nora):
    existing = PatientFactory(mrn="MRN-77", managing_organization=clinic, family_name="Old")

    outcome = run(adt("A04"))

    assert (outcome.code, outcome.patient) == (AckCode.ACCEPTED, existing)
    existing.refresh_from_db()
    assert existing.family_name == "Rivera"
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("trigger", ["A08", "A31"])
def test_a08_and_a31_update_the_patient_and_keep_their_record_number(clinic, nora, trigger):
    existing = PatientFactory(mrn="MRN-77", managing_organization=clinic, source_system="emr")

    outcome = run(adt(trigger, family="Rivera-Lopez"))

    assert outcome.code == AckCode.ACCEPTED
    existing.refresh_from_db()
    assert (existing.family_name, existing.given_names, existing.mrn) == (
        "Rivera-Lopez",
        "Jo Q",
        "MRN-77",
    )
    assert existing.source_system == "emr"
    assert AuditEvent.objects.get(object_type="Patient").action == AuditAction.UPDATE


@pytest.mark.parametrize("trigger", ["A08", "A31"])
def test_a08_and_a31_for_an_unknown_patient_are_ae_patient_not_found(clinic, nora, trigger):
    outcome = run(adt(trigger))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "patient not found",
        "PID^1^3",
    )
    assert not Patient.objects.exists()


def test_a_replayed_update_goes_to_the_patient_staff_matched(clinic, nora):
    existing = PatientFactory(mrn="MRN-1", managing_organization=clinic)

    outcome = run(adt("A08", mrn="OTHER-NUMBER"), patient=existing)

    assert outcome.code == AckCode.ACCEPTED
    existing.refresh_from_db()
    # The record number patients are matched on is not changed by a feed.
    assert (existing.family_name, existing.mrn) == ("Rivera", "MRN-1")


def test_a40_merge_is_rejected(clinic, nora):
    outcome = run(adt("A40"))

    assert (outcome.code, outcome.reason) == (AckCode.REJECTED, "merge is not supported")


@pytest.mark.parametrize(
    "message_type", ["ADT^A01", "ADT^A03", "ORM^O01", "MDM^T02", "ORU^R03", "SIU^S17", "ZZZ^Z01"]
)
def test_anything_else_is_rejected_as_not_supported(clinic, nora, message_type):
    outcome = run(message("PID|1||MRN-77^^^X^MR", type=message_type))

    assert (outcome.code, outcome.reason) == (AckCode.REJECTED, "message type not supported")
    assert outcome.error_location.startswith("MSH^1^9")


def test_a_sex_outside_table_0001_is_ae_at_pid_8(clinic, nora):
    outcome = run(message("PID|1||MRN-9^^^X^MR||Doe^Jo||19800101|Q", type="ADT^A04"))

    assert (outcome.code, outcome.error_location) == (AckCode.ERROR, "PID^1^8")
    assert not Patient.objects.exists()


def test_a_birth_date_that_is_not_a_date_is_ae_at_pid_7(clinic, nora):
    outcome = run(message("PID|1||MRN-9^^^X^MR||Doe^Jo||1980-01-01|F", type="ADT^A04"))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "PID has a date that cannot be read",
        "PID^1^7",
    )


def test_a04_without_a_record_number_is_ae(clinic, nora):
    outcome = run(message("PID|1||999-99-9999^^^SSA^SS||Doe^Jo", type="ADT^A04"))

    assert (outcome.code, outcome.reason) == (AckCode.ERROR, "PID-3 has no medical record number")
