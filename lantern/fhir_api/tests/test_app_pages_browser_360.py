"""The consent screen, the connected-apps page and the clinic's app registry at 360 x 740 in a
real browser: one heading, no sideways scroll, every control named, 44 px touch targets, and no
serious axe violation (text contrast included), with long names."""

from __future__ import annotations

import pytest

from lantern.core.tests.test_accessibility_browser import axe_violations
from lantern.fhir_api.testing import connected_app_token
from lantern.fhir_api.tests.launch import Launch, register_app
from lantern.testing.crawl import clinic_administrator_of
from lantern.testing.page_checks import page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

LONG_NAME = "Comprehensive Family Health Record Companion for Caregivers"


def _check(page, paths: list[str]) -> None:
    problems = page_problems(page, paths)
    assert problems == {}, [p.get("too_wide") for p in problems.values()]
    violations = []
    for path in paths:
        page.goto(path)
        page.locator("h1").wait_for()
        violations += axe_violations(page, path, "360px")
    assert violations == [], "\n".join(map(str, violations))


def test_the_consent_screen_and_connected_apps_read_at_phone_width(page, live_server, alice, bob):
    application, _ = register_app(name=LONG_NAME)
    consent = Launch(application, bob).authorize_query()
    connected_app_token(bob, alice.patient, "patient/Observation.rs", app_name=LONG_NAME)

    signed_in_page(page, live_server, bob)

    _check(page, [consent, "/account/apps/"])


def test_the_app_registry_reads_at_phone_width(page, live_server, alice, clinic):
    register_app(name=LONG_NAME, confidential=True)
    connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Diary")

    signed_in_page(page, live_server, clinic_administrator_of(clinic))

    _check(page, ["/staff/apps/"])
