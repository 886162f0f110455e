"""Staff opening the record of a patient who has died are told so on every page (issue 11,
point 9), so no one writes to the family as to the patient by mistake."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.clinical.models import Patient
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db

DIED = dt.datetime(2024, 6, 15, 16, 0, tzinfo=dt.UTC)


def staff_page(nora, name: str, patient) -> str:
    response = sign_in(Client(), nora).get(reverse(name, kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("name", ["record:index", "results:list", "messaging:list"])
def test_every_record_page_says_the_patient_has_died(nora, alice, name):
    alice.patient.deceased, alice.patient.deceased_at = True, DIED
    alice.patient.save(update_fields=["deceased", "deceased_at"])

    html = staff_page(nora, name, alice.patient)

    assert "This patient has died (Jun 15, 2024)." in html


def test_the_staff_patient_page_gives_the_date_of_death(nora, alice):
    alice.patient.deceased = True
    alice.patient.save(update_fields=["deceased"])

    html = staff_page(nora, "staff:patient", alice.patient)

    assert "Deceased" in html and "Date not recorded" in html


def test_a_living_patients_pages_say_nothing_of_it(nora, alice):
    for name in ("record:index", "staff:patient"):
        html = staff_page(nora, name, alice.patient)
        assert "has died" not in html and "Deceased" not in html


def test_a_birth_year_and_a_day_of_death_given_without_a_time_show_as_given(nora, alice):
    patient = alice.patient
    patient.birth_date = dt.date(1970, 1, 1)
    patient.deceased, patient.deceased_at = True, dt.datetime(2024, 6, 15, tzinfo=dt.UTC)
    patient.date_precisions = {"birth_date": "year", "deceased_at": "day"}
    patient.save()

    detail = staff_page(nora, "staff:patient", patient)

    assert ">1970</dd>" in detail
    assert "Jun 15, 2024" in detail and "Jun 14, 2024" not in detail
    assert "This patient has died (Jun 15, 2024)." in detail


def test_a_date_of_death_imported_from_a_bundle_is_on_every_page(nora, clinic, tmp_path):
    source = bundles.bundle(
        bundles.entry(bundles.clinic()),
        bundles.entry(bundles.patient(deceasedDateTime="1987-11-24T02:39:21+00:00")),
    )
    report = import_paths([bundles.write(tmp_path / "bundle.json", source)], workers=1)
    assert report.failed == [], report.failed
    patient = Patient.objects.get()
    patient.managing_organization = clinic
    patient.save(update_fields=["managing_organization"])

    record = staff_page(nora, "record:medications", patient)
    detail = staff_page(nora, "staff:patient", patient)

    # An instant (Synthea gives the time): the day it was in the clinic's time zone.
    assert "This patient has died (Nov 23, 1987)." in record
    assert "Nov 23, 1987" in detail
