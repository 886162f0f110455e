from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.clinical.models import Observation, ReportKind
from lantern.results.models import ResultSeen
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory, PractitionerFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db


def list_url(user) -> str:
    return reverse("results:list", kwargs={"patient_id": user.patient_id})


def detail_url(user, report) -> str:
    return reverse("results:detail", kwargs={"patient_id": user.patient_id, "report_id": report.pk})


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


# The list.


def test_the_results_link_takes_a_patient_to_their_own_results(alice):
    response = sign_in(Client(), alice).get("/results/")

    assert response.status_code == 302
    assert response["Location"] == list_url(alice)


def test_the_results_link_is_not_found_for_an_account_without_a_record(nora):
    assert sign_in(Client(), nora).get("/results/").status_code == 404


def test_the_results_list_asks_to_sign_in_first(alice):
    response = Client().get(list_url(alice))

    assert response.status_code == 302
    assert "/signin" in response["Location"] or "login" in response["Location"]


def test_alice_cannot_open_charlies_results_list(alice, charlie):
    make_report(charlie.patient, display="Charlie's lipid panel")

    response = sign_in(Client(), alice).get(list_url(charlie))

    assert response.status_code == 404


def test_the_list_shows_only_the_patients_own_results(alice, charlie):
    make_report(alice.patient, display="Alice's thyroid panel")
    make_report(charlie.patient, display="Charlie's lipid panel")

    response = sign_in(Client(), alice).get(list_url(alice))

    assert "Alice&#x27;s thyroid panel" in response.text
    assert "Charlie" not in response.content.decode().split("<main")[1]


def test_the_list_shows_newest_results_first_grouped_by_date(alice):
    make_report(alice.patient, display="Older panel", when=days_ago(30))
    make_report(alice.patient, display="Newest panel", when=days_ago(1))
    make_report(alice.patient, display="Middle panel", when=days_ago(10))

    text = sign_in(Client(), alice).get(list_url(alice)).text

    assert text.index("Newest panel") < text.index("Middle panel") < text.index("Older panel")
    assert text.count('<h2 class="margin-top-4">') == 3
    assert text.count("<h1") == 1


def test_the_list_says_high_low_normal_and_see_comment_in_words(alice, glucose):
    make_report(alice.patient, display="Glucose test", values=[glucose], when=days_ago(1))
    make_report(
        alice.patient,
        display="Iron test",
        values=[{"display": "Ferritin", "interpretation": "L", "value_quantity": 8.0}],
        when=days_ago(2),
    )
    make_report(
        alice.patient,
        display="Sodium test",
        values=[{**glucose, "value_quantity": 80.0}],
        when=days_ago(3),
    )
    make_report(alice.patient, display="Chest X-ray", kind=ReportKind.IMAGING, when=days_ago(4))

    rows = sign_in(Client(), alice).get(list_url(alice)).text.split('data-testid="result-row"')[1:]

    assert "Glucose test" in rows[0] and ">High</span>" in rows[0]
    assert "Iron test" in rows[1] and ">Low</span>" in rows[1]
    assert "Sodium test" in rows[2] and ">Normal</span>" in rows[2]
    assert "Chest X-ray" in rows[3] and "See comment" in rows[3]


def test_each_row_escapes_the_tests_name_and_labels_its_cells(alice):
    # The rows are worded in Python (ListedResult.cells), not by the template's escaping.
    report = make_report(alice.patient, display="<b>Lipid</b> & panel", when=days_ago(1))

    text = sign_in(Client(), alice).get(list_url(alice)).text
    row = text.split('data-testid="result-row"')[1].split("</tr>")[0]

    assert f'<a href="{detail_url(alice, report)}">' in row
    assert "&lt;b&gt;Lipid&lt;/b&gt; &amp; panel</" in row
    assert '<span class="usa-tag bg-primary">New</span>' in row and "<b>" not in row
    assert '<th scope="row" data-label="Test">' in row
    assert '<td data-label="Type">Lab</td>' in row and '<td data-label="Result">' in row


