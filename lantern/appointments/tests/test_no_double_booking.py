"""The database itself refuses two live appointments of one clinician that overlap, on both
engines, however the rows are written (migration 0002)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole

from .conftest import at, clinician_make

DAY = dt.date(2026, 1, 13)


def appointment(patient, doctor, location, visit_type, start, minutes, **fields) -> Appointment:
    return Appointment(
        patient=patient,
        clinician=doctor,
        location=location,
        visit_type=visit_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        booked_by_role=ActorRole.STAFF,
        **fields,
    )


@pytest.fixture
def visit(alice, doctor, location, checkup):
    def make(start, minutes=30, **fields):
        return appointment(alice.patient, doctor, location, checkup, start, minutes, **fields)

    return make


def test_bulk_create_of_an_overlapping_longer_visit_is_refused(visit):
    Appointment.objects.bulk_create([visit(at(DAY, 9, 0), 30)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.bulk_create([visit(at(DAY, 8, 45), 60)])
    assert Appointment.objects.count() == 1


def test_a_raw_save_inside_another_visit_is_refused(visit):
    visit(at(DAY, 9, 0), 60).save()
    inner = visit(at(DAY, 9, 15), 15)
    with pytest.raises(IntegrityError), transaction.atomic():
        inner.save_base(raw=True)


def test_back_to_back_visits_and_other_clinicians_are_allowed(
    visit, alice, clinic, location, checkup
):
    other = clinician_make(clinic, "dr-other")
    Appointment.objects.bulk_create(
        [
            visit(at(DAY, 9, 0)),
            visit(at(DAY, 9, 30)),
            appointment(alice.patient, other, location, checkup, at(DAY, 9, 0), 30),
        ]
    )
    assert Appointment.objects.count() == 3


def test_a_cancelled_visit_frees_its_time_and_cannot_be_revived_over_another(visit):
    first = visit(at(DAY, 9, 0))
    first.save()
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.CANCELLED)
    visit(at(DAY, 9, 0)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.BOOKED)


def test_moving_a_visit_onto_another_is_refused_but_within_its_own_time_is_not(visit):
    first = visit(at(DAY, 9, 0))
    second = visit(at(DAY, 10, 0))
    Appointment.objects.bulk_create([first, second])
    Appointment.objects.filter(pk=first.pk).update(starts_at=at(DAY, 9, 10), ends_at=at(DAY, 9, 40))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=second.pk).update(starts_at=at(DAY, 9, 30))


def test_the_database_refuses_an_end_before_the_start_and_an_unknown_status(visit):
    with pytest.raises(IntegrityError), transaction.atomic():
        visit(at(DAY, 9, 0), -30).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        visit(at(DAY, 11, 0), status="maybe").save()
