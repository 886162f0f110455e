"""Acting for someone at 360 x 740 in a real browser: the switcher, the home page's list and a
child's pages with the record banner load, have one heading, never scroll sideways and name every
control; the banner's "Switch" is reached by the keyboard."""

from __future__ import annotations

import pytest

from lantern.access.models import ProxyKind
from lantern.testing.factories import ObservationFactory, PatientFactory, ProxyRelationshipFactory
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_parents_pages_read_at_phone_width(page, live_server, alice, bob):
    child = PatientFactory(
        given_names="Maximiliana-Josephine", family_name="Vanderberg-Oyelaran", birth_date=None
    )
    ProxyRelationshipFactory(proxy=bob, patient=child, kind=ProxyKind.LEGAL_GUARDIAN)
    ObservationFactory(patient=child, display="Hemoglobin [Mass/volume] in Blood")
    signed_in_page(page, live_server, bob)

    problems = page_problems(
        page,
        [
            "/",
            "/people/",
            f"/patients/{child.pk}/results/",
            f"/patients/{child.pk}/record/",
            f"/patients/{alice.patient_id}/results/",
        ],
    )

    assert not problems, problems


def test_switch_is_reached_with_the_keyboard_from_the_top_of_main(page, live_server, alice, bob):
    signed_in_page(page, live_server, bob)
    page.goto(f"/patients/{alice.patient_id}/results/")
    page.get_by_role("link", name="Skip to main content").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")

    focused = page.evaluate("() => document.activeElement.innerText")
    assert focused.startswith("Switch")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Whose record", level=1).wait_for()
