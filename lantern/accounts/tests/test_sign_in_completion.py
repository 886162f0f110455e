"""A sign-in counts only once its second step is done: the account page says which password
steps went no further, and "Your last sign-in" ignores them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.accounts.models import SignInEvent
from lantern.accounts.selectors import previous_sign_in
from lantern.accounts.services import sign_in_complete
from lantern.core.tests.test_layouts import Page
from lantern.notifications.models import Notification, NotificationKind

from .conftest import FIREFOX, IPHONE, password_step, sign_in

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("accounts:settings")
NOT_COMPLETED = "Password entered — the second step was not completed"
HINT = "If this was not you, change your password."


def sign_ins_section(client: Client) -> str:
    html = client.get(SETTINGS_URL).content.decode()
    start = html.index('<section aria-labelledby="sign-ins-heading"')
    return html[start : html.index("</section>", start)]


def sign_in_rows(client: Client) -> list[str]:
    """The visible text of each row of the "Recent sign-ins" table (after its header row)."""
    rows = sign_ins_section(client).split("<tr>")[2:]
    return [Page(row).text.replace(" .", ".") for row in rows]


def test_a_password_step_alone_is_recorded_but_not_completed(verified):
    password_step(Client(HTTP_USER_AGENT=IPHONE), "alice")

    assert SignInEvent.objects.get(user=verified).second_factor_at is None


def test_the_account_page_says_which_password_steps_went_no_further(verified):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
        clock.shift(dt.timedelta(days=1))
        password_step(Client(HTTP_USER_AGENT=IPHONE), "alice")
        clock.shift(dt.timedelta(minutes=5))
        laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
        rows = sign_in_rows(laptop)

    assert len(rows) == 3
    assert "Completed Signed in" in rows[0]
    rows = rows[1:]
    assert "Mar 3, 2026" in rows[0]
    assert "Not completed " + NOT_COMPLETED in rows[0]
    assert "Mobile Safari on iOS" in rows[0]
    assert "Mar 2, 2026" in rows[1]
    assert "Completed Signed in" in rows[1]
    assert NOT_COMPLETED not in rows[1]


def test_an_attempt_from_a_browser_never_fully_signed_in_from_links_to_change_password(verified):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    password_step(Client(HTTP_USER_AGENT=IPHONE), "alice")

    section = Page(sign_ins_section(laptop))
    rows = sign_in_rows(laptop)

    assert section.find("a", href=reverse("accounts:change_password"))
    assert rows[0].count(HINT) == 1
    assert HINT not in rows[1]


def test_an_unfinished_attempt_from_a_browser_the_account_signs_in_from_has_no_hint(verified):
    laptop = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    laptop.post(reverse("accounts:sign_out"))
    # The same browser (its device cookie) enters the password and stops there.
    password_step(laptop, "alice")
    phone = sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)

    rows = sign_in_rows(phone)

    assert NOT_COMPLETED in rows[1]
    assert HINT not in " ".join(rows)


def test_previous_sign_in_ignores_password_steps_without_the_second_step(verified):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        password_step(Client(HTTP_USER_AGENT=FIREFOX), "alice")
    assert previous_sign_in(user=verified) is None

    with time_machine.travel(dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    previous = previous_sign_in(user=verified)

    assert previous.at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert previous.device == "Mobile Safari on iOS (iPhone)"


def test_the_home_page_names_the_last_completed_sign_in_only(verified):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        sign_in(Client(HTTP_USER_AGENT=IPHONE), verified)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        password_step(Client(HTTP_USER_AGENT=FIREFOX), "alice")
    with time_machine.travel(dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
        text = Page(client.get(reverse("home:home")).content.decode()).text

    assert "Last sign-in: Mar 2, 2026, 4:00 AM EST, iPhone." in text


def test_a_sign_in_is_completed_once_and_only_for_its_own_account(verified, charlie):
    password_step(Client(), "alice")
    event = SignInEvent.objects.get(user=verified)

    assert not sign_in_complete(user=charlie, sign_in_event_id=str(event.pk))
    assert sign_in_complete(user=verified, sign_in_event_id=str(event.pk))
    event.refresh_from_db()
    first = event.second_factor_at
    assert first is not None
    assert not sign_in_complete(user=verified, sign_in_event_id=str(event.pk))
    event.refresh_from_db()
    assert event.second_factor_at == first


def test_the_new_device_email_says_the_password_was_used_not_that_someone_signed_in(verified):
    sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    password_step(Client(HTTP_USER_AGENT=IPHONE), "alice")

    notice = Notification.objects.get(kind=NotificationKind.NEW_DEVICE_SIGN_IN)

    assert notice.subject == "Your password was used on a new device"
    assert "Your password was used to sign in" in notice.body
    assert "Someone signed in" not in notice.body


def record_attempts(user, count: int) -> None:
    """Half completed, half not, each from its own browser."""
    for number in range(count):
        client = Client(HTTP_USER_AGENT=IPHONE if number % 2 else FIREFOX)
        if number % 2:
            password_step(client, user.username)
        else:
            sign_in(client, user)


def test_the_account_page_costs_the_same_queries_with_many_sign_ins(
    verified, django_assert_num_queries
):
    client = sign_in(Client(HTTP_USER_AGENT=FIREFOX), verified)
    record_attempts(verified, 2)
    client.get(SETTINGS_URL)  # The first request may refresh the session's "last active" time.
    with CaptureQueriesContext(connection) as captured:
        assert client.get(SETTINGS_URL).status_code == 200
    # Counted now: the captured list is a window on the connection's log, which moves on.
    few = len(captured.captured_queries)

    record_attempts(verified, 24)
    client.get(SETTINGS_URL)
    with django_assert_num_queries(few):
        response = client.get(SETTINGS_URL)

    assert response.content.decode().count(NOT_COMPLETED) == 5
