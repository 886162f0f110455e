"""The test suite's own set-up: fast password hashing unless a test asks for the real hashers,
and browser journeys marked so a local run can leave them out."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password

from lantern.testing.browser import pytest_collection_modifyitems


def test_tests_hash_passwords_with_the_fast_md5_hasher():
    assert make_password("correct horse battery staple").startswith("md5$")


@pytest.mark.production_password_hashers
def test_a_test_can_ask_for_the_production_hashers_which_put_argon2_first():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert make_password("correct horse battery staple").startswith("argon2$")


class CollectedTest:
    """Just enough of a pytest item for the collection hook."""

    def __init__(self, *fixturenames: str) -> None:
        self.fixturenames = list(fixturenames)
        self.markers: list[str] = []

    def add_marker(self, marker) -> None:
        self.markers.append(marker.name)


def test_tests_using_the_page_or_browser_fixture_are_marked_browser_and_no_others():
    journey = CollectedTest("live_server", "page", "alice")
    session_browser = CollectedTest("browser")
    plain = CollectedTest("client", "alice", "settings")

    pytest_collection_modifyitems([journey, session_browser, plain])

    assert journey.markers == ["browser"]
    assert session_browser.markers == ["browser"]
    assert plain.markers == []


def test_this_suite_marks_its_real_browser_journeys(request):
    journeys = [item for item in request.session.items if "page" in item.fixturenames]
    assert all(item.get_closest_marker("browser") for item in journeys)
    assert request.node.get_closest_marker("browser") is None
