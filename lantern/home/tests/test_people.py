"""Acting for someone (issue 12, point 4): every page names whose record is on screen with
"Switch"; the menu leads into that person's record as far as allowed; home and the switcher list
the people one cares for with what needs attention, at a cost that does not grow with them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import ProxyKind, ProxyPermission
from lantern.audit.models import ActorRole, AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    ObservationFactory,
    PatientFactory,
    ProxyRelationshipFactory,
    UserFactory,
)

from .html import read

pytestmark = pytest.mark.django_db


def html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_proxys_pages_name_whose_record_is_on_screen_with_switch(alice, bob):
    client = sign_in(Client(), bob)

    page = html(client, reverse("results:list", args=[alice.patient_id]))

    banner = read(page, "record-banner")
    assert "You are looking at Alice Adams\N{RIGHT SINGLE QUOTATION MARK}s record." in banner.words
    assert [href for _, href in banner.links] == ["/people/"]
    assert "Switch" in banner.words


def test_a_proxys_menu_leads_into_the_persons_record_as_far_as_allowed(alice, bob):
    client = sign_in(Client(), bob)

    page = html(client, reverse("record:index", args=[alice.patient_id]))

    nav = page.split('aria-label="Main menu"', 1)[1].split("</nav>", 1)[0]
    prefix = f"/patients/{alice.patient_id}/"
    assert f'href="{prefix}results/"' in nav
    assert f'href="{prefix}record/"' in nav
    assert "messages/" not in nav
    assert "medications/" not in nav
    # The record's index offers no section bob may not open.
    assert "record/medications/" not in page
    assert "/download/" not in page
    assert "access-log" not in page


def test_a_patient_who_cares_for_no_one_sees_no_banner_and_their_own_menu(alice):
    page = html(sign_in(Client(), alice), reverse("home:home"))

    assert read(page, "record-banner") is None
    assert read(page, "people") is None
    assert 'href="/results/"' in page


def test_a_patient_who_is_also_a_parent_sees_their_own_record_named_and_their_child_listed(
    alice,
):
    child = PatientFactory(given_names="Dora", family_name="Adams", birth_date=None)
    ProxyRelationshipFactory(proxy=alice, patient=child, kind=ProxyKind.LEGAL_GUARDIAN)
    ObservationFactory(patient=child, display="Lead level")

    page = html(sign_in(Client(), alice), reverse("home:home"))

    assert "You are looking at your own record." in read(page, "record-banner").words
    people = read(page, "people")
    assert "Dora Adams" in people.words
    assert "You are their legal guardian" in people.words
    assert "1 new test result" in people.words
    assert f"/patients/{child.pk}/results/" in [href for _, href in people.links]


def test_the_switcher_lists_oneself_first_then_each_person_with_what_needs_attention(alice, bob):
    ObservationFactory(patient=alice.patient, display="Glucose")

    page = html(sign_in(Client(), bob), reverse("home:people"))

    people = read(page, "people")
    assert "Alice Adams" in people.words
    assert "1 new test result" in people.words
    # bob may not read alice's messages, so nothing is said about them.
    assert "messages" not in people.words.lower()
    assert [href for _, href in people.links] == [
        f"/patients/{alice.patient_id}/results/",
        f"/patients/{alice.patient_id}/record/",
    ]
    events = AuditEvent.objects.filter(actor=bob, object_type="people")
    assert [(e.patient_id, e.actor_role) for e in events] == [(alice.patient_id, ActorRole.PROXY)]


def test_an_account_with_no_record_that_cares_for_no_one_is_told_so_on_the_switcher():
    page = html(sign_in(Client(), UserFactory()), reverse("home:people"))

    assert "You do not have access to anyone\N{RIGHT SINGLE QUOTATION MARK}s record." in page


def queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["home:home", "home:people"])
def test_home_and_the_switcher_cost_the_same_for_1_and_20_people(url_name):
    parent = UserFactory()
    client = sign_in(Client(), parent)
    ProxyRelationshipFactory(proxy=parent, patient=PatientFactory())
    one = queries(client, reverse(url_name))
    for _ in range(19):
        child = PatientFactory()
        ProxyRelationshipFactory(proxy=parent, patient=child, permissions=int(ProxyPermission.FULL))
        ObservationFactory(patient=child)

    assert queries(client, reverse(url_name)) == one
    assert html(client, reverse(url_name)).count('data-testid="person"') == 20


def test_the_account_menu_offers_family_access_only_to_an_account_with_its_own_record(alice, bob):
    own = html(sign_in(Client(), alice), reverse("home:home"))
    proxy_only = html(sign_in(Client(), bob), reverse("home:home"))

    assert 'href="/account/family/"' in own
    assert 'href="/account/family/"' not in proxy_only


def test_the_patient_reads_in_their_access_log_that_their_proxy_saw_their_summary(alice, bob):
    html(sign_in(Client(), bob), reverse("home:home"))

    log = html(sign_in(Client(), alice), reverse("audit:access_log", args=[alice.patient_id]))

    assert "someone you gave access to" in log
    assert "a summary of your new results and messages" in log


def test_a_proxy_opening_the_record_of_someone_who_has_died_is_told_so_on_every_page(alice, bob):
    alice.patient.deceased = True
    alice.patient.deceased_at = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
    alice.patient.save(update_fields=["deceased", "deceased_at"])
    client = sign_in(Client(), bob)

    for url in (
        reverse("results:list", args=[alice.patient_id]),
        reverse("record:index", args=[alice.patient_id]),
    ):
        banner = read(html(client, url), "deceased-banner")
        assert banner.words == "Alice Adams has died (Mar 4, 2026)."


def test_an_account_with_no_record_of_its_own_is_welcomed_by_its_first_name(alice, bob):
    page = html(sign_in(Client(), bob), reverse("home:home"))

    assert "Welcome, Bob</h1>" in page
