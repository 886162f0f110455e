"""The waitlist through the real task worker and real concurrency: a cancelled or moved visit's
time is offered once the change commits, and of two people accepting one time at once, one
gets it (the database decides) and the other is told it has gone."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import OperationalError, connection

from lantern.appointments.models import Appointment, AppointmentStatus, WaitlistOffer
from lantern.appointments.services import appointment_cancel, appointment_reschedule
from lantern.appointments.waitlist import OfferState, waitlist_join, waitlist_offer_accept
from lantern.audit.models import ActorRole
from lantern.notifications.testing import run_worker_until_idle
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import access_for, at, new_submission, reachable

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("monday_morning")]

WEDNESDAY = dt.date(2026, 1, 14)
FRIDAY = dt.date(2026, 1, 23)


def visit(patient, doctor, location, checkup, start) -> Appointment:
    return Appointment.objects.create(
        patient=patient,
        clinician=doctor,
        location=location,
        visit_type=checkup,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=checkup.length_minutes),
        booked_by_role=ActorRole.STAFF,
    )


@pytest.fixture
def waiting(alice, charlie, doctor, location, checkup):
    visits = {}
    for user, hour in ((alice, 10), (charlie, 11)):
        reachable(user)
        visits[user.username] = visit(user.patient, doctor, location, checkup, at(FRIDAY, hour))
        waitlist_join(
            access=access_for(user, user.patient),
            appointment_id=visits[user.username].pk,
            any_clinician=False,
        )
    return visits


@pytest.fixture
def dana(clinic):
    user = UserFactory(username="dana", patient=PatientFactory(managing_organization=clinic))
    return reachable(user)


@pytest.mark.parametrize("how", ["cancelled", "moved"])
def test_a_freed_time_is_offered_by_email_once_the_change_commits(
    how, alice, charlie, dana, doctor, location, checkup, waiting
):
    appointment = visit(dana.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    access = access_for(dana, dana.patient)
    if how == "cancelled":
        appointment_cancel(access=access, appointment_id=appointment.pk)
    else:
        appointment_reschedule(
            access=access,
            appointment_id=appointment.pk,
            starts_at=at(WEDNESDAY, 15),
            submission_id=new_submission(),
        )

    run_worker_until_idle()

    assert WaitlistOffer.objects.filter(starts_at=at(WEDNESDAY, 9)).count() == 2
    offers = [message for message in mail.outbox if message.subject.startswith("An earlier")]
    assert sorted(message.to[0] for message in offers) == [
        "alice@example.org",
        "charlie@example.org",
    ]


def test_two_people_accepting_one_time_at_once_one_gets_it(
    alice, charlie, dana, doctor, location, checkup, waiting
):
    appointment = visit(dana.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    appointment_cancel(access=access_for(dana, dana.patient), appointment_id=appointment.pk)
    run_worker_until_idle()
    people = [alice, charlie]
    offers = [
        WaitlistOffer.objects.get(entry__appointment__patient=user.patient) for user in people
    ]
    start_together = threading.Barrier(len(people))
    outcomes: list[object] = [None] * len(people)

    def accept(index: int) -> None:
        try:
            access = access_for(people[index], people[index].patient)
            start_together.wait(timeout=30)
            outcomes[index] = waitlist_offer_accept(access=access, offer_id=offers[index].pk)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(index,)) for index in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count(OfferState.ACCEPTED) == 1, outcomes
    if connection.vendor == "sqlite":
        # The in-memory test database may refuse the second writer at once (see
        # test_concurrent_booking.py); it must not have moved a visit either.
        assert all(
            outcome == OfferState.TAKEN or isinstance(outcome, OperationalError)
            for outcome in outcomes
            if outcome != OfferState.ACCEPTED
        ), outcomes
    else:
        assert outcomes.count(OfferState.TAKEN) == 1, outcomes
    at_nine = Appointment.objects.filter(
        starts_at=at(WEDNESDAY, 9), status=AppointmentStatus.BOOKED
    )
    assert at_nine.count() == 1
    winner = people[outcomes.index(OfferState.ACCEPTED)]
    assert at_nine.get().patient == winner.patient
    loser = people[1 - outcomes.index(OfferState.ACCEPTED)]
    assert Appointment.objects.get(
        patient=loser.patient, status=AppointmentStatus.BOOKED
    ).starts_at > at(WEDNESDAY, 9)
