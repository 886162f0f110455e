"""A nurse at 360 px books a visit for a patient from the patient's console page, confirms it
once, then marks the patient arrived from the visit's page, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lantern.appointments.models import Appointment, AppointmentStatus
from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_nurse_books_a_visit_and_marks_the_patient_arrived(
    page, live_server, alice, nora, doctor, location, procedure
):
    signed_in_page(page, live_server, nora)
    page.goto(f"{live_server.url}/staff/patients/{alice.patient_id}/")
    page.get_by_role("link", name="Book a visit", exact=True).click()
    page.get_by_label("Visit type").wait_for()
    page.get_by_label("Visit type").select_option(label=str(procedure))
    page.get_by_label("Place").select_option(label=location.name)
    page.get_by_role("button", name="Show open times").click()
    first_time = page.locator("main a.usa-button", has_text="with dr-dee").first
    first_time.wait_for()
    first_time.click()
    book = page.get_by_role("button", name="Book this visit")
    book.wait_for()
    expect(page.locator("main")).to_contain_text("Minor procedure with dr-dee")
    book.dblclick()
    page.get_by_text("Booked:").wait_for()

    appointment = Appointment.objects.get()
    assert appointment.patient == alice.patient
    page.get_by_role("button", name="Arrived").click()
    page.get_by_text("Marked arrived.").wait_for()
    expect(page.get_by_test_id("status")).to_have_text("Arrived")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
