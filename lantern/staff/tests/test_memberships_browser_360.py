"""The staff list pages in a real browser at 360 x 740, signed in as the clinic's administrator:
one heading, no sideways scroll, every control labelled and named, 44 px targets."""

from __future__ import annotations

import pytest

from lantern.access.models import StaffRole
from lantern.testing.factories import StaffMembershipFactory, UserFactory
from lantern.testing.page_checks import is_fine, page_found, page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_staff_list_and_its_forms_read_at_360_px(page, live_server, clinic, other_clinic, nora):
    ada = UserFactory(username="ada", first_name="Ada", last_name="Admin")
    StaffMembershipFactory(user=ada, organization=clinic, role=StaffRole.ADMINISTRATOR)
    StaffMembershipFactory(
        user=UserFactory(
            username="maximiliana.vanderberg-oyelaran@example.org",
            first_name="Maximiliana",
            last_name="Vanderberg-Oyelaran",
        ),
        organization=clinic,
        role=StaffRole.FRONT_DESK,
        is_active=False,
    )
    signed_in_page(page, live_server, ada)
    list_path = f"/staff/clinics/{clinic.pk}/staff/"

    assert page_problems(page, [list_path]) == {}

    # The add form's error, as a phone user meets it: the page answers 400 and must still read.
    page.goto(list_path)
    page.get_by_label("Username or email address").fill("nobody")
    with page.expect_navigation() as submitted:
        page.get_by_role("button", name="Add to the staff list").click()
    found = page_found(page, submitted.value)
    assert found["status"] == 400
    assert is_fine({**found, "status": 200}), found
    assert page.get_by_text("No account has that username").first.is_visible()

    # Administrators find the page from the console's navigation.
    page.goto("/staff/")
    assert page.locator('a[href="/staff/staff-list/"]').count() == 1
