"""The patient's home page: what needs attention first, then recent activity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory

from .builders import add_record, make_report, make_visit
from .html import Part, read

pytestmark = pytest.mark.django_db


def home_html(user) -> str:
    response = sign_in(Client(), user).get(reverse("home:home"))
    assert response.status_code == 200
    return response.content.decode()


def home_page(user) -> Part:
    return read(home_html(user))


def new_results_text(html: str) -> str:
    return read(html, "new-results").words


def test_the_home_page_keeps_its_welcome_heading_and_has_only_one_h1(alice):
    html = home_html(alice)

    assert html.count("<h1") == 1
    assert "<h1>Welcome, Alice</h1>" in html


def test_the_new_results_card_counts_the_results_alice_has_not_opened(alice):
    make_report(alice.patient, display="Lipid panel")
    make_report(alice.patient, display="Glucose", days_ago=3)

    card = read(home_html(alice), "new-results")

    assert "You have 2 new test results" in card.words
    assert [href for _, href in card.links] == ["/results/"]


def test_opening_a_result_lowers_the_new_results_count(alice):
    opened = make_report(alice.patient, display="Lipid panel")
    make_report(alice.patient, display="Glucose", days_ago=3)
    client = sign_in(Client(), alice)

    detail = reverse(
        "results:detail", kwargs={"patient_id": alice.patient_id, "report_id": opened.pk}
    )
    assert client.get(detail).status_code == 200

    assert "You have 1 new test result you" in new_results_text(home_html(alice))


def test_with_every_result_opened_the_card_says_there_are_no_new_results(alice):
    report = make_report(alice.patient)
    client = sign_in(Client(), alice)
    client.get(
        reverse("results:detail", kwargs={"patient_id": alice.patient_id, "report_id": report.pk})
    )

    assert "You have no new test results" in new_results_text(home_html(alice))


def test_recent_activity_lists_the_five_newest_results_and_visits_with_links(alice):
    newest_result = make_report(alice.patient, display="Lipid panel", days_ago=1)
    newest_visit = make_visit(alice.patient, type_display="Yearly check-up", days_ago=2)
    for days in range(3, 10):
        make_report(alice.patient, display=f"Old result {days}", days_ago=days)
        make_visit(alice.patient, type_display=f"Old visit {days}", days_ago=days)

    table = read(home_html(alice), "recent-activity")
    rows = table.rows[1:]  # The first row is the header.

    assert len(rows) == 5
    assert table.links[0] == (
        "Lipid panel",
        reverse(
            "results:detail",
            kwargs={"patient_id": alice.patient_id, "report_id": newest_result.pk},
        ),
    )
    assert table.links[1] == (
        "Yearly check-up",
        reverse(
            "record:visit", kwargs={"patient_id": alice.patient_id, "visit_id": newest_visit.pk}
        ),
    )
    assert "New" in rows[0] and "Test result" in rows[0]
    assert "Visit" in rows[1]
    assert "Old result 9" not in table.words


def test_recent_activity_escapes_what_the_record_says_and_labels_each_cell(alice):
    # The rows' cells are worded in Python (home.presenters), not by the template's escaping.
    make_report(alice.patient, display="<b>Lipid</b> & panel", days_ago=1)
    make_visit(alice.patient, type_display="<script>alert(1)</script>", days_ago=2)

    html = home_html(alice)
    table = html.split('data-testid="recent-activity"')[1].split("</table>")[0]

    assert "&lt;b&gt;Lipid&lt;/b&gt; &amp; panel" in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "<b>" not in table and "<script>" not in table
    assert table.count('<th scope="row" data-label="What">') == 2
    assert table.count('data-label="Result" data-testid="activity-status"') == 2


def test_charlies_results_and_visits_never_appear_on_alices_home(alice, charlie):
    make_report(charlie.patient, display="Charlie's thyroid panel")
    make_visit(charlie.patient, type_display="Charlie's knee visit")

    html = home_html(alice)

    assert "Charlie" not in html
    assert "You have no new test results" in new_results_text(html)
    assert read(html, "no-recent-activity") is not None


def test_an_empty_record_explains_each_card_and_offers_the_health_record(alice):
    html = home_html(alice)
    text = read(html).words

    assert "You have no new test results" in text
    assert "You have no unread messages." in text
    empty = read(html, "no-recent-activity")
    assert "You have no test results or visits on record yet." in empty.words
    assert [href for _, href in empty.links] == [
        reverse("record:index", kwargs={"patient_id": alice.patient_id})
    ]


def test_no_card_speaks_of_appointments_before_that_feature_exists(alice):
    html = home_html(alice)

    assert read(html, "appointments") is None
    assert "upcoming appointments" not in html


def test_the_home_page_links_to_the_health_record_and_downloads(alice):
    hrefs = {href for _, href in home_page(alice).links}

    assert reverse("record:index", kwargs={"patient_id": alice.patient_id}) in hrefs
    assert reverse("downloads:download", kwargs={"patient_id": alice.patient_id}) in hrefs


def test_an_unconfirmed_email_asks_alice_to_confirm_it(alice):
    prompt = read(home_html(alice), "confirm-email")

    assert "Confirm your email address" in prompt.words
    assert prompt.forms[0]["action"] == reverse("accounts:resend_verification")
    assert prompt.forms[0]["method"] == "post"


def test_a_confirmed_email_is_not_asked_about(alice):
    alice.email_verified_at = timezone.now()
    alice.save(update_fields=["email_verified_at"])

    html = home_html(alice)

    assert read(html, "confirm-email") is None
    assert "Confirm your email address" not in html


def test_opening_the_home_page_is_recorded_in_alices_access_log(alice):
    home_html(alice)

    assert AuditEvent.objects.filter(
        actor=alice, patient=alice.patient, object_type="dashboard"
    ).exists()


def test_staff_without_a_patient_record_still_go_to_the_console(nora):
    response = sign_in(Client(), nora).get(reverse("home:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:home")


def queries_for_home(user) -> int:
    client = sign_in(Client(), user)
    client.get(reverse("home:home"))  # The first request may refresh the session.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home:home"))
    assert response.status_code == 200
    return len(captured)


def test_the_home_page_costs_the_same_for_10_and_2000_observations(clinic):
    small = UserFactory(patient=PatientFactory(managing_organization=clinic))
    add_record(small.patient, observations=10, reports=2, visits=2)
    large = UserFactory(patient=PatientFactory(managing_organization=clinic))
    add_record(large.patient, observations=2000, reports=300, visits=300)

    assert queries_for_home(small) == queries_for_home(large)


def test_unread_replies_from_the_care_team_are_counted_and_link_to_messages(alice, charlie):
    from lantern.messaging.models import AuthorRole
    from lantern.testing.factories_messaging import ConversationFactory

    replied = {"last_message_role": AuthorRole.STAFF, "waiting_since": None}
    ConversationFactory.create_batch(2, patient=alice.patient, created_by=alice, **replied)
    ConversationFactory(
        patient=alice.patient,
        created_by=alice,
        patient_read_at=timezone.now() + dt.timedelta(minutes=1),
        **replied,
    )  # read already
    ConversationFactory(patient=alice.patient, created_by=alice)  # alice wrote last
    ConversationFactory(patient=charlie.patient, created_by=charlie, **replied)

    messages_card = read(home_html(alice), "messages")

    assert "You have 2 unread messages from your care team." in messages_card.words
    assert ("Read your messages", "/messages/") in messages_card.links


def record_sign_ins(user, device_label: str) -> None:
    """Two completed sign-ins, the older one from `device_label`: the home page names it."""
    from lantern.accounts.models import SignInEvent

    for days_ago, label in ((1, device_label), (0, "Firefox on Windows")):
        at = timezone.now() - dt.timedelta(days=days_ago)
        SignInEvent.objects.create(
            user=user, at=at, device_label=label, place="", second_factor_at=at
        )


def test_on_a_phone_what_needs_attention_comes_before_activity_and_the_sign_in_line(alice):
    make_report(alice.patient, display="Lipid panel", days_ago=1)
    record_sign_ins(alice, "Mobile Safari on iOS (iPhone)")
    html = home_html(alice)

    order = [
        html.index('data-testid="waiting"'),
        html.index('data-testid="new-results"'),
        html.index('data-testid="messages"'),
        html.index('data-testid="recent-activity"'),
        html.index('data-testid="previous-sign-in"'),
    ]

    assert order == sorted(order)


def test_the_last_sign_in_line_is_short_and_plain(alice):
    record_sign_ins(alice, "HeadlessChrome on Linux")
    html = home_html(alice)
    line = read(html, "previous-sign-in").words

    assert line.startswith("Last sign-in: ")
    assert line.endswith(", Linux. Not you? Check your account.")
    assert "HeadlessChrome" not in line
    assert "usa-intro" not in html


@pytest.mark.parametrize(
    ("label", "short"),
    [
        ("Mobile Safari on iOS (iPhone)", "iPhone"),
        ("HeadlessChrome on Linux", "Linux"),
        ("Firefox", "Firefox"),
    ],
)
def test_the_sign_in_device_is_named_in_a_word_or_two(label, short):
    from lantern.home.selectors import short_device

    assert short_device(label) == short


def test_recent_activity_names_a_common_test_by_its_plain_name(alice):
    make_report(alice.patient, code="4548-4", display="Hemoglobin A1c/Hemoglobin.total in Blood")

    activity = read(home_html(alice), "recent-activity").words

    assert "Hemoglobin A1c (average blood sugar)" in activity
    assert "Hemoglobin.total" not in activity
