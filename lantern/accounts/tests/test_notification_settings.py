"""The notification settings page: /account/notifications/, one per account, no id in the URL."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.core.tests.test_layouts import Page
from lantern.notifications.models import NotificationEvent, NotificationPreference
from lantern.notifications.preferences import ChannelChoice, preference_for, preferences_set
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories_mfa import SmsDeviceFactory

pytestmark = pytest.mark.django_db

URL = "/account/notifications/"
NEW_MESSAGE = NotificationEvent.NEW_MESSAGE
EMAIL_BOX = "id_new_message_email"
SMS_BOX = "id_new_message_sms"
MOBILE = "+15555550123"
# Six for the page, and one for the frame's record banner (whether the account acts for anyone).
QUERIES_PER_PAGE = 7


@pytest.fixture
def confirmed_alice(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])
    return alice


@pytest.fixture
def alice_client(confirmed_alice) -> Client:
    return sign_in(Client(), confirmed_alice)


def give_confirmed_mobile(user) -> None:
    user.phone = MOBILE
    user.save(update_fields=["phone"])
    SmsDeviceFactory(user=user, phone=MOBILE)


def page_of(response) -> Page:
    assert response.status_code == 200
    return Page(response.content.decode())


def box(page: Page, box_id: str) -> dict[str, str]:
    (element,) = page.find("input", id=box_id)
    return element


def test_the_address_is_the_one_the_task_names():
    assert reverse("accounts:notification_settings") == URL


def test_the_account_page_links_to_the_notification_settings(alice_client):
    page = page_of(alice_client.get(reverse("accounts:settings")))

    assert page.find("a", href=URL)
    assert "Notifications" in page.text


def test_the_page_has_a_fieldset_per_event_and_labelled_boxes(alice_client):
    response = alice_client.get(URL)
    page = page_of(response)
    html = response.content.decode()

    assert len(page.find("h1")) == 1
    assert len(page.find("fieldset")) == len(NotificationEvent)
    assert len(page.find("legend")) == len(NotificationEvent)
    assert "A new message from your care team" in page.text
    for box_id in (EMAIL_BOX, SMS_BOX):
        assert box(page, box_id)["type"] == "checkbox"
        assert page.find("label", **{"for": box_id})
    assert f'<label class="usa-checkbox__label" for="{EMAIL_BOX}">Email' in html
    assert f'<label class="usa-checkbox__label" for="{SMS_BOX}">Text message' in html
    assert page.find("form", method="post", action=URL)
    assert page.find("input", name="csrfmiddlewaretoken")
    assert page.find("button", type="submit")


def test_the_defaults_are_email_on_and_text_off(alice_client):
    page = page_of(alice_client.get(URL))

    assert "checked" in box(page, EMAIL_BOX)
    assert "checked" not in box(page, SMS_BOX)


def test_without_a_confirmed_mobile_the_text_box_is_disabled_with_a_hint(alice_client):
    page = page_of(alice_client.get(URL))

    sms = box(page, SMS_BOX)
    assert "disabled" in sms
    assert sms["aria-describedby"] == f"{SMS_BOX}-hint"
    assert page.find(id=f"{SMS_BOX}-hint")
    assert "Add a mobile number in Two-step verification to get text messages." in page.text
    assert page.find("a", href=reverse("mfa:manage"))


def test_with_a_confirmed_mobile_the_text_box_can_be_used(alice_client, confirmed_alice):
    give_confirmed_mobile(confirmed_alice)

    page = page_of(alice_client.get(URL))

    assert "disabled" not in box(page, SMS_BOX)
    assert "Add a mobile number" not in page.text


def test_an_unconfirmed_email_address_gets_a_hint_on_the_email_box(alice):
    client = sign_in(Client(), alice)

    page = page_of(client.get(URL))

    assert box(page, EMAIL_BOX)["aria-describedby"] == f"{EMAIL_BOX}-hint"
    assert "We send email only to a confirmed address." in page.text


def test_a_confirmed_email_address_has_no_hint(alice_client):
    page = page_of(alice_client.get(URL))

    assert "We send email only to a confirmed address." not in page.text
    assert "aria-describedby" not in box(page, EMAIL_BOX)


def test_saving_redirects_to_the_page_with_a_notice_and_the_saved_choices(
    alice_client, confirmed_alice
):
    give_confirmed_mobile(confirmed_alice)

    response = alice_client.post(URL, {"new_message_sms": "on"})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert preference_for(confirmed_alice, NEW_MESSAGE) == ChannelChoice(email=False, sms=True)
    page = page_of(alice_client.get(response["Location"]))
    assert "Your notification settings were saved." in page.text
    assert "checked" not in box(page, EMAIL_BOX)
    assert "checked" in box(page, SMS_BOX)
    # The notice is shown once.
    assert "were saved" not in page_of(alice_client.get(URL)).text


def test_text_messages_cannot_be_turned_on_without_a_confirmed_mobile(
    alice_client, confirmed_alice
):
    alice_client.post(URL, {"new_message_email": "on", "new_message_sms": "on"})

    assert preference_for(confirmed_alice, NEW_MESSAGE) == ChannelChoice(email=True, sms=False)


def test_a_saved_text_choice_is_kept_while_the_mobile_is_unconfirmed(alice_client, confirmed_alice):
    preferences_set(confirmed_alice, {NEW_MESSAGE: (True, True)})

    alice_client.post(URL, {"new_message_email": "on"})

    assert preference_for(confirmed_alice, NEW_MESSAGE) == ChannelChoice(email=True, sms=True)


def test_charlie_saving_his_settings_leaves_alices_alone(confirmed_alice, charlie):
    charlie_client = sign_in(Client(), charlie)

    response = charlie_client.post(URL, {})

    assert response.status_code == 302
    assert preference_for(charlie, NEW_MESSAGE) == ChannelChoice(email=False, sms=False)
    assert preference_for(confirmed_alice, NEW_MESSAGE) == ChannelChoice(email=True, sms=False)
    assert not NotificationPreference.objects.filter(user=confirmed_alice).exists()


def test_charlie_sees_his_own_settings_not_alices(confirmed_alice, charlie):
    preferences_set(confirmed_alice, {NEW_MESSAGE: (False, False)})
    charlie_client = sign_in(Client(), charlie)

    page = page_of(charlie_client.get(URL))

    assert "checked" in box(page, EMAIL_BOX)


def test_staff_can_use_the_page_in_the_console_frame(nora):
    client = sign_in(Client(), nora)

    page = page_of(client.get(URL))
    response = client.post(URL, {})

    assert "lantern-staff" in page.find("body")[0]["class"]
    assert response.status_code == 302
    assert preference_for(nora, NEW_MESSAGE) == ChannelChoice(email=False, sms=False)


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_visitors_are_sent_to_sign_in(client, alice, method):
    response = getattr(client, method)(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not NotificationPreference.objects.exists()


def test_an_account_without_its_second_factor_is_sent_to_sign_in(alice):
    client = sign_in_password_only(Client(), alice)

    response = client.post(URL, {})

    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(confirmed_alice):
    client = sign_in(Client(enforce_csrf_checks=True), confirmed_alice)

    response = client.post(URL, {})

    assert response.status_code == 403
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("saved", [False, True], ids=["defaults", "saved with a mobile"])
def test_the_page_takes_the_same_number_of_queries_whatever_was_saved(
    confirmed_alice, django_assert_num_queries, saved
):
    client = sign_in(Client(), confirmed_alice)
    if saved:
        give_confirmed_mobile(confirmed_alice)
        SmsDeviceFactory(user=confirmed_alice, phone="+15555550999", confirmed=False)
        preferences_set(confirmed_alice, {NEW_MESSAGE: (True, True)})

    client.get(URL)  # The first page of a session also notes that the terms are settled.
    with django_assert_num_queries(QUERIES_PER_PAGE):
        assert client.get(URL).status_code == 200
