"""A held result leaks nowhere on the patient side: no page, count, link or download shows it.

Staff of the clinic see the same result at once.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.clinical.models import ObservationCategory, ReportKind
from lantern.results.models import ResultReleaseDelay
from lantern.results.release import observations_on_hold
from lantern.testing.auth import sign_in
from lantern.testing.factories import EncounterFactory, ObservationFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
RELEASED = NOW + dt.timedelta(hours=73)


def held_record(patient) -> dict:
    """A visit with a fresh lab report (listing a heart rate) and a fresh A1c of no report."""
    visit = EncounterFactory(patient=patient, period_start=NOW, type_display="Check-up")
    report = make_report(
        patient,
        when=NOW,
        issued_at=NOW,
        encounter=visit,
        display="Lipid panel",
        values=[
            {
                "category": ObservationCategory.VITAL_SIGNS,
                "code": "8867-4",
                "display": "Heart rate",
                "value_quantity": 61.0,
                "value_unit": "/min",
                "encounter": visit,
            }
        ],
    )
    a1c = ObservationFactory(
        patient=patient,
        encounter=visit,
        display="Hemoglobin A1c",
        effective_at=NOW,
        issued_at=NOW,
        value_quantity=7.9,
    )
    return {"visit": visit, "report": report, "a1c": a1c}


def url(name: str, patient_id, **kwargs) -> str:
    return reverse(name, kwargs={"patient_id": patient_id, **kwargs})


def what_is_shown(client: Client, patient_id, record: dict) -> dict[str, object]:
    a1c, report, visit = record["a1c"], record["report"], record["visit"]
    results = client.get(url("results:list", patient_id)).text
    home = client.get("/").text
    visit_page = client.get(url("record:visit", patient_id, visit_id=visit.pk)).text
    index = client.get(url("record:index", patient_id)).text
    vitals = client.get(url("record:vitals", patient_id)).text
    bundle = json.loads(client.get(url("downloads:record_json", patient_id)).content)
    pdf = PdfReader(io.BytesIO(client.get(url("downloads:record_pdf", patient_id)).content))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    return {
        "list": ("Hemoglobin A1c" in results, "Lipid panel" in results),
        "a1c page": client.get(
            url("results:observation", patient_id, observation_id=a1c.pk)
        ).status_code,
        "a1c trend": "7.9" in client.get(url("results:trend", patient_id, code=a1c.code)).text,
        "home": ("Hemoglobin A1c" in home, "</strong> new test result" in home),
        "visit": ("Hemoglobin A1c" in visit_page, "Lipid panel" in visit_page),
        "index vitals": "1 kind of measurement" in index,
        "vitals page": "Heart rate" in vitals,
        "record json": any(
            entry["resource"].get("id") in (a1c.fhir_id, report.fhir_id)
            for entry in bundle["entry"]
        ),
        "record pdf": "Hemoglobin A1c" in pdf_text,
        "a1c json": client.get(
            url("downloads:observation_json", patient_id, observation_id=a1c.pk)
        ).status_code,
        "a1c pdf": client.get(
            url("downloads:observation_pdf", patient_id, observation_id=a1c.pk)
        ).status_code,
    }


SHOWN = {
    "list": (True, True),
    "a1c page": 200,
    "a1c trend": True,
    "home": (True, True),
    "visit": (True, True),
    "index vitals": True,
    "vitals page": True,
    "record json": True,
    "record pdf": True,
    "a1c json": 200,
    "a1c pdf": 200,
}
HIDDEN = {
    "list": (False, False),
    "a1c page": 404,
    "a1c trend": False,
    "home": (False, False),
    "visit": (False, False),
    "index vitals": False,
    "vitals page": False,
    "record json": False,
    "record pdf": False,
    "a1c json": 404,
    "a1c pdf": 404,
}


def test_a_held_lab_result_is_nowhere_on_the_patient_side(alice):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    with time_machine.travel(LATER, tick=False):
        record = held_record(alice.patient)
        assert what_is_shown(sign_in(Client(), alice), alice.patient_id, record) == HIDDEN


def test_the_same_held_result_is_shown_to_staff_of_the_clinic(alice, nora):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    with time_machine.travel(LATER, tick=False):
        record = held_record(alice.patient)
        shown = what_is_shown(sign_in(Client(), nora), alice.patient_id, record)
    # Staff have no patient home page of alice's; everything else they see at once.
    assert shown | {"home": (True, True)} == SHOWN


def test_the_patient_sees_everything_once_the_lab_delay_has_passed(alice):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    with time_machine.travel(NOW, tick=False):
        record = held_record(alice.patient)
    with time_machine.travel(RELEASED, tick=False):
        assert what_is_shown(sign_in(Client(), alice), alice.patient_id, record) == SHOWN


def test_an_imaging_delay_does_not_hold_a_lab_value_of_no_report(alice):
    ResultReleaseDelay.objects.create(kind=ReportKind.IMAGING, delay_hours=72)
    with time_machine.travel(LATER, tick=False):
        record = held_record(alice.patient)
        assert what_is_shown(sign_in(Client(), alice), alice.patient_id, record) == SHOWN


def test_a_held_lab_value_of_no_report_is_on_hold_for_staff_of_its_clinic_only(alice, nora, olga):
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    with time_machine.travel(LATER, tick=False):
        record = held_record(alice.patient)
        on_hold = list(observations_on_hold(user=nora))
        assert on_hold == [record["a1c"]]
        assert on_hold[0].release_at == NOW + dt.timedelta(hours=72)
        assert list(observations_on_hold(user=olga)) == []
    with time_machine.travel(RELEASED, tick=False):
        assert list(observations_on_hold(user=nora)) == []
