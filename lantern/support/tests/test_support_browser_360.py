"""The help centre, "Contact support" and the console's support requests in Chromium at 360 px:
each page loads with one heading, no sideways scroll, labelled controls and large tap targets,
and a person sends a request with a double click that still makes one."""

from __future__ import annotations

import pytest

from lantern.support.models import SupportRequest
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_public_help_pages_fit_a_phone(page, nora):
    page.set_viewport_size({"width": 360, "height": 740})

    pages = ["/help/", "/help/contact/", "/help/contact/sent/", "/offline/"]
    assert page_problems(page, pages) == {}


def test_someone_sends_a_request_from_their_phone_with_a_double_click(page, nora):
    page.goto("/signin/")
    page.get_by_role("link", name="Help with signing in and your account", exact=True).click()
    page.get_by_role("heading", name="Help", exact=True).wait_for()
    page.get_by_role("link", name="Write to the clinic's staff", exact=True).click()
    page.get_by_role("heading", name="Contact support", exact=True).wait_for()

    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("heading", name="There is a problem", exact=True).wait_for()
    assert page_problems(page, ["/help/contact/"]) == {}

    page.get_by_label("Your name", exact=True).fill("Jill Tillman")
    page.get_by_label("Phone number", exact=True).fill("555-123-4567")
    page.get_by_label("What is it about?", exact=True).select_option("signing_in")
    page.get_by_label("Your message", exact=True).fill("I cannot get a code on my new phone.")
    page.get_by_role("button", name="Send", exact=True).dblclick()

    page.get_by_role("heading", name="We got your request", exact=True).wait_for()
    assert SupportRequest.objects.count() == 1


def test_staff_read_and_close_a_request_on_a_phone(page, live_server, nora, clinic):
    support_request = SupportRequest.objects.create(
        organization=clinic,
        name="Maximiliana-Josephine Vanderberg-Oyelaran",
        email="maximiliana.josephine.vanderberg-oyelaran@example.org",
        topic="signing_in",
        message="I replaced my phone and lost my authenticator app. " * 10,
        submission_key="k" * 32,
    )
    signed_in_page(page, live_server, nora)
    detail = f"/staff/support/{support_request.pk}/"

    assert page_problems(page, ["/staff/support/", detail, "/staff/support/?show=closed"]) == {}

    page.goto(detail)
    page.get_by_role("button", name="Close this request", exact=True).click()
    page.get_by_text("Closed. It is now under closed requests.").wait_for()
    support_request.refresh_from_db()
    assert support_request.status == "closed"
