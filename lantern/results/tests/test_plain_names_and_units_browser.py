"""What a person sees at phone width (360 px): a plain name above the long one on the results list,
and, after choosing US units on the settings page, pounds and feet beside kilograms and
centimeters on the vital signs page (issue 10, points 4 and 6)."""

from __future__ import annotations

import pytest

from lantern.clinical.models import ObservationCategory
from lantern.testing.factories import ObservationFactory
from lantern.testing.page_checks import signed_in_page

from .conftest import make_report

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_results_list_shows_the_plain_name_above_the_long_one(page, live_server, alice):
    cholesterol = {"code": "2093-3", "display": "Cholesterol [Mass/volume] in Serum or Plasma"}
    make_report(alice.patient, code="57698-3", display="Lipid Panel", values=[cholesterol])
    signed_in_page(page, live_server, alice)

    page.goto(f"{live_server.url}/patients/{alice.patient_id}/results/")
    row = page.get_by_test_id("result-row")
    link = row.get_by_role("link", name="Cholesterol panel")
    long_name = row.get_by_test_id("long-name")

    assert link.is_visible() and long_name.is_visible()
    assert long_name.inner_text() == "Lipid Panel"
    assert long_name.bounding_box()["y"] > link.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_choosing_us_units_shows_pounds_and_feet_on_the_vital_signs(page, live_server, alice):
    vital = {"patient": alice.patient, "category": ObservationCategory.VITAL_SIGNS}
    ObservationFactory(code="29463-7", display="Body Weight", value_quantity=85.9597,
                       value_unit="kg", **vital)  # fmt: skip
    ObservationFactory(code="8302-2", display="Body Height", value_quantity=175.3,
                       value_unit="cm", **vital)  # fmt: skip
    signed_in_page(page, live_server, alice)
    vitals = f"{live_server.url}/patients/{alice.patient_id}/record/vitals/"

    page.goto(vitals)
    assert page.get_by_test_id("us-units").count() == 0

    page.goto(f"{live_server.url}/account/")
    page.get_by_text("US (lb, ft and in) with metric").click()
    page.get_by_role("button", name="Save units").click()
    page.get_by_text("Your units for weight and height were saved.").wait_for()

    page.goto(vitals)
    shown = page.get_by_test_id("us-units").all_inner_texts()
    assert shown == ["(190 lb)", "(5 ft 9 in)"]
    assert page.get_by_text("86 kg (190 lb)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
