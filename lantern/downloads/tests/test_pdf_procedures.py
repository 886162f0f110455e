"""The record PDF has a Procedures section like its other sections (issue 11, point 8)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.access.policy import PatientAccess, patient_access
from lantern.clinical.models import Location, Procedure, ProcedureStatus
from lantern.downloads import pdf
from lantern.downloads.selectors import SECTION_LIMIT, procedures_section, record_summary
from lantern.record.tests.factories import ProcedureFactory
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def access_of(user) -> PatientAccess:
    return patient_access(user, user.patient_id, audit=False)


def record_pdf_text(user) -> str:
    access = access_of(user)
    content = pdf.record_pdf(
        record_summary(access=access), procedures=procedures_section(access=access)
    )
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def place(name: str) -> Location:
    return Location.objects.create(source_system="test", fhir_id=name, name=name)


def test_the_record_pdf_lists_procedures_newest_first_in_words(alice, charlie):
    visit = EncounterFactory(
        patient=alice.patient,
        location=None,
        service_provider=OrganizationFactory(name="Oak Clinic"),
    )
    ProcedureFactory(
        patient=alice.patient,
        display="Appendectomy (procedure)",
        performed_start=dt.datetime(2019, 6, 2, 15, 0, tzinfo=dt.UTC),
        location=place("Mercy Hospital"),
        reason_display="Acute appendicitis (disorder)",
    )
    ProcedureFactory(
        patient=alice.patient,
        encounter=visit,
        display="Depression screening (procedure)",
        performed_start=dt.datetime(2024, 3, 5, 15, 0, tzinfo=dt.UTC),
        status=ProcedureStatus.NOT_DONE,
    )
    ProcedureFactory(patient=charlie.patient, display="Charlie's tonsillectomy")

    text = record_pdf_text(alice)

    assert "Procedures" in text
    assert "Appendectomy" in text and "(procedure)" not in text
    assert "Acute appendicitis" in text and "(disorder)" not in text
    assert "Jun 2, 2019" in text and "Mercy Hospital" in text and "Completed" in text
    # A procedure without a place of its own was done where its visit was.
    assert "Oak Clinic" in text and "Not done" in text
    assert text.index("Depression screening") < text.index("Appendectomy")
    assert "tonsillectomy" not in text


def test_the_record_pdf_says_when_no_procedures_are_recorded(alice):
    assert "No procedures are recorded." in record_pdf_text(alice)


def test_a_long_list_of_procedures_is_bounded_and_says_so(alice):
    Procedure.objects.bulk_create(
        ProcedureFactory.build_batch(SECTION_LIMIT + 1, patient=alice.patient)
    )
    section = procedures_section(access=access_of(alice))

    text = record_pdf_text(alice)

    assert len(section.rows) == SECTION_LIMIT and section.truncated
    assert f"latest {SECTION_LIMIT} entries only" in text


def test_the_downloaded_record_pdf_lists_the_procedures(alice):
    ProcedureFactory(patient=alice.patient, display="Colonoscopy (procedure)")
    url = reverse("downloads:record_pdf", kwargs={"patient_id": alice.patient_id})

    content = sign_in(Client(), alice).get(url).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    assert "Colonoscopy" in text
