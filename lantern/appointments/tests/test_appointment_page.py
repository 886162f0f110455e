"""One appointment's page and what can be done from it (issue 13, points 2, 5 and 9): its facts
in clinic time, moving it (the old time is kept until the new one is held) and cancelling it
within the visit type's cut-off, the clinic's phone number inside it; nobody else's visit; the
list page links to each visit and costs the same for 10 or 500; proxies act for their child."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import ProxyKind, ProxyPermission
from lantern.appointments.booking import start_value
from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole, AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, ProxyRelationshipFactory, UserFactory

from .booking_fixtures import book_url, booked_visit, confirm, confirm_url, html
from .conftest import at

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 1, 13)
WEDNESDAY = dt.date(2026, 1, 14)


@pytest.fixture(autouse=True)
def _monday(monday_morning):
    yield


@pytest.fixture
def alice_client(alice) -> Client:
    return sign_in(Client(), alice)


@pytest.fixture
def visit(alice, doctor, location, checkup) -> Appointment:
    checkup.patient_instructions = "Bring your medicines."
    checkup.save(update_fields=["patient_instructions"])
    return booked_visit(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))


def detail_url(appointment: Appointment) -> str:
    return reverse("appointments:detail", args=[appointment.patient_id, appointment.pk])


def url_of(name: str, appointment: Appointment, **params) -> str:
    path = reverse(f"appointments:{name}", args=[appointment.patient_id, appointment.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_page_shows_the_visit_in_clinic_time_with_place_phone_instructions_and_actions(
    alice_client, visit
):
    page = html(alice_client.get(detail_url(visit)))

    assert "<h1>Check-up</h1>" in page
    assert "Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in page
    assert "dr-dee" in page or visit.clinician.get_full_name() in page
    assert "1 Main Street" in page and "555-0100" in page
    assert "Bring your medicines." in page and "Booked" in page
    for action in ("Add to calendar", "Change time", "Cancel"):
        assert action in page
    assert AuditEvent.objects.filter(action="view", object_id=str(visit.pk)).exists()


def test_another_patients_visit_is_not_found(
    alice_client, alice, charlie, doctor, location, checkup
):
    theirs = booked_visit(charlie.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    # Charlie's visit under alice's own record, and under charlie's record.
    mixed = reverse("appointments:detail", args=[alice.patient.pk, theirs.pk])

    for url in (mixed, detail_url(theirs), url_of("calendar", theirs), url_of("cancel", theirs)):
        assert alice_client.get(url).status_code == 404
    assert alice_client.post(url_of("cancel", theirs)).status_code == 404
    assert (
        alice_client.post(mixed.replace(f"{theirs.pk}/", f"{theirs.pk}/cancel/")).status_code == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED


def test_inside_the_cut_off_the_page_gives_the_phone_number_instead_of_changes(
    alice_client, alice, doctor, location, checkup
):
    soon = booked_visit(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 12), 15))

    page = html(alice_client.get(detail_url(soon)))

    assert "This visit is too soon to change online. Please call" in page and "555-0100" in page
    assert "Change time" not in page and 'data-testid="cancel"' not in page
    assert "Add to calendar" in page
    # The change and cancel pages lead back to the visit; a cancel sent anyway is refused.
    assert alice_client.get(url_of("cancel", soon)).status_code == 302
    assert alice_client.get(url_of("change", soon)).status_code == 302
    response = alice_client.post(url_of("cancel", soon), {"reason": ""}, follow=True)
    assert "too soon to change online" in html(response)
    soon.refresh_from_db()
    assert soon.status == AppointmentStatus.BOOKED


def test_past_and_cancelled_visits_show_no_actions(alice_client, alice, doctor, location, checkup):
    past = booked_visit(
        alice.patient,
        doctor,
        location,
        checkup,
        at(dt.date(2026, 1, 5), 9),
        status=AppointmentStatus.COMPLETED,
    )
    cancelled = booked_visit(
        alice.patient,
        doctor,
        location,
        checkup,
        at(WEDNESDAY, 11),
        status=AppointmentStatus.CANCELLED,
    )

    for appointment, status in ((past, "Completed"), (cancelled, "Cancelled")):
        page = html(alice_client.get(detail_url(appointment)))
        assert status in page
        assert 'data-testid="actions"' not in page and "too soon" not in page


def test_cancelling_asks_first_then_cancels_with_the_reason(alice_client, visit):
    page = html(alice_client.get(url_of("cancel", visit)))
    assert "<h1>Cancel this visit?</h1>" in page and 'name="reason"' in page

    response = alice_client.post(url_of("cancel", visit), {"reason": "Feeling better"})

    assert response.status_code == 302 and response["Location"] == detail_url(visit)
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CANCELLED
    assert visit.cancellation_reason == "Feeling better"
    shown = html(alice_client.get(detail_url(visit)))
    assert "The visit is cancelled." in shown and 'data-testid="actions"' not in shown


def test_changing_the_time_shows_the_week_then_moves_the_visit_once(
    alice_client, alice, visit, doctor
):
    week = html(alice_client.get(url_of("change", visit)))
    assert "<h1>Choose a new time</h1>" in week and "Tuesday, January 13" in week
    assert "Show times with any clinician" in week

    url = url_of("change_confirm", visit, start=start_value(at(TUESDAY, 14)))
    page = html(alice_client.get(url))
    assert "Tue, Jan 13, 2026, 2:00 PM EST, clinic time" in page
    assert "Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in page

    submission = uuid.uuid4()
    first = confirm(alice_client, url, submission)
    again = confirm(alice_client, url, submission)

    visit.refresh_from_db()
    moved = Appointment.objects.get(rescheduled_from=visit)
    assert visit.status == AppointmentStatus.CANCELLED
    assert moved.starts_at == at(TUESDAY, 14) and moved.status == AppointmentStatus.BOOKED
    assert first["Location"] == again["Location"] == detail_url(moved)
    assert Appointment.objects.filter(patient=alice.patient).count() == 2
    assert "The visit is moved to the new time." in html(alice_client.get(first["Location"]))
    old_page = html(alice_client.get(detail_url(visit)))
    assert "This visit was moved to Tue, Jan 13, 2026, 2:00 PM EST, clinic time" in old_page
    assert f'href="{detail_url(moved)}"' in old_page


def test_a_new_time_taken_meanwhile_keeps_the_old_visit(
    alice_client, charlie, visit, doctor, location, checkup
):
    url = url_of("change_confirm", visit, start=start_value(at(TUESDAY, 14)))
    booked_visit(charlie.patient, doctor, location, checkup, at(TUESDAY, 14))

    response = confirm(alice_client, url)

    assert response.status_code == 409
    assert "That time was just taken" in html(response)
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


def test_the_list_links_each_visit_and_to_booking_and_requests(alice_client, alice, visit):
    page = html(alice_client.get(reverse("appointments:list", args=[alice.patient.pk])))

    assert f'href="{detail_url(visit)}"' in page
    assert f'href="{book_url(alice.patient)}"' in page and "Book an appointment" in page
    assert "Request an appointment" in page


def test_the_list_page_costs_the_same_for_10_and_500_visits(
    alice_client, alice, doctor, location, checkup
):
    url = reverse("appointments:list", args=[alice.patient.pk])

    def visits(count: int, first_day: dt.date) -> None:
        Appointment.objects.bulk_create(
            Appointment(
                patient=alice.patient,
                clinician=doctor,
                location=location,
                visit_type=checkup,
                starts_at=at(first_day, 9) + dt.timedelta(hours=index),
                ends_at=at(first_day, 9) + dt.timedelta(hours=index, minutes=30),
                booked_by_role=ActorRole.STAFF,
                status=AppointmentStatus.BOOKED if index % 2 else AppointmentStatus.COMPLETED,
            )
            for index in range(count)
        )

    visits(10, dt.date(2025, 12, 1))
    alice_client.get(url)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(url)
    visits(490, dt.date(2026, 2, 1))

    with CaptureQueriesContext(connection) as many:
        page = html(alice_client.get(url))

    assert len(many) == len(few)
    assert page.count('data-testid="appointment"') == 25


@pytest.fixture
def parent_and_child(clinic):
    child = PatientFactory(
        given_names="Mia", managing_organization=clinic, birth_date=dt.date(2019, 5, 1)
    )
    parent = UserFactory(username="paula")
    ProxyRelationshipFactory(proxy=parent, patient=child, kind=ProxyKind.PARENT)
    return parent, child


def test_a_parent_books_and_cancels_for_their_child(parent_and_child, checkup, doctor):
    parent, child = parent_and_child
    client = sign_in(Client(), parent)

    assert "Check-up" in html(client.get(book_url(child)))
    response = confirm(client, confirm_url(child, checkup, at(TUESDAY, 10), clinician=doctor))
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=child)
    assert booked.booked_by == parent and booked.booked_by_role == ActorRole.PROXY

    response = client.post(url_of("cancel", booked), {"reason": ""})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED


def test_a_proxy_without_the_appointments_permission_is_not_found(
    bob, alice, visit, checkup, doctor
):
    client = sign_in(Client(), bob)

    for url in (
        reverse("appointments:list", args=[alice.patient.pk]),
        book_url(alice.patient),
        detail_url(visit),
        url_of("calendar", visit),
        url_of("change", visit),
        reverse("appointments:request", args=[alice.patient.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = confirm(client, confirm_url(alice.patient, checkup, at(TUESDAY, 10), doctor))
    assert response.status_code == 404
    assert client.post(url_of("cancel", visit), {"reason": ""}).status_code == 404
    assert Appointment.objects.filter(patient=alice.patient).count() == 1


def test_a_proxy_with_appointments_but_not_messages_books_but_is_not_offered_requests(
    alice, checkup, doctor
):
    proxy = UserFactory(username="amos")
    ProxyRelationshipFactory(
        proxy=proxy, patient=alice.patient, permissions=int(ProxyPermission.APPOINTMENTS)
    )
    client = sign_in(Client(), proxy)

    page = html(client.get(reverse("appointments:list", args=[alice.patient.pk])))

    assert "Book an appointment" in page and "Request an appointment" not in page
    assert client.get(reverse("appointments:request", args=[alice.patient.pk])).status_code == 404
    response = confirm(client, confirm_url(alice.patient, checkup, at(TUESDAY, 10), doctor))
    assert response.status_code == 302
