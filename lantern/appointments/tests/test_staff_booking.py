"""Staff book, move, cancel and mark a patient's visits from the console."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.factories import PatientFactory

from .conftest import at, clinician_make
from .staff_fixtures import WEDNESDAY, signed_in, visit_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]


@pytest.fixture
def as_nora(nora) -> Client:
    return signed_in(nora)


def base(patient) -> str:
    return f"/staff/patients/{patient.pk}/appointments/"


def booking(visit_type, location, clinician, starts_at, **extra) -> dict:
    return {
        "visit_type": visit_type.pk,
        "location": location.pk,
        "clinician": clinician.pk,
        "starts_at": starts_at.isoformat(),
        **extra,
    }


def test_the_patient_page_links_to_the_patients_appointments(as_nora, alice):
    page = as_nora.get(f"/staff/patients/{alice.patient.pk}/").content.decode()
    assert f'href="{base(alice.patient)}"' in page
    assert f'href="{base(alice.patient)}book/"' in page


def test_the_appointments_page_lists_coming_visits(as_nora, alice, doctor, location, checkup):
    visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    page = as_nora.get(base(alice.patient)).content.decode()
    assert "Wed, Jan 14, 2026, 9:00 AM EST, clinic time" in page


def test_a_week_of_open_times_includes_visits_patients_may_not_book(
    as_nora, alice, doctor, location, procedure
):
    response = as_nora.get(
        base(alice.patient) + "book/",
        {"visit_type": procedure.pk, "location": location.pk, "clinician": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Wednesday, January 14" in page
    assert "9:00 AM EST" in page
    assert "with dr-dee" in page
    assert "book/confirm/?visit_type=" in page
    assert 'name="week"' in page and "Later week" in page


def test_staff_book_once_however_often_the_confirmation_is_sent(
    as_nora, nora, alice, doctor, location, procedure
):
    chosen = booking(procedure, location, doctor, at(WEDNESDAY, 10))
    confirm = as_nora.get(base(alice.patient) + "book/confirm/", chosen)
    assert confirm.status_code == 200
    assert "Minor procedure with dr-dee at Riverside Main Street" in confirm.content.decode()
    submission = str(uuid.uuid4())

    first = as_nora.post(
        base(alice.patient) + "book/confirm/", {**chosen, "submission_id": submission}
    )
    again = as_nora.post(
        base(alice.patient) + "book/confirm/", {**chosen, "submission_id": submission}
    )

    appointment = Appointment.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"{base(alice.patient)}{appointment.pk}/"
    assert (appointment.booked_by, appointment.booked_by_role) == (nora, ActorRole.STAFF)
    assert appointment.starts_at == at(WEDNESDAY, 10)


def test_a_time_just_taken_says_so_and_offers_the_next_open_times(
    as_nora, alice, charlie, doctor, location, checkup
):
    visit_make(charlie.patient, doctor, location, checkup, at(WEDNESDAY, 10))
    response = as_nora.post(
        base(alice.patient) + "book/confirm/",
        {**booking(checkup, location, doctor, at(WEDNESDAY, 10)), "submission_id": uuid.uuid4()},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "That time was just taken" in page
    assert "Wednesday, January 14, 10:30 AM EST" in page
    assert Appointment.objects.filter(patient=alice.patient).count() == 0


def test_staff_cancel_inside_the_patients_cut_off(as_nora, alice, doctor, location, checkup):
    # 9:00 today, one hour away: too late for the patient (24 hours), not for staff.
    visit = visit_make(alice.patient, doctor, location, checkup, at(dt.date(2026, 1, 12), 9))
    response = as_nora.post(f"{base(alice.patient)}{visit.pk}/cancel/", {"reason": "Unwell"})
    visit.refresh_from_db()
    assert response.status_code == 302
    assert (visit.status, visit.cancellation_reason) == (AppointmentStatus.CANCELLED, "Unwell")


def test_staff_move_a_visit_to_another_open_time(as_nora, alice, doctor, location, checkup):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    week = as_nora.get(f"{base(alice.patient)}{visit.pk}/reschedule/")
    assert week.status_code == 200
    assert 'name="submission_id"' in week.content.decode()

    moved = as_nora.post(
        f"{base(alice.patient)}{visit.pk}/reschedule/",
        {
            "starts_at": at(WEDNESDAY, 11).isoformat(),
            "clinician": doctor.pk,
            "location": location.pk,
            "submission_id": uuid.uuid4(),
        },
    )
    visit.refresh_from_db()
    new = Appointment.objects.get(rescheduled_from=visit)
    assert moved.status_code == 302
    assert visit.status == AppointmentStatus.CANCELLED
    assert new.starts_at == at(WEDNESDAY, 11)


def test_marking_arrived_then_completed_and_not_backwards(
    as_nora, alice, doctor, location, checkup
):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    mark = f"{base(alice.patient)}{visit.pk}/mark/"
    day = f"/staff/schedule/?location={location.pk}&date=2026-01-14"

    arrived = as_nora.post(mark, {"status": "arrived", "next": day})
    assert arrived["Location"] == day
    as_nora.post(mark, {"status": "completed"})
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.COMPLETED

    refused = as_nora.post(mark, {"status": "no_show"}, follow=True)
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.COMPLETED
    assert "cannot be marked did not attend" in refused.content.decode()
    assert (
        AuditEvent.objects.filter(object_id=str(visit.pk), action=AuditAction.UPDATE).count() == 2
    )


def test_the_day_view_marks_a_visit_did_not_attend(as_nora, alice, doctor, location, checkup):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    day = as_nora.get("/staff/schedule/", {"location": location.pk, "date": "2026-01-14"})
    assert f'action="{base(alice.patient)}{visit.pk}/mark/"' in day.content.decode()
    as_nora.post(f"{base(alice.patient)}{visit.pk}/mark/", {"status": "no_show"})
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.NO_SHOW


def test_a_mark_never_redirects_off_the_console(as_nora, alice, doctor, location, checkup):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    response = as_nora.post(
        f"{base(alice.patient)}{visit.pk}/mark/",
        {"status": "arrived", "next": "https://evil.example/staff/"},
    )
    assert response["Location"] == f"{base(alice.patient)}{visit.pk}/"


def test_patients_proxies_and_other_clinics_get_not_found(
    client, alice, olga, doctor, location, checkup
):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    for user in (alice, olga):
        signed = signed_in(user)
        assert signed.get(base(alice.patient)).status_code == 404
        assert signed.get(f"{base(alice.patient)}{visit.pk}/").status_code == 404
        assert signed.post(f"{base(alice.patient)}{visit.pk}/cancel/").status_code == 404
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


def test_another_patients_visit_is_not_found_under_this_patient(
    as_nora, alice, clinic, doctor, location, checkup
):
    other = PatientFactory(managing_organization=clinic)
    visit = visit_make(other, doctor, location, checkup, at(WEDNESDAY, 9))
    assert as_nora.get(f"{base(alice.patient)}{visit.pk}/").status_code == 404
    assert (
        as_nora.post(f"{base(alice.patient)}{visit.pk}/mark/", {"status": "arrived"}).status_code
        == 404
    )


def count_queries(client: Client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_a_week_of_open_times_costs_the_same_queries_for_1_or_30_clinicians(
    as_nora, alice, clinic, doctor, location, checkup
):
    choice = {"visit_type": checkup.pk, "location": location.pk, "clinician": ""}
    one = count_queries(as_nora, base(alice.patient) + "book/", choice)
    for n in range(29):
        clinician_make(clinic, f"dr-{n}", location)
    thirty = count_queries(as_nora, base(alice.patient) + "book/", choice)
    assert one == thirty


def test_the_appointments_page_costs_the_same_queries_for_10_or_500_visits(
    as_nora, alice, doctor, location, checkup
):
    def visits(count: int) -> None:
        start = at(WEDNESDAY, 0) + dt.timedelta(days=Appointment.objects.count())
        Appointment.objects.bulk_create(
            Appointment(
                patient=alice.patient,
                clinician=doctor,
                location=location,
                visit_type=checkup,
                starts_at=start + dt.timedelta(hours=n),
                ends_at=start + dt.timedelta(hours=n, minutes=30),
                booked_by_role=ActorRole.STAFF,
                status=AppointmentStatus.COMPLETED if n % 2 else AppointmentStatus.BOOKED,
            )
            for n in range(count)
        )

    visits(10)
    few = count_queries(as_nora, base(alice.patient))
    visits(490)
    many = count_queries(as_nora, base(alice.patient))
    assert few == many


def test_the_front_desk_books_a_visit_too(fiona, alice, doctor, location, checkup):
    chosen = booking(checkup, location, doctor, at(WEDNESDAY, 15), submission_id=uuid.uuid4())
    response = signed_in(fiona).post(base(alice.patient) + "book/confirm/", chosen)
    assert response.status_code == 302
    assert Appointment.objects.get().booked_by == fiona


def test_moving_to_a_time_just_taken_keeps_the_old_visit_and_offers_the_next_times(
    as_nora, alice, charlie, doctor, location, checkup
):
    visit = visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))
    visit_make(charlie.patient, doctor, location, checkup, at(WEDNESDAY, 11))
    response = as_nora.post(
        f"{base(alice.patient)}{visit.pk}/reschedule/",
        {
            "starts_at": at(WEDNESDAY, 11).isoformat(),
            "clinician": doctor.pk,
            "location": location.pk,
            "submission_id": uuid.uuid4(),
        },
    )
    page = response.content.decode()
    visit.refresh_from_db()
    assert response.status_code == 409
    assert "That time was just taken" in page
    assert "Move to Wednesday, January 14, 11:30 AM EST" in page
    assert visit.status == AppointmentStatus.BOOKED
