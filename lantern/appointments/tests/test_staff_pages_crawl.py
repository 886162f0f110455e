"""Every schedule page is reachable from the console's navigation and links to no dead end,
for a nurse (reads and books) and for the clinic's administrator (also changes the setup)."""

from __future__ import annotations

import pytest

from lantern.testing.crawl import crawl

from .conftest import at
from .staff_fixtures import WEDNESDAY, administrator_of, signed_in, visit_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]


@pytest.fixture
def booked(alice, doctor, location, checkup, procedure):
    return visit_make(alice.patient, doctor, location, checkup, at(WEDNESDAY, 9))


def test_a_nurse_reaches_every_schedule_page_without_a_dead_end(nora, booked, doctor):
    result = crawl(signed_in(nora), ["/staff/"], max_pages=150)
    assert result.broken == [], "\n".join(result.broken)
    patient = booked.patient_id
    for address in (
        "/staff/schedule/",
        "/staff/schedule/setup/",
        f"/staff/schedule/setup/clinicians/{doctor.pk}/",
    ):
        assert any(visited.startswith(address) for visited in result.visited), address
    # From the day view of the visit's day: the visit, its patient and their appointments.
    day = crawl(signed_in(nora), ["/staff/schedule/?date=2026-01-14"], max_pages=60)
    assert day.broken == [], "\n".join(day.broken)
    assert f"/staff/patients/{patient}/appointments/{booked.pk}/" in day.visited
    assert f"/staff/patients/{patient}/" in day.visited
    assert f"/staff/patients/{patient}/appointments/" in day.visited


def test_an_administrator_reaches_the_setup_forms_without_a_dead_end(
    clinic, booked, checkup, location
):
    result = crawl(signed_in(administrator_of(clinic)), ["/staff/schedule/setup/"], max_pages=80)
    assert result.broken == [], "\n".join(result.broken)
    visited = " ".join(result.visited)
    assert f"/staff/schedule/setup/visit-types/{checkup.pk}/" in visited
    assert f"/staff/schedule/setup/places/{location.pk}/" in visited
    assert "/staff/schedule/setup/visit-types/add/" in visited