def test_the_list_is_paginated_25_to_a_page(alice):
    for day in range(27):
        make_report(alice.patient, display=f"Panel {day:02d}", when=days_ago(day + 1))
    client = sign_in(Client(), alice)

    first = client.get(list_url(alice)).text
    second = client.get(list_url(alice), {"page": 2}).text

    assert first.count('data-testid="result-row"') == 25
    assert "Page 1 of 2" in first and "usa-pagination" in first
    assert second.count('data-testid="result-row"') == 2
    assert "Panel 26" in second


def test_the_list_filters_by_kind_and_date(alice):
    make_report(alice.patient, display="Blood count", when=days_ago(5))
    make_report(alice.patient, display="Knee X-ray", kind=ReportKind.IMAGING, when=days_ago(5))
    make_report(alice.patient, display="Old scan", kind=ReportKind.IMAGING, when=days_ago(400))
    client = sign_in(Client(), alice)

    imaging = client.get(list_url(alice), {"kind": "imaging"}).text
    recent_imaging = client.get(
        list_url(alice), {"kind": "imaging", "date_from": days_ago(30).date().isoformat()}
    ).text

    assert "Knee X-ray" in imaging and "Old scan" in imaging and "Blood count" not in imaging
    assert "Knee X-ray" in recent_imaging and "Old scan" not in recent_imaging


def test_the_list_searches_by_test_name_and_explains_when_nothing_matches(alice):
    make_report(alice.patient, display="Lipid panel")
    make_report(alice.patient, display="Thyroid stimulating hormone")
    client = sign_in(Client(), alice)

    found = client.get(list_url(alice), {"q": "lipid"}).text
    nothing = client.get(list_url(alice), {"q": "vitamin"}).text

    assert "Lipid panel" in found and "Thyroid" not in found
    assert "No test results match these filters" in nothing


def test_the_empty_list_explains_and_offers_a_next_step(alice):
    text = sign_in(Client(), alice).get(list_url(alice)).text

    assert "You have no test results yet" in text
    assert 'data-testid="empty-state"' in text


def test_a_result_is_new_until_the_patient_opens_it(alice):
    report = make_report(alice.patient, display="Lipid panel")
    client = sign_in(Client(), alice)

    before = client.get(list_url(alice)).text
    client.get(detail_url(alice, report))
    after = client.get(list_url(alice)).text

    assert ">New</span>" in before
    assert ">New</span>" not in after
    assert ResultSeen.objects.filter(user=alice, report=report).count() == 1


def test_opening_a_result_seen_before_writes_nothing(alice):
    report = make_report(alice.patient, display="Lipid panel")
    client = sign_in(Client(), alice)
    client.get(detail_url(alice, report))
    first_seen = ResultSeen.objects.get(user=alice, report=report).seen_at

    with CaptureQueriesContext(connection) as captured:
        client.get(detail_url(alice, report))

    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert not [sql for sql in writes if "results_resultseen" in sql]
    assert ResultSeen.objects.get(user=alice, report=report).seen_at == first_seen


def test_staff_opening_a_result_does_not_clear_the_patients_new_mark(alice, nora):
    report = make_report(alice.patient, display="Lipid panel")

    sign_in(Client(), nora).get(detail_url(alice, report))
    text = sign_in(Client(), alice).get(list_url(alice)).text

    assert ">New</span>" in text


# One result.


def test_alice_cannot_open_charlies_result_even_through_her_own_address(alice, charlie):
    report = make_report(charlie.patient, display="Charlie's lipid panel")
    client = sign_in(Client(), alice)

    assert client.get(detail_url(charlie, report)).status_code == 404
    assert client.get(detail_url(alice, report)).status_code == 404
    assert not ResultSeen.objects.exists()


def test_the_result_page_gives_the_range_and_flag_in_words(alice, glucose):
    doctor = PractitionerFactory(prefix="Dr.", given_names="Maya", family_name="Patel")
    report = make_report(
        alice.patient,
        display="Fasting glucose",
        values=[{**glucose, "note": "Please repeat fasting."}],
        performer=doctor,
        conclusion="Slightly high. We will talk at your next visit.",
    )

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text

    assert text.count("<h1") == 1
    assert "142 mg/dL" in text
    assert "Normal range: 70 to 99 mg/dL" in text
    assert "usa-tag lantern-tag--high" in text and ">High</span>" in text
    assert "Ordered by:</strong> Dr. Maya Patel" in text
    assert "Please repeat fasting." in text
    assert "Slightly high. We will talk at your next visit." in text
    assert "usa-table--stacked" in text


