from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.accounts.models import UserSession
from lantern.accounts.services import password_change
from lantern.accounts.templatetags import session_timeout
from lantern.accounts.tests.conftest import FIREFOX, IPHONE, sign_in
from lantern.core.context_processors import SIGN_OUT_HREF
from lantern.core.tests.test_layouts import Page
from lantern.mfa.models import TrustedDevice
from lantern.mfa.services import trusted_device_create
from lantern.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/account/"


def is_signed_in(client: Client) -> bool:
    return client.get(SETTINGS_URL).status_code == 200


def test_fifteen_idle_minutes_sign_the_session_out_and_say_why(verified):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = sign_in(Client(), verified)
        traveller.shift(dt.timedelta(minutes=14))
        assert is_signed_in(client)
        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        response = client.get(SETTINGS_URL)
        assert response.status_code == 302
        assert response.url == "/signed-out/?reason=idle"
        page = client.get(response.url)
        assert "because you did nothing for a while" in page.content.decode()
        assert not is_signed_in(client)
    assert UserSession.objects.get(user=verified).ended_at is not None


def test_an_active_session_still_ends_after_twelve_hours(verified, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = sign_in(Client(), verified)
        for _ in range(12 * 6 - 1):
            traveller.shift(dt.timedelta(minutes=10))
            assert client.get(SETTINGS_URL).status_code == 200
        traveller.shift(dt.timedelta(minutes=10))
        response = client.get(SETTINGS_URL)
        assert response.url == "/signed-out/?reason=limit"


def test_stay_signed_in_counts_as_activity(verified):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = sign_in(Client(), verified)
        traveller.shift(dt.timedelta(minutes=14, seconds=10))
        response = client.post(reverse("accounts:keep_alive"), HTTP_ACCEPT="application/json")
        assert response.json() == {"seconds_left": 900}
        traveller.shift(dt.timedelta(minutes=14, seconds=10))
        assert is_signed_in(client)


def test_stay_signed_in_without_javascript_goes_back_to_the_page(alice_client):
    response = alice_client.post(reverse("accounts:keep_alive"), {"next": "/account/"})
    assert response.url == "/account/"
    response = alice_client.post(reverse("accounts:keep_alive"), {"next": "//evil.example/"})
    assert response.url == "/"


def test_signed_in_pages_carry_the_time_out_warning_with_stay_signed_in(alice_client):
    page = Page(alice_client.get(SETTINGS_URL).content.decode())
    modal = page.find("div", class_="usa-modal", id="session-timeout")
    assert modal
    assert 0 < int(modal[0]["data-seconds-left"]) <= 900
    assert modal[0]["data-warning-seconds"] == "60"
    assert page.find("script", src="/static/accounts/session-timeout.js")
    assert page.find("form", action="/account/session/keep-alive/")
    assert page.find("button", type="submit", **{"data-stay": ""})
    assert not [tag for tag in page.find("script") if "src" not in tag]


def modal_html(html: str) -> str:
    start = html.index('<div class="usa-modal" id="session-timeout"')
    return html[start : html.index("</script>", html.index("accounts/session-timeout")) + 9]


def test_the_kept_time_out_warning_is_the_warning_drawn_afresh_with_this_pages_values(
    alice_client,
):
    """The modal is drawn once a language and kept; each page puts in its own seconds left,
    address (escaped) and CSRF token, exactly as drawing the template afresh would."""
    session_timeout._drawn.clear()
    path = "/account/?from=<b>&x='1'"
    first = alice_client.get(path)
    kept = alice_client.get(path)
    assert session_timeout._drawn
    for response in (first, kept):
        drawn = modal_html(response.content.decode())
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', drawn).group(1)
        seconds = re.search(r'data-seconds-left="([0-9]+)"', drawn).group(1)
        afresh = render_to_string(
            session_timeout.TEMPLATE,
            {
                "seconds_left": seconds,
                "warning_seconds": 60,
                "next": response.wsgi_request.get_full_path(),
                "csrf_token": token,
            },
        )
        assert drawn == afresh.strip()
        assert 'name="next" value="/account/?from=%3Cb%3E&amp;x=&#x27;1&#x27;"' in drawn
        assert token
    assert "<lantern-" not in kept.content.decode()


def test_signed_out_pages_have_no_time_out_warning(client):
    assert b"session-timeout" not in client.get(reverse("accounts:sign_in")).content


def test_sign_out_ends_the_session(alice_client, verified):
    response = alice_client.post(reverse("accounts:sign_out"))
    assert response.url == "/signed-out/?reason=signed_out"
    assert not is_signed_in(alice_client)
    assert UserSession.objects.get(user=verified).ended_at is not None


def test_the_menus_sign_out_address_works_too(alice_client):
    assert alice_client.post(SIGN_OUT_HREF).status_code == 302
    assert not is_signed_in(alice_client)


def test_sign_out_is_only_a_post(alice_client):
    assert alice_client.get(reverse("accounts:sign_out")).status_code == 405
    assert is_signed_in(alice_client)


def test_sign_out_everywhere_ends_every_session_of_the_account(verified, charlie):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    phone = sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    other_person = sign_in(Client(), charlie)
    response = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert response.url == "/signed-out/?reason=ended"
    assert not is_signed_in(laptop)
    response = phone.get(SETTINGS_URL)
    assert response.url == "/signed-out/?reason=ended"
    assert is_signed_in(other_person)
    assert not UserSession.objects.filter(user=verified, ended_at__isnull=True).exists()
    # Signing in again afterwards works.
    assert is_signed_in(sign_in(Client(), verified))


def test_sign_out_everywhere_and_a_password_change_stop_trusting_browsers(verified):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    trusted_device_create(user=verified, user_agent=FIREFOX)

    laptop.post(reverse("accounts:sign_out_everywhere"))

    assert not TrustedDevice.objects.filter(user=verified).exists()
    trusted_device_create(user=verified, user_agent=FIREFOX)
    password_change(user=verified, new_password="a new and long passphrase", keep_session_id=None)
    assert not TrustedDevice.objects.filter(user=verified).exists()


def test_the_account_page_lists_both_sessions_and_marks_this_one(verified):
    sign_in(Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="81.2.69.142"), verified)
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    text = Page(laptop.get(SETTINGS_URL).content.decode()).text
    assert "Where you're signed in" in text
    assert "Mobile Safari on iOS (iPhone) Internet address 81.2.69.x" in text
    assert "Firefox on Windows This device On a private network" in text
    assert text.count("This device") == 1
    assert "Recent sign-ins" in text


