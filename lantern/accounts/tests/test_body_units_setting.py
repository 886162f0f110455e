"""Units for weight and height, chosen on the account settings page (issue 10, point 6)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.test import Client, override_settings
from django.urls import reverse

from lantern.accounts.models import User
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def checked_choice(text: str) -> str:
    """The value of the checked units radio button on the settings page."""
    for value in ("metric", "us"):
        if f'value="{value}" class="usa-radio__input" id="id_body_units_' in text:
            tag = text.split(f'value="{value}"', 1)[1].split(">", 1)[0]
            if "checked" in tag:
                return value
    return ""


def test_the_settings_page_offers_metric_or_us_units_with_metric_chosen_by_default(alice):
    text = sign_in(Client(), alice).get(reverse("accounts:settings")).text

    assert "Units for weight and height" in text
    assert "Metric (kg, cm)" in text and "US (lb, ft and in) with metric" in text
    assert checked_choice(text) == "metric"


@override_settings(DEFAULT_BODY_UNITS="us")
def test_the_clinic_default_is_chosen_until_the_account_chooses(alice):
    text = sign_in(Client(), alice).get(reverse("accounts:settings")).text

    assert checked_choice(text) == "us"


def test_choosing_us_units_saves_them_for_the_account(alice):
    client = sign_in(Client(), alice)

    response = client.post(reverse("accounts:body_units"), {"body_units": "us"}, follow=True)

    alice.refresh_from_db()
    assert alice.body_units == "us"
    assert "Your units for weight and height were saved." in response.text
    assert checked_choice(response.text) == "us"


def test_an_unknown_choice_is_refused_and_nothing_changes(alice):
    client = sign_in(Client(), alice)

    response = client.post(reverse("accounts:body_units"), {"body_units": "imperial"}, follow=True)

    alice.refresh_from_db()
    assert alice.body_units == ""
    assert "Choose one of the units for weight and height" in response.text


def test_the_units_are_changed_only_by_a_post(alice):
    response = sign_in(Client(), alice).get(reverse("accounts:body_units"))

    assert response.status_code == 405


def test_the_database_refuses_an_unknown_unit(alice):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=alice.pk).update(body_units="imperial")
