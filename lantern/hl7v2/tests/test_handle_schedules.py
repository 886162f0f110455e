"""SIU^S12-S15: the clinic's scheduling system books, moves, changes and cancels visits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lantern.access.models import StaffRole
from lantern.appointments.models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    Location,
    ReminderStatus,
    VisitType,
)
from lantern.hl7v2.contract import AckCode
from lantern.testing.factories import StaffMembershipFactory, UserFactory

from .handle_support import message, run

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def patient(alice):
    alice.patient.mrn = "MRN-A"
    alice.patient.save(update_fields=["mrn"])
    return alice.patient


@pytest.fixture
def doctor(clinic):
    return StaffMembershipFactory(
        user=UserFactory(username="drlee", first_name="Sam", last_name="Lee"),
        organization=clinic,
        role=StaffRole.CLINICIAN,
    ).user


@pytest.fixture
def place(clinic):
    return Location.objects.create(
        organization=clinic, name="Main Street Office", time_zone="America/Chicago"
    )


def siu(
    trigger: str,
    *,
    start: str = "202603100900",
    minutes: int = 30,
    clinician: str = "Lee^Sam",
    place: str = "Main Street Office",
    status: str = "Booked",
    control: str = "",
) -> str:
    return message(
        f"SCH|PL-1|APPT-1||||ROUTINE^Routine|FOLLOWUP^Follow-up visit||||||||||||||||||{status}",
        "PID|1||MRN-A^^^RIVERSIDE^MR||Adams^Alice",
        "RGS|1",
        f"AIS|1||99213^Follow-up visit^CPT|{start}|||{minutes}|min",
        f"AIL|1||^^^{place}",
        f"AIP|1||77^{clinician}",
        type=f"SIU^{trigger}",
        control=control or f"SIU-{trigger}-{start}",
    )


def test_s12_books_a_visit_in_the_places_zone_with_reminders(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        outcome = run(siu("S12"))

    assert (outcome.code, outcome.patient) == (AckCode.ACCEPTED, patient)
    visit = Appointment.objects.get()
    assert (visit.clinician, visit.location) == (doctor, place)
    # 9:00 with no offset is 9:00 in Chicago (CDT on March 10, 2026).
    assert visit.starts_at == dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
    assert visit.ends_at - visit.starts_at == dt.timedelta(minutes=30)
    assert (visit.status, visit.booked_by, visit.booked_by_role) == ("booked", None, "system")
    assert visit.visit_type.name == "Follow-up visit"
    assert AppointmentReminder.objects.filter(appointment=visit).exists()


def test_s12_sent_twice_books_once(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        run(siu("S12"))

    assert Appointment.objects.count() == 1


def test_s12_uses_the_clinics_visit_type_of_that_name(patient, doctor, place, clinic):
    known = VisitType.objects.create(
        organization=clinic, name="follow-up VISIT", length_minutes=20, patients_may_book=True
    )

    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))

    assert Appointment.objects.get().visit_type == known


def test_s13_moves_the_visit_as_the_portal_moves_one(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        outcome = run(siu("S13", start="202603121000"))

    assert outcome.code == AckCode.ACCEPTED
    old = Appointment.objects.get(status=AppointmentStatus.CANCELLED)
    new = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert new.rescheduled_from == old
    assert old.cancellation_reason == "Moved to another time"
    assert new.starts_at == dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.UTC)
    assert not AppointmentReminder.objects.filter(
        appointment=old, status=ReminderStatus.PENDING
    ).exists()


def test_s14_changes_the_kind_of_visit_in_place(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        first = Appointment.objects.get()
        text = siu("S14", control="SIU-S14").replace(
            "99213^Follow-up visit^CPT", "99214^Long visit"
        )
        outcome = run(text)

    assert outcome.code == AckCode.ACCEPTED
    visit = Appointment.objects.get()
    assert visit.pk == first.pk
    assert visit.visit_type.name == "Long visit"


def test_s14_with_a_filler_status_marks_the_visit(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        run(siu("S14", status="Noshow", control="SIU-S14"))

    assert Appointment.objects.get().status == AppointmentStatus.NO_SHOW


def test_s15_cancels_the_visit_with_the_reason_sent(patient, doctor, place):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        text = siu("S15", control="SIU-S15").replace("ROUTINE^Routine", "PATCAN^Patient asked")
        outcome = run(text)

    assert outcome.code == AckCode.ACCEPTED
    visit = Appointment.objects.get()
    assert (visit.status, visit.cancellation_reason) == ("cancelled", "Patient asked")
    assert not AppointmentReminder.objects.filter(status=ReminderStatus.PENDING).exists()


def test_s15_for_a_visit_never_booked_is_ae(patient, doctor, place):
    outcome = run(siu("S15"))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "appointment not found",
        "SCH^1^2",
    )


def test_a_clinician_the_clinic_does_not_have_is_ae_at_aip_3(patient, doctor, place):
    outcome = run(siu("S12", clinician="Nobody^Pat"))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "clinician not found",
        "AIP^1^3",
    )
    assert not Appointment.objects.exists()


def test_a_visit_longer_than_a_day_is_ae_and_books_nothing(patient, doctor, place):
    # The day views read visits from a day before the span on (LONGEST_VISIT): none is longer.
    outcome = run(siu("S12", minutes=25 * 60))

    assert (outcome.code, outcome.reason, outcome.error_location) == (
        AckCode.ERROR,
        "the visit is longer than a day",
        "SCH^1^9",
    )
    assert not Appointment.objects.exists()


def test_a_time_the_clinician_already_has_a_visit_is_ae(patient, doctor, place, charlie):
    with time_machine.travel(NOW, tick=False):
        run(siu("S12"))
        charlie.patient.mrn = "MRN-C"
        charlie.patient.save(update_fields=["mrn"])
        clash = siu("S12", control="OTHER").replace("MRN-A", "MRN-C").replace("APPT-1", "APPT-2")
        outcome = run(clash)

    assert (outcome.code, outcome.reason) == (
        AckCode.ERROR,
        "the clinician has another visit at that time",
    )
    assert Appointment.objects.count() == 1


def test_an_unknown_place_is_added_to_the_clinic(patient, doctor, clinic):
    with time_machine.travel(NOW, tick=False):
        outcome = run(siu("S12", place="Annex"))

    assert outcome.code == AckCode.ACCEPTED
    assert Appointment.objects.get().location.name == "Annex"
    assert Location.objects.get().organization == clinic
