"""Booking, cancelling, moving and marking visits: who may, when, and what the database keeps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lantern.access.models import ProxyPermission
from lantern.access.policy import ObjectNotFound, PatientNotFound
from lantern.appointments.models import Appointment, AppointmentStatus, Location, VisitType
from lantern.appointments.services import (
    AppointmentError,
    SlotNotOpen,
    SlotTaken,
    TooLateToChange,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
)
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory

from .conftest import access_for, at, new_submission

pytestmark = pytest.mark.usefixtures("monday_morning")

WEDNESDAY = dt.date(2026, 1, 14)


@pytest.fixture
def book(checkup, location, doctor):
    def book_as(user, patient, start, *, submission_id=None, visit_type=None):
        return appointment_book(
            access=access_for(user, patient),
            visit_type=visit_type or checkup,
            location=location,
            clinician_id=doctor.pk,
            starts_at=start,
            submission_id=submission_id or new_submission(),
        )

    return book_as


def test_a_patient_books_an_open_time_and_it_is_audited(alice, book, doctor):
    appointment = book(alice, alice.patient, at(WEDNESDAY, 9))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at == at(WEDNESDAY, 9, 30)
    assert (appointment.booked_by, appointment.booked_by_role) == (alice, ActorRole.SELF)
    event = AuditEvent.objects.get(object_type="Appointment", action=AuditAction.CREATE)
    assert event.object_id == str(appointment.pk)
    assert event.patient_id == alice.patient.pk


def test_a_retried_booking_books_once(alice, book):
    submission = new_submission()
    first = book(alice, alice.patient, at(WEDNESDAY, 9), submission_id=submission)
    again = book(alice, alice.patient, at(WEDNESDAY, 9), submission_id=submission)
    assert again.pk == first.pk
    assert Appointment.objects.count() == 1


def test_a_time_someone_holds_is_just_taken_with_the_next_open_times(alice, charlie, book):
    book(alice, alice.patient, at(WEDNESDAY, 9))
    with pytest.raises(SlotTaken) as taken:
        book(charlie, charlie.patient, at(WEDNESDAY, 9))
    assert str(taken.value) == "That time was just taken. Please choose another time."
    assert [time.starts_at for time in taken.value.next_open_times] == [
        at(WEDNESDAY, 9, 30),
        at(WEDNESDAY, 10),
        at(WEDNESDAY, 10, 30),
    ]


def test_a_time_that_is_not_open_is_refused(alice, book):
    with pytest.raises(SlotNotOpen):
        book(alice, alice.patient, at(WEDNESDAY, 9, 10))
    with pytest.raises(SlotNotOpen):
        book(alice, alice.patient, at(WEDNESDAY, 18))
    assert not Appointment.objects.exists()


def test_patients_cannot_book_a_visit_type_only_the_clinic_books(alice, nora, book, procedure):
    with pytest.raises(AppointmentError, match="ask the clinic"):
        book(alice, alice.patient, at(WEDNESDAY, 9), visit_type=procedure)
    appointment = book(nora, alice.patient, at(WEDNESDAY, 9), visit_type=procedure)
    assert appointment.booked_by_role == ActorRole.STAFF


def test_a_proxy_with_the_appointments_permission_books_for_the_patient(alice, book):
    proxy = ProxyRelationshipFactory(
        patient=alice.patient, permissions=int(ProxyPermission.APPOINTMENTS)
    ).proxy
    appointment = book(proxy, alice.patient, at(WEDNESDAY, 9))
    assert appointment.patient == alice.patient
    assert appointment.booked_by_role == ActorRole.PROXY


def test_a_proxy_without_it_does_not_find_the_patient(alice, bob, book):
    with pytest.raises(PatientNotFound):
        book(bob, alice.patient, at(WEDNESDAY, 9))
    stranger = UserFactory(username="stranger")
    with pytest.raises(PatientNotFound):
        book(stranger, alice.patient, at(WEDNESDAY, 9))
    assert not Appointment.objects.exists()


def test_the_patient_cancels_before_the_cut_off_and_the_time_opens_again(alice, charlie, book):
    appointment = book(alice, alice.patient, at(WEDNESDAY, 9))
    cancelled = appointment_cancel(
        access=access_for(alice, alice.patient), appointment_id=appointment.pk, reason="Better"
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.cancelled_by == alice
    assert book(charlie, charlie.patient, at(WEDNESDAY, 9)).patient == charlie.patient


def test_inside_the_cut_off_the_patient_is_told_to_call_but_staff_may_cancel(alice, nora, book):
    appointment = book(alice, alice.patient, at(WEDNESDAY, 9))
    with time_machine.travel(at(WEDNESDAY, 9) - dt.timedelta(hours=23), tick=False):
        with pytest.raises(TooLateToChange, match="555-0100"):
            appointment_cancel(
                access=access_for(alice, alice.patient), appointment_id=appointment.pk
            )
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.BOOKED
        appointment_cancel(access=access_for(nora, alice.patient), appointment_id=appointment.pk)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == (AppointmentStatus.CANCELLED, nora)


def test_another_patients_appointment_is_not_found(alice, charlie, book):
    appointment = book(alice, alice.patient, at(WEDNESDAY, 9))
    with pytest.raises(ObjectNotFound):
        appointment_cancel(
            access=access_for(charlie, charlie.patient), appointment_id=appointment.pk
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_rescheduling_moves_the_visit_in_one_step(alice, book):
    old = book(alice, alice.patient, at(WEDNESDAY, 9))
    new = appointment_reschedule(
        access=access_for(alice, alice.patient),
        appointment_id=old.pk,
        starts_at=at(WEDNESDAY, 14),
        submission_id=new_submission(),
    )
    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert new.rescheduled_from == old
    assert new.status == AppointmentStatus.BOOKED


def test_rescheduling_to_a_taken_time_keeps_the_old_visit(alice, charlie, book):
    old = book(alice, alice.patient, at(WEDNESDAY, 9))
    book(charlie, charlie.patient, at(WEDNESDAY, 11))
    with pytest.raises(SlotTaken):
        appointment_reschedule(
            access=access_for(alice, alice.patient),
            appointment_id=old.pk,
            starts_at=at(WEDNESDAY, 11),
            submission_id=new_submission(),
        )
    old.refresh_from_db()
    assert old.status == AppointmentStatus.BOOKED
    assert Appointment.objects.filter(patient=alice.patient).count() == 1


def test_rescheduling_is_refused_by_the_database_and_rolled_back_when_the_new_time_is_held(
    alice, charlie, book, monkeypatch
):
    """The race: the new time is free when checked and taken before the insert."""
    old = book(alice, alice.patient, at(WEDNESDAY, 9))
    book(charlie, charlie.patient, at(WEDNESDAY, 11))
    monkeypatch.setattr("lantern.appointments.services._require_open", lambda *args, **kwargs: None)
    with pytest.raises(SlotTaken):
        appointment_reschedule(
            access=access_for(alice, alice.patient),
            appointment_id=old.pk,
            starts_at=at(WEDNESDAY, 11),
            submission_id=new_submission(),
        )
    old.refresh_from_db()
    assert old.status == AppointmentStatus.BOOKED
    assert not AuditEvent.objects.filter(object_id=str(old.pk), action=AuditAction.UPDATE)


def test_a_retried_reschedule_moves_once(alice, book):
    old = book(alice, alice.patient, at(WEDNESDAY, 9))
    submission = new_submission()
    access = access_for(alice, alice.patient)
    first = appointment_reschedule(
        access=access, appointment_id=old.pk, starts_at=at(WEDNESDAY, 14), submission_id=submission
    )
    again = appointment_reschedule(
        access=access, appointment_id=old.pk, starts_at=at(WEDNESDAY, 14), submission_id=submission
    )
    assert again.pk == first.pk


def test_staff_mark_arrived_and_no_show_and_patients_cannot(alice, charlie, nora, book):
    first = book(alice, alice.patient, at(WEDNESDAY, 9))
    second = book(charlie, charlie.patient, at(WEDNESDAY, 10))
    with pytest.raises(AppointmentError):
        appointment_mark(
            access=access_for(alice, alice.patient),
            appointment_id=first.pk,
            status=AppointmentStatus.ARRIVED,
        )
    marked = appointment_mark(
        access=access_for(nora, alice.patient),
        appointment_id=first.pk,
        status=AppointmentStatus.ARRIVED,
    )
    assert marked.status == AppointmentStatus.ARRIVED
    appointment_mark(
        access=access_for(nora, charlie.patient),
        appointment_id=second.pk,
        status=AppointmentStatus.NO_SHOW,
    )
    with pytest.raises(AppointmentError):
        appointment_mark(
            access=access_for(nora, charlie.patient),
            appointment_id=second.pk,
            status=AppointmentStatus.ARRIVED,
        )
    second.refresh_from_db()
    assert second.status == AppointmentStatus.NO_SHOW


def test_a_patient_cannot_book_at_another_clinics_location(alice, other_clinic, checkup):
    elsewhere = Location.objects.create(
        organization=other_clinic, name="Hilltop", time_zone="America/New_York"
    )
    VisitType.objects.filter(pk=checkup.pk).update(organization=other_clinic)
    checkup.refresh_from_db()

    with pytest.raises(AppointmentError, match="not part of your clinic"):
        appointment_book(
            access=access_for(alice, alice.patient),
            visit_type=checkup,
            location=elsewhere,
            clinician_id=UserFactory().pk,
            starts_at=at(WEDNESDAY, 9),
            submission_id=new_submission(),
        )
    assert not Appointment.objects.exists()