def test_the_result_page_uses_the_labs_interpretation_and_its_range_text(alice):
    report = make_report(
        alice.patient,
        values=[
            {"display": "Potassium", "value_quantity": 6.9, "interpretation": "HH"},
            {
                "display": "Culture",
                "value_quantity": None,
                "value_string": "Positive",
                "reference_text": "Negative",
                "interpretation": "A",
            },
        ],
    )

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text

    assert ">Critical</span>" in text
    assert ">Abnormal</span>" in text
    assert "Normal range: Negative" in text


def test_the_result_page_shows_blood_pressure_as_systolic_and_diastolic(alice):
    report = make_report(
        alice.patient,
        values=[
            {
                "code": "85354-9",
                "display": "Blood pressure panel",
                "category": "vital-signs",
                "value_quantity": None,
                "value_unit": "",
                "components": [
                    {"code": "8480-6", "display": "Systolic", "value": 128.0, "unit": "mm[Hg]"},
                    {"code": "8462-4", "display": "Diastolic", "value": 84.0, "unit": "mm[Hg]"},
                ],
            }
        ],
    )

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text

    assert "Systolic 128 mmHg" in text and "Diastolic 84 mmHg" in text


def test_an_imaging_result_shows_the_radiologists_narrative(alice):
    report = make_report(
        alice.patient,
        display="Chest X-ray",
        kind=ReportKind.IMAGING,
        presented_text="FINDINGS: The lungs are clear.\n\nIMPRESSION: Normal chest.",
    )

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text

    assert "The radiologist\u2019s report" in text
    assert "The lungs are clear." in text and "Normal chest." in text


def test_a_value_links_to_its_trend_only_when_there_is_more_than_one(alice, glucose):
    report = make_report(
        alice.patient,
        values=[glucose, {"code": "1234-5", "display": "Rare test", "value_quantity": 1.0}],
    )
    ObservationFactory(patient=alice.patient, code="2345-7", effective_at=days_ago(90))
    trend = reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "2345-7"})
    rare = reverse("results:trend", kwargs={"patient_id": alice.patient_id, "code": "1234-5"})

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text

    assert f'href="{trend}?from=result:{report.pk}"' in text
    assert f'href="{rare}' not in text


def test_each_value_row_escapes_what_the_record_says_and_labels_its_cells(alice):
    # The value rows are worded in Python (presenters.report_value_rows), not by the template.
    lab = PractitionerFactory(prefix="", given_names="Ann & <Co>", family_name="O'Hara")
    report = make_report(
        alice.patient,
        when=days_ago(2),
        values=[
            {
                "code": "99999-9",
                "display": "<i>Odd</i> & test",
                "value_quantity": None,
                "value_string": 'Seen "x" <b>',
                "note": "First line\n<script>alert(1)</script>",
                "performer": lab,
            }
        ],
    )
    # Taken a day after the report, so the row says when.
    Observation.objects.filter(code="99999-9").update(effective_at=days_ago(1))

    text = sign_in(Client(), alice).get(detail_url(alice, report)).text
    row = text.split('<tr data-testid="result-value">')[1].split("</tr>")[0]

    assert '<th scope="row" data-label="Test">&lt;i&gt;Odd&lt;/i&gt; &amp; test' in row
    assert '<td data-label="Your value">Seen &quot;x&quot; &lt;b&gt;' in row
    assert '<div class="usa-hint">By Ann &amp; &lt;Co&gt; O&#x27;Hara</div>' in row
    assert '<div class="usa-hint">Taken ' in row
    assert '<td data-label="Normal range">No normal range given</td>' in row
    assert "First line<br>&lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "<script>" not in row and "<b>" not in row and "<i>" not in row
