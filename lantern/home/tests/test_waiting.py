"""The home page's "Waiting for you": what the account should see to, each with a link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.testing.auth import sign_in

from .html import read

pytestmark = pytest.mark.django_db


def home_html(client: Client) -> str:
    response = client.get(reverse("home:home"))
    assert response.status_code == 200
    return response.content.decode()


def backup_codes(user, count: int) -> None:
    device = StaticDevice.objects.get(user=user, name="Backup codes")
    StaticToken.objects.filter(device=device).delete()
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=f"code{n:04d}") for n in range(count)]
    )


def authenticator_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


@pytest.fixture
def settled_alice(alice):
    """Alice with a confirmed email, an authenticator app and plenty of backup codes."""
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    client = sign_in(Client(), alice)
    authenticator_app(alice)
    backup_codes(alice, 10)
    return alice, client


def test_nothing_is_waiting_for_a_settled_account(settled_alice):
    _alice, client = settled_alice

    assert read(home_html(client), "waiting") is None


def test_no_email_address_asks_for_one_with_a_link_to_add_it(settled_alice):
    alice, client = settled_alice
    alice.email = ""
    alice.save(update_fields=["email"])

    item = read(home_html(client), "waiting-no-email")

    assert "Add an email address" in item.words
    assert [href for _, href in item.links] == [reverse("accounts:change_email")]


@pytest.mark.parametrize(("left", "asked"), [(0, True), (2, True), (3, False)])
def test_two_backup_codes_or_fewer_ask_for_new_ones(settled_alice, left, asked):
    alice, client = settled_alice
    backup_codes(alice, left)

    item = read(home_html(client), "waiting-backup-codes-low")

    assert (item is not None) == asked
    if asked:
        assert f"You have {left} backup code" in item.words
        assert [href for _, href in item.links] == [reverse("mfa:backup_codes")]


def test_an_account_without_backup_codes_is_not_asked_about_them(settled_alice):
    alice, client = settled_alice
    # Alice signed in with her authenticator app and has no backup codes at all.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=alice).persistent_id
    session.save()
    StaticDevice.objects.filter(user=alice).delete()

    assert read(home_html(client), "waiting-backup-codes-low") is None


def test_backup_codes_as_the_only_second_factor_ask_for_another_method(settled_alice):
    alice, client = settled_alice
    TOTPDevice.objects.filter(user=alice).delete()

    item = read(home_html(client), "waiting-no-second-factor")

    assert "Add a way to confirm it is you" in item.words
    assert [href for _, href in item.links] == [reverse("mfa:setup")]


def test_the_messages_card_without_unread_replies_shows_its_empty_state(settled_alice):
    _alice, client = settled_alice
    response = client.get(reverse("home:home"))

    assert response.context["unread_messages"] == 0
    assert "You have no unread messages." in read(response.content.decode(), "messages").words


def queries(client: Client) -> int:
    client.get(reverse("home:home"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home:home"))
    return len(captured)


def test_the_waiting_items_cost_the_same_whatever_the_account_holds(settled_alice):
    alice, client = settled_alice
    settled = queries(client)
    alice.email = ""
    alice.save(update_fields=["email"])
    backup_codes(alice, 1)
    TOTPDevice.objects.filter(user=alice).delete()

    assert queries(client) == settled
    assert len(read(home_html(client), "waiting").links) == 3


def test_a_session_verified_with_an_app_needs_no_query_for_other_methods(settled_alice):
    # django-otp has loaded the confirmed device the session was verified with: an
    # authenticator app is a method other than backup codes, so nothing more is asked.
    alice, client = settled_alice
    with_backup_code = queries(client)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=alice).persistent_id
    session.save()

    assert queries(client) == with_backup_code - 1
    assert read(home_html(client), "waiting") is None
