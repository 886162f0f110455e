"""The waitlist (issue 13, point 6): a patient with a booked visit asks for an earlier one; a
freed time is offered to those waiting, the first to accept gets it, the others are told it has
gone; offers end; only the patient's own accounts see them; everything is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.appointments.models import (
    Appointment,
    AppointmentStatus,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from lantern.appointments.services import appointment_cancel
from lantern.appointments.waitlist import (
    OfferState,
    offers_for_freed_time,
    waitlist_join,
    waitlist_offer_accept,
)
from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditOutcome
from lantern.notifications.models import Notification, NotificationKind
from lantern.notifications.testing import deliver_all
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import access_for, at, clinician_make, reachable

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

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
def dana(clinic):
    return UserFactory(username="dana", patient=PatientFactory(managing_organization=clinic))


@pytest.fixture
def waiting(alice, charlie, doctor, location, checkup):
    """Alice (Friday 10:00) and Charlie (Friday 11:00) wait for an earlier time."""
    reachable(alice)
    reachable(charlie)
    visits = {}
    for user, hour in ((alice, 10), (charlie, 11)):
        visits[user.username] = visit(user.patient, doctor, location, checkup, at(FRIDAY, hour))
        waitlist_join(
            access=access_for(user, user.patient),
            appointment_id=visits[user.username].pk,
            any_clinician=False,
        )
    return visits


@pytest.fixture
def freed(dana, doctor, location, checkup):
    """Dana's Wednesday 9:00 visit, cancelled: the time is free."""
    appointment = visit(dana.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    appointment_cancel(access=access_for(dana, dana.patient), appointment_id=appointment.pk)
    return appointment


def offer_of(user) -> WaitlistOffer:
    return WaitlistOffer.objects.get(entry__appointment__patient=user.patient)


def offer_url(user, offer) -> str:
    return reverse(
        "appointments:waitlist_offer", kwargs={"patient_id": user.patient.pk, "offer_id": offer.pk}
    )


def client_for(user) -> Client:
    return sign_in(Client(), user)


def test_a_patient_asks_for_an_earlier_time_and_stops_asking_from_the_button(
    alice, doctor, location, checkup
):
    appointment = visit(alice.patient, doctor, location, checkup, at(FRIDAY, 10))
    client = client_for(alice)
    url = reverse(
        "appointments:waitlist",
        kwargs={"patient_id": alice.patient.pk, "appointment_id": appointment.pk},
    )
    back = reverse("appointments:list", args=[alice.patient.pk])

    response = client.post(url, {"action": "join", "any_clinician": "on", "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    entry = WaitlistEntry.objects.get(appointment=appointment)
    assert (entry.status, entry.any_clinician, entry.joined_by) == (
        WaitlistStatus.WAITING,
        True,
        alice,
    )
    client.post(url, {"action": "leave", "next": "https://evil.example/"})
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
    events = AuditEvent.objects.filter(object_type="WaitlistEntry", object_id=str(entry.pk))
    assert sorted(events.values_list("action", flat=True)) == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
    ]


def test_the_button_shows_whether_the_visit_waits(alice, doctor, location, checkup):
    appointment = visit(alice.patient, doctor, location, checkup, at(FRIDAY, 10))
    request = RequestFactory().get("/")

    def button() -> str:
        shown = Appointment.objects.select_related("waitlist_entry", "visit_type").get(
            pk=appointment.pk
        )
        return render_to_string(
            "appointments/_waitlist_button.html", {"appointment": shown}, request=request
        )

    assert "Tell me if an earlier time opens" in button()
    assert '<label class="usa-checkbox__label" for="any-clinician-' in button()
    waitlist_join(
        access=access_for(alice, alice.patient), appointment_id=appointment.pk, any_clinician=False
    )
    assert "Stop asking for an earlier time" in button()


def test_a_visit_patients_may_not_book_cannot_wait(alice, doctor, location, procedure):
    appointment = visit(alice.patient, doctor, location, procedure, at(FRIDAY, 10))
    url = reverse(
        "appointments:waitlist",
        kwargs={"patient_id": alice.patient.pk, "appointment_id": appointment.pk},
    )

    response = client_for(alice).post(url, {"action": "join"})

    assert response.status_code == 409
    assert "Please call the clinic" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_charlie_cannot_put_alices_visit_on_the_list(alice, charlie, doctor, location, checkup):
    appointment = visit(alice.patient, doctor, location, checkup, at(FRIDAY, 10))
    for patient in (alice.patient, charlie.patient):
        url = reverse(
            "appointments:waitlist",
            kwargs={"patient_id": patient.pk, "appointment_id": appointment.pk},
        )
        assert client_for(charlie).post(url, {"action": "join"}).status_code == 404
    assert not WaitlistEntry.objects.exists()


def test_a_freed_time_is_offered_to_those_waiting_for_a_matching_later_visit(
    alice, charlie, dana, clinic, doctor, location, checkup, waiting
):
    # Waiting too, but not a match: with another clinician (any not accepted), and earlier.
    other_doctor = clinician_make(clinic, "dr-oz", location)
    other = UserFactory(username="olive", patient=PatientFactory(managing_organization=clinic))
    earlier = UserFactory(username="ed", patient=PatientFactory(managing_organization=clinic))
    for user, doc, start in (
        (other, other_doctor, at(FRIDAY, 10)),
        (earlier, doctor, at(dt.date(2026, 1, 13), 10)),
    ):
        reachable(user)
        appointment = visit(user.patient, doc, location, checkup, start)
        waitlist_join(
            access=access_for(user, user.patient),
            appointment_id=appointment.pk,
            any_clinician=False,
        )
    appointment = visit(dana.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    appointment_cancel(access=access_for(dana, dana.patient), appointment_id=appointment.pk)

    offers = offers_for_freed_time(appointment_id=appointment.pk)

    assert sorted(offer.entry.appointment.patient_id for offer in offers) == sorted(
        [alice.patient.pk, charlie.patient.pk]
    )
    assert {(offer.starts_at, offer.expires_at) for offer in offers} == {
        (at(WEDNESDAY, 9), at(dt.date(2026, 1, 12), 9))
    }
    # Running it again offers nothing twice.
    assert offers_for_freed_time(appointment_id=appointment.pk) == []
    notices = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)
    assert sorted(notices.values_list("to_address", flat=True)) == [
        "alice@example.org",
        "charlie@example.org",
    ]
    body = notices.get(to_address="alice@example.org").body
    assert "Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in body
    assert offer_url(alice, offer_of(alice)) in body
    assert "Check-up" not in body


def test_the_first_to_accept_gets_the_time_and_the_other_hears_it_has_gone(
    alice, charlie, waiting, freed
):
    offers_for_freed_time(appointment_id=freed.pk)
    alice_client, charlie_client = client_for(alice), client_for(charlie)
    alice_offer, charlie_offer = offer_of(alice), offer_of(charlie)
    assert (
        "Accept this time" in charlie_client.get(offer_url(charlie, charlie_offer)).content.decode()
    )

    response = alice_client.post(offer_url(alice, alice_offer), {"answer": "accept"})

    assert response.status_code == 302
    page = alice_client.get(offer_url(alice, alice_offer)).content.decode()
    assert 'data-state="accepted"' in page
    assert "Your appointment is now on Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in page
    old = waiting["alice"]
    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert old.rescheduled_to.starts_at == at(WEDNESDAY, 9)
    assert old.rescheduled_to.status == AppointmentStatus.BOOKED
    assert WaitlistEntry.objects.get(appointment=old).status == WaitlistStatus.MOVED

    page = charlie_client.get(offer_url(charlie, charlie_offer)).content.decode()
    assert 'data-state="taken"' in page
    assert "this time has already been taken by someone else" in page
    charlie_client.post(offer_url(charlie, charlie_offer), {"answer": "accept"})
    waiting["charlie"].refresh_from_db()
    assert waiting["charlie"].status == AppointmentStatus.BOOKED
    (gone,) = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER_GONE)
    assert gone.to_address == "charlie@example.org"
    deliver_all()
    assert {message.subject for message in mail.outbox} >= {
        "The earlier appointment is no longer free"
    }


def test_accepting_and_viewing_an_offer_are_audited(alice, waiting, freed):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    client = client_for(alice)

    client.get(offer_url(alice, offer))
    client.post(offer_url(alice, offer), {"answer": "accept"})

    events = AuditEvent.objects.filter(patient=alice.patient, outcome=AuditOutcome.ALLOWED)
    assert set(events.values_list("action", "object_type", "object_id")) >= {
        (AuditAction.VIEW, "WaitlistOffer", str(offer.pk)),
        (AuditAction.UPDATE, "WaitlistOffer", str(offer.pk)),
        (AuditAction.UPDATE, "Appointment", str(waiting["alice"].pk)),
    }


def test_accepting_twice_moves_the_visit_once(alice, waiting, freed):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    access = access_for(alice, alice.patient)

    assert waitlist_offer_accept(access=access, offer_id=offer.pk) == OfferState.ACCEPTED
    assert waitlist_offer_accept(access=access, offer_id=offer.pk) == OfferState.ACCEPTED
    assert (
        Appointment.objects.filter(patient=alice.patient, status=AppointmentStatus.BOOKED).count()
        == 1
    )


def test_an_offer_ends_after_its_time_limit(alice, waiting, freed, settings):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    client = client_for(alice)

    with time_machine.travel(offer.expires_at, tick=False):
        client = client_for(alice)
        page = client.get(offer_url(alice, offer)).content.decode()
        client.post(offer_url(alice, offer), {"answer": "accept"})

    assert 'data-state="expired"' in page
    assert "This offer has ended" in page
    waiting["alice"].refresh_from_db()
    assert waiting["alice"].status == AppointmentStatus.BOOKED


def test_no_thanks_keeps_the_visit(alice, waiting, freed):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    client = client_for(alice)

    client.post(offer_url(alice, offer), {"answer": "decline"})

    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert 'data-state="declined"' in client.get(offer_url(alice, offer)).content.decode()
    waiting["alice"].refresh_from_db()
    assert waiting["alice"].status == AppointmentStatus.BOOKED


def test_someone_elses_offer_is_not_found_and_the_attempt_is_audited(
    alice, charlie, waiting, freed
):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    client = client_for(charlie)

    as_own = reverse(
        "appointments:waitlist_offer",
        kwargs={"patient_id": charlie.patient.pk, "offer_id": offer.pk},
    )
    assert client.get(as_own).status_code == 404
    assert client.post(as_own, {"answer": "accept"}).status_code == 404
    assert client.get(offer_url(alice, offer)).status_code == 404
    denied = AuditEvent.objects.filter(actor=charlie, outcome=AuditOutcome.DENIED)
    assert denied.filter(object_type="WaitlistOffer", object_id=str(offer.pk)).count() == 2
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED


def test_no_offer_for_a_time_that_was_booked_again_or_has_passed(
    alice, dana, charlie, doctor, location, checkup, waiting, freed
):
    visit(charlie.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    assert offers_for_freed_time(appointment_id=freed.pk) == []

    with time_machine.travel(at(WEDNESDAY, 9, 1), tick=False):
        assert offers_for_freed_time(appointment_id=freed.pk) == []


def test_the_offer_page_costs_the_same_whatever_the_number_of_visits(
    alice, doctor, location, checkup, waiting, freed
):
    offers_for_freed_time(appointment_id=freed.pk)
    offer = offer_of(alice)
    client = client_for(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(offer_url(alice, offer)).status_code == 200
        return len(captured)

    few = queries()
    for day in range(15, 23):
        for hour in (13, 14, 15):
            visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, day), hour))
    assert queries() == few


def test_an_offer_made_at_night_goes_by_email_and_not_by_text(alice, charlie, waiting, freed):
    reachable(alice, mobile="+15555550123", texts=True)

    with time_machine.travel(at(dt.date(2026, 1, 12), 22), tick=False):
        offers_for_freed_time(appointment_id=freed.pk)
    with time_machine.travel(at(dt.date(2026, 1, 13), 8), tick=False):
        offers_for_freed_time(appointment_id=freed.pk)

    notices = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)
    assert sorted(notices.values_list("to_address", "channel")) == [
        ("alice@example.org", "email"),
        ("charlie@example.org", "email"),
    ]


def test_an_offer_made_by_day_goes_by_text_to_those_who_chose_it(alice, charlie, waiting, freed):
    reachable(alice, mobile="+15555550123", texts=True)

    offers_for_freed_time(appointment_id=freed.pk)

    notices = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)
    assert sorted(notices.values_list("to_address", "channel")) == [
        ("+15555550123", "sms"),
        ("alice@example.org", "email"),
        ("charlie@example.org", "email"),
    ]