def test_changing_the_password_ends_other_sessions_keeps_this_one_and_sends_a_notice(verified):
    phone = sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    laptop.post(reverse("accounts:confirm_password"), {"password": "correct horse battery staple"})
    response = laptop.post(
        reverse("accounts:change_password"), {"new_password": "a lantern by the river at dusk"}
    )
    assert response.url == SETTINGS_URL
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert (
        Notification.objects.filter(
            kind=NotificationKind.PASSWORD_CHANGED, to_address=verified.email
        ).count()
        == 1
    )
    sessions = UserSession.objects.filter(user=verified, ended_at__isnull=True)
    assert [session.device_label for session in sessions] == ["Firefox on Windows"]


def test_last_active_is_written_at_most_once_a_minute(verified):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client = sign_in(Client(), verified)
        traveller.shift(dt.timedelta(seconds=30))
        client.get(SETTINGS_URL)
        assert UserSession.objects.get().last_seen_at == start
        traveller.shift(dt.timedelta(seconds=40))
        client.get(SETTINGS_URL)
        assert UserSession.objects.get().last_seen_at == start + dt.timedelta(seconds=70)


@pytest.mark.parametrize(
    "name", ["accounts:sign_out", "accounts:sign_out_everywhere", "accounts:keep_alive"]
)
def test_session_forms_need_the_csrf_token(verified, name):
    client = sign_in(Client(enforce_csrf_checks=False), verified)
    client.handler.enforce_csrf_checks = True
    assert client.post(reverse(name)).status_code == 403
    assert is_signed_in(client)


def test_the_account_page_costs_the_same_queries_with_many_sessions(verified):
    client = sign_in(Client(), verified)
    client.get(SETTINGS_URL)
    with CaptureQueriesContext(connection) as few:
        client.get(SETTINGS_URL)
    for _ in range(12):
        sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    with CaptureQueriesContext(connection) as many:
        assert client.get(SETTINGS_URL).status_code == 200
    assert 0 < len(many.captured_queries) == len(few.captured_queries) <= 14
