"""The staff schedule pages at 360 x 740 in a real browser: one heading, no sideways scroll,
every control named, touch targets of 44 px, and no serious axe violation (text contrast
included), with long names and a busy day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.core.tests.test_accessibility_browser import axe_violations
from lantern.testing.page_checks import page_problems, signed_in_page

from .staff_fixtures import administrator_of, visit_make

pytestmark = [pytest.mark.django_db(transaction=True)]


def next_weekday() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


def test_the_schedule_pages_read_at_phone_width(
    page, live_server, clinic, alice, nora, doctor, location, checkup, procedure
):
    doctor.first_name, doctor.last_name = "Maximiliana-Josephine", "Vanderberg-Oyelaran"
    doctor.save(update_fields=["first_name", "last_name"])
    checkup.name = "Comprehensive annual preventive medicine examination"
    checkup.save(update_fields=["name"])
    day = next_weekday()
    starts = dt.datetime.combine(day, dt.time(9), tzinfo=location.zone)
    visit = visit_make(alice.patient, doctor, location, checkup, starts)
    visit_make(alice.patient, doctor, location, procedure, starts + dt.timedelta(hours=2))
    patient = f"/staff/patients/{alice.patient_id}/appointments/"
    choice = f"visit_type={checkup.pk}&location={location.pk}&clinician="
    pages = [
        f"/staff/schedule/?location={location.pk}&date={day}",
        f"/staff/schedule/?clinician={doctor.pk}&date={day}",
        "/staff/schedule/setup/",
        f"/staff/schedule/setup/clinicians/{doctor.pk}/",
        patient,
        f"{patient}book/?{choice}",
        f"{patient}{visit.pk}/",
        f"{patient}{visit.pk}/reschedule/",
    ]
    signed_in_page(page, live_server, nora)
    assert page_problems(page, pages) == {}
    violations = []
    for path in pages:
        page.goto(path)
        page.locator("h1").wait_for()
        violations += axe_violations(page, path, "360px")
    assert violations == [], "\n".join(map(str, violations))


def test_the_setup_forms_read_at_phone_width(page, live_server, clinic, doctor, location, checkup):
    signed_in_page(page, live_server, administrator_of(clinic))
    pages = [
        f"/staff/schedule/setup/clinicians/{doctor.pk}/",
        "/staff/schedule/setup/visit-types/add/",
        f"/staff/schedule/setup/visit-types/{checkup.pk}/",
        f"/staff/schedule/setup/places/{location.pk}/",
    ]
    assert page_problems(page, pages) == {}
    violations = []
    for path in pages:
        page.goto(path)
        page.locator("h1").wait_for()
        violations += axe_violations(page, path, "360px")
    # The form sent empty, with its errors shown.
    page.goto("/staff/schedule/setup/visit-types/add/")
    page.get_by_role("button", name="Save").click()
    page.locator("#error-summary").wait_for()
    violations += axe_violations(page, "visit type form with errors", "360px")
    assert violations == [], "\n".join(map(str, violations))
