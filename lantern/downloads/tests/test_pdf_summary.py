"""The record PDF reads like a summary a clinician hands over (issue 11, point 10): results grouped
by date and report, each medicine once however often it was prescribed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.results.tests.conftest import make_report
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    DocumentFactory,
    MedicationRequestFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

EARLIER = dt.datetime(2020, 2, 25, 15, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2021, 3, 4, 15, 0, tzinfo=dt.UTC)


def record_pdf_text(user) -> str:
    url = reverse("downloads:record_pdf", kwargs={"patient_id": user.patient_id})
    response = sign_in(Client(), user).get(url)
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_results_are_grouped_by_date_and_report_newest_first(alice):
    make_report(
        alice.patient,
        code="",
        display="Kidney panel",
        when=EARLIER,
        values=[{"display": "Creatinine"}, {"display": "Urea nitrogen"}],
    )
    make_report(alice.patient, code="", display="Sugar check", when=LATER, values=[{}])
    ObservationFactory(patient=alice.patient, display="Vitamin D", effective_at=EARLIER)

    text = record_pdf_text(alice)

    later = text.index("Mar 4, 2021 - Sugar check")
    kidney = text.index("Feb 25, 2020 - Kidney panel")
    other = text.index("Feb 25, 2020 - Other results")
    assert later < min(kidney, other)
    assert kidney < text.index("Creatinine") < text.index("Urea nitrogen")
    assert text.count("Kidney panel") == 1


def test_a_report_with_a_plain_name_heads_its_group_by_it(alice):
    make_report(alice.patient, code="57698-3", display="Lipid Panel", when=LATER, values=[{}])

    assert "Mar 4, 2021 - Cholesterol panel" in record_pdf_text(alice)


def test_a_medicine_prescribed_again_and_again_is_listed_once_with_how_often(alice):
    for months_ago in (0, 6, 12):
        MedicationRequestFactory(
            patient=alice.patient,
            code="314076",
            display="lisinopril 10 MG Oral Tablet",
            authored_at=LATER - dt.timedelta(days=30 * months_ago),
        )
    MedicationRequestFactory(patient=alice.patient, code="197361", display="amlodipine 5 MG")

    text = record_pdf_text(alice)

    assert text.count("lisinopril 10 MG Oral Tablet") == 1
    assert "Last prescribed" in text and "Times" in text
    assert "Mar 4, 2021 3" in text
    assert text.count("amlodipine 5 MG") == 1


def test_a_medicine_says_what_it_is_for(alice):
    MedicationRequestFactory(
        patient=alice.patient,
        display="lisinopril 10 MG Oral Tablet",
        reason_display="Essential hypertension (disorder)",
    )

    text = record_pdf_text(alice)

    assert "What it is for" in text
    assert "Essential hypertension" in text and "(disorder)" not in text


def test_documents_are_listed_and_the_newest_notes_printed_as_words(alice):
    DocumentFactory(
        patient=alice.patient,
        title="Discharge letter",
        date=LATER,
        content_type="text/html",
        content_text="<p>Walk <b>thirty</b> minutes a day.</p>",
    )
    DocumentFactory(
        patient=alice.patient,
        title="Scanned consent form",
        date=EARLIER,
        content_type="application/pdf",
        content_text="",
    )

    text = record_pdf_text(alice)

    assert "Documents and notes" in text
    assert "Scanned consent form" in text
    assert "Mar 4, 2021 - Discharge letter" in text
    assert "Walk thirty minutes a day." in text
    assert "<b>" not in text


def test_a_long_note_is_cut_with_words_that_say_where_the_rest_is(alice):
    DocumentFactory(patient=alice.patient, title="Long note", content_text="word " * 2000)

    text = record_pdf_text(alice)

    assert "(the whole note is in the portal)" in text
    assert text.count("word") < 1000
