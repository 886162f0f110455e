"""Blood pressure as Synthea and many EHRs send it: LOINC 55284-4 with its two numbers as parts."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.clinical.models import Observation
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import bundle, entry, write
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

pytestmark = pytest.mark.django_db


def synthea_blood_pressure(fhir_id: str, when: str, systolic: float, diastolic: float) -> dict:
    """An Observation shaped as Synthea writes it: diastolic first, long decimals, UCUM units."""

    def part(code: str, display: str, value: float) -> dict:
        return {
            "code": {
                "coding": [{"system": "http://loinc.org", "code": code, "display": display}],
                "text": display,
            },
            "valueQuantity": {
                "value": value,
                "unit": "mm[Hg]",
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            },
        }

    return {
        "resourceType": "Observation",
        "id": fhir_id,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                        "display": "vital-signs",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "55284-4", "display": "Blood Pressure"}
            ],
            "text": "Blood Pressure",
        },
        "subject": {"reference": bundles.PATIENT_URL},
        "effectiveDateTime": when,
        "issued": when,
        "component": [
            part("8462-4", "Diastolic Blood Pressure", diastolic),
            part("8480-6", "Systolic Blood Pressure", systolic),
        ],
    }


@pytest.fixture
def alice_with_imported_pressures(alice, tmp_path):
    """Two Synthea blood pressures imported, then given to Alice so she can be signed in."""
    document = bundle(
        entry(bundles.clinic()),
        entry(bundles.patient()),
        entry(
            synthea_blood_pressure(
                "aaaaaaaa-0000-4000-8000-000000000001",
                "2026-03-02T09:00:00+00:00",
                131.20609084631343,
                84.59426017010344,
            )
        ),
        entry(
            synthea_blood_pressure(
                "aaaaaaaa-0000-4000-8000-000000000002",
                "2026-09-14T09:00:00+00:00",
                119.99,
                80.2,
            )
        ),
    )
    report = import_paths([write(tmp_path / "synthea.json", copy.deepcopy(document))])
    assert report.failed == []
    Observation.objects.filter(code="55284-4").update(patient=alice.patient)
    return alice


def test_imported_55284_4_blood_pressure_keeps_both_numbers_as_parts(
    alice_with_imported_pressures,
):
    pressure = Observation.objects.filter(code="55284-4").latest("effective_at")

    parts = {part["code"]: (part["value"], part["unit"]) for part in pressure.components}

    assert parts == {"8480-6": (119.99, "mm[Hg]"), "8462-4": (80.2, "mm[Hg]")}


def test_vitals_show_a_55284_4_blood_pressure_as_both_numbers(alice_with_imported_pressures):
    alice = alice_with_imported_pressures
    client = sign_in(Client(), alice)

    response = client.get(reverse("record:vitals", kwargs={"patient_id": alice.patient.pk}))
    vitals = {vital.label: vital for vital in response.context["vital_signs"]}

    assert vitals["Blood pressure"].value == "120/80 mmHg"
    assert "120/80 mmHg" in response.text
    assert "/results/trends/55284-4/" in vitals["Blood pressure"].trend_href


def add_older_panel_pressure(patient) -> None:
    """An older blood pressure (150/95) recorded under the panel code 85354-9."""
    ObservationFactory(
        patient=patient,
        code="85354-9",
        category="vital-signs",
        value_quantity=None,
        value_unit="",
        effective_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
        components=[
            {"code": "8480-6", "value": 150.0, "unit": "mm[Hg]"},
            {"code": "8462-4", "value": 95.0, "unit": "mm[Hg]"},
        ],
    )


def test_one_blood_pressure_row_shows_the_newest_of_either_code(alice_with_imported_pressures):
    alice = alice_with_imported_pressures

    add_older_panel_pressure(alice.patient)
    client = sign_in(Client(), alice)

    response = client.get(reverse("record:vitals", kwargs={"patient_id": alice.patient.pk}))
    labels = [vital.label for vital in response.context["vital_signs"]]

    assert labels.count("Blood pressure") == 1
    assert response.context["vital_signs"][0].value == "120/80 mmHg"
    index = client.get(reverse("record:index", kwargs={"patient_id": alice.patient.pk}))
    assert index.context["summary"].vitals == 1


def test_the_blood_pressure_trend_draws_systolic_and_diastolic_from_either_code(
    alice_with_imported_pressures,
):
    alice = alice_with_imported_pressures

    add_older_panel_pressure(alice.patient)
    client = sign_in(Client(), alice)
    url = reverse("results:trend", kwargs={"patient_id": alice.patient.pk, "code": "55284-4"})

    text = client.get(url).text

    assert 'data-series="Systolic"' in text and 'data-series="Diastolic"' in text
    table = text.split('data-testid="trend-table"')[1]
    assert table.index("150/95") < table.index("131/85") < table.index("120/80")
