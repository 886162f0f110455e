"""The staff day view: one clinician's or one place's day, in clinic time, with what is left
open; who may see it; its audit; and constant queries whatever the size of the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.appointments.models import ExceptionKind, Location, ScheduleException
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory

from .conftest import at, clinician_make
from .staff_fixtures import WEDNESDAY, signed_in, visit_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

DAY = "/staff/schedule/"


@pytest.fixture
def as_nora(nora) -> Client:
    return signed_in(nora)


def day_of(client: Client, **params) -> str:
    response = client.get(DAY, {"date": WEDNESDAY.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_day_of_a_place_lists_visits_in_time_order_in_clinic_time(
    as_nora, alice, charlie, doctor, location, checkup
):
    visit_make(charlie.patient, doctor, location, checkup, at(WEDNESDAY, 14))
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9, 30))
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 11), status="cancelled")

    page = day_of(as_nora, location=location.pk)

    # 9:30 AM New York time, whatever the server's zone; the cancelled visit is not listed.
    assert "9:30 AM to 10:00 AM EST" in page
    assert page.index("Alice Adams") < page.index("Charlie Chen")
    assert page.count('data-testid="visit-row"') == 2
    assert f'href="/staff/patients/{alice.patient.pk}/"' in page
    assert "Check-up" in page
    assert "Booked" in page
    # The open time left: 9:00-17:00 minus the two visits.
    assert "9:00 AM to 9:30 AM EST, 10:00 AM to 2:00 PM EST, 2:30 PM to 5:00 PM EST" in page


def test_the_day_of_a_clinician_and_the_links_to_the_days_around_it(
    as_nora, alice, doctor, location, checkup
):
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 10))

    page = day_of(as_nora, clinician=doctor.pk)

    assert "10:00 AM to 10:30 AM EST" in page
    assert "at Riverside Main Street" in page
    assert 'name="date" value="2026-01-13"' in page
    assert 'name="date" value="2026-01-15"' in page


def test_time_off_leaves_no_open_time(as_nora, doctor, location):
    ScheduleException.objects.create(
        clinician=doctor,
        kind=ExceptionKind.HOLIDAY,
        starts_at=at(WEDNESDAY, 0),
        ends_at=at(WEDNESDAY + dt.timedelta(days=1), 0),
    )
    assert "fully booked" in day_of(as_nora, location=location.pk)


def test_reading_a_day_is_audited_once_per_patient_shown(
    as_nora, nora, alice, doctor, location, checkup
):
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 10))

    day_of(as_nora, location=location.pk)

    event = AuditEvent.objects.get(actor=nora, object_type="Appointment")
    assert (event.patient_id, event.action, event.actor_role) == (
        alice.patient.pk,
        AuditAction.VIEW,
        ActorRole.STAFF,
    )


def test_someone_not_on_the_staff_gets_not_found(client, alice):
    assert sign_in(client, alice).get(DAY).status_code == 404


def test_staff_of_another_clinic_cannot_open_this_clinics_places_or_clinicians(
    olga, clinic, location, doctor
):
    other = sign_in(Client(), olga)
    assert other.get(DAY, {"clinic": str(clinic.pk)}).status_code == 404
    assert other.get(DAY, {"location": location.pk}).status_code == 404
    assert other.get(DAY, {"clinician": doctor.pk}).status_code == 404


def test_the_front_desk_sees_the_schedule(fiona, location):
    assert sign_in(Client(), fiona).get(DAY, {"location": location.pk}).status_code == 200


AUDIT_INSERT = 'INSERT INTO "audit_auditevent"'


def queries_for_a_day(client: Client, **params) -> int:
    """The page's queries; the audit's one bulk insert counts once (SQLite splits a bulk
    insert into batches of its variable limit, PostgreSQL does not)."""
    with CaptureQueriesContext(connection) as queries:
        day_of(client, **params)
    statements = [query["sql"] for query in queries.captured_queries]
    audit_inserts = sum(statement.startswith(AUDIT_INSERT) for statement in statements)
    assert audit_inserts >= 1
    return len(statements) - audit_inserts + 1


def fill_day(clinic, location, checkup, *, clinicians: int, visits: int) -> list:
    people = [
        clinician_make(clinic, f"dr-{location.name}-{n}", location) for n in range(clinicians)
    ]
    patients = [PatientFactory(managing_organization=clinic) for _ in range(visits)]
    start = at(WEDNESDAY, 9)
    for n, patient in enumerate(patients):
        who = people[n % clinicians]
        slot = n // clinicians
        starts_at = start + dt.timedelta(minutes=checkup.length_minutes * slot)
        visit_make(patient, who, location, checkup, starts_at)
    return people


def test_a_places_day_costs_the_same_queries_for_10_or_500_visits_and_1_or_30_clinicians(
    as_nora, clinic, checkup
):
    small = Location.objects.create(organization=clinic, name="A", time_zone="America/New_York")
    large = Location.objects.create(organization=clinic, name="B", time_zone="America/New_York")
    # Short visits, so 500 fit in one working day of 30 clinicians.
    checkup.length_minutes = 5
    checkup.save()
    fill_day(clinic, small, checkup, clinicians=1, visits=10)
    people = fill_day(clinic, large, checkup, clinicians=30, visits=500)

    few = queries_for_a_day(as_nora, location=small.pk)
    many = queries_for_a_day(as_nora, location=large.pk)
    one_clinician = queries_for_a_day(as_nora, clinician=people[0].pk)

    assert few == many == one_clinician


def test_a_clinician_who_left_the_clinic_is_not_found(as_nora, clinic):
    stranger = UserFactory(username="stranger")
    assert as_nora.get(DAY, {"clinician": stranger.pk}).status_code == 404


def test_a_day_after_the_clocks_change_keeps_local_times(as_nora, alice, doctor, location, checkup):
    # Daylight saving time starts in New York on Sunday, March 8, 2026.
    monday = dt.date(2026, 3, 9)
    visit_make(alice.patient, doctor, location, checkup, at(monday, 9))
    response = as_nora.get(DAY, {"date": monday.isoformat(), "location": location.pk})
    page = response.content.decode()
    assert "9:00 AM to 9:30 AM EDT" in page
    assert "9:30 AM to 5:00 PM EDT" in page


def test_the_day_shown_without_a_choice_reads_the_clinics_first_place_once(as_nora, location):
    # The place shown and the clinic's zone (for "today") are the same first active place.
    with CaptureQueriesContext(connection) as queries:
        response = as_nora.get(DAY)
    assert response.status_code == 200
    assert response.context["location"] == location
    first_place_reads = [
        query
        for query in queries
        if 'FROM "appointments_location"' in query["sql"] and "LIMIT 1" in query["sql"]
    ]
    assert len(first_place_reads) == 1
