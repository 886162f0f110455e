"""`observation_bundle`: one lab value of no report as a validated FHIR R4 collection Bundle."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import models
from fhir.resources.R4B import get_fhir_model_class

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.interop.fhir_export import observation_bundle
from lantern.testing.factories import EncounterFactory, ObservationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

TAKEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
NOT_COMPARED = {"id", "source_system", "content_hash", "created_at", "updated_at"}


def own_access(patient: clinical.Patient) -> PatientAccess:
    return PatientAccess(user=None, patient=patient, role=ActorRole.SELF)


def a1c(patient: clinical.Patient, **fields) -> clinical.Observation:
    doctor = PractitionerFactory(given_names="Maya", family_name="Okafor")
    return ObservationFactory(
        patient=patient,
        display="Hemoglobin A1c",
        effective_at=TAKEN,
        issued_at=TAKEN,
        value_quantity=7.9,
        reference_low=4.0,
        reference_high=5.6,
        interpretation="H",
        # Every range and interpretation as the importer keeps them besides the columns.
        reference_ranges=[{"low": {"value": 4.0}, "high": {"value": 5.6}}],
        interpretations=[{"code": "H", "display": ""}],
        note="Higher than last time.",
        performer=doctor,
        **fields,
    )


def resources(bundle: dict, resource_type: str) -> list[dict]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    ]


def full_urls(bundle: dict, resource_type: str) -> list[str]:
    return [
        entry["fullUrl"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    ]


def stored(model: type[models.Model], source_system: str) -> dict[str, dict]:
    """The rows of one source by FHIR id, foreign keys as the target's FHIR id."""
    fields = [f for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    names = [f.name + "__fhir_id" if f.is_relation else f.name for f in fields]
    return {
        values["fhir_id"]: values
        for values in model.objects.filter(source_system=source_system).values(*names)
    }


def import_again(bundle: dict, tmp_path: Path) -> None:
    path = tmp_path / "observation.json"
    path.write_text(json.dumps(bundle))
    call_command("import_fhir", str(path), "--source", "again", "--workers", "1", "--json")


def test_the_bundle_holds_the_observation_its_visit_and_the_patient_and_is_valid_fhir(alice):
    visit = EncounterFactory(patient=alice.patient, period_start=TAKEN)
    observation = a1c(alice.patient, encounter=visit)

    bundle = observation_bundle(own_access(alice.patient), observation)

    get_fhir_model_class("Bundle").model_validate(bundle)
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    [value] = resources(bundle, "Observation")
    assert full_urls(bundle, "Observation") == [f"urn:uuid:{observation.pk}"]
    assert full_urls(bundle, "Patient") == [f"urn:uuid:{alice.patient.pk}"]
    assert full_urls(bundle, "Encounter") == [f"urn:uuid:{visit.pk}"]
    assert full_urls(bundle, "Practitioner") == [f"urn:uuid:{observation.performer_id}"]
    assert value["id"] == observation.fhir_id
    assert value["subject"]["reference"] == f"urn:uuid:{alice.patient.pk}"
    assert value["encounter"]["reference"] == f"urn:uuid:{visit.pk}"
    assert value["valueQuantity"]["value"] == 7.9
    assert resources(bundle, "DiagnosticReport") == []


def test_a_value_taken_outside_a_visit_comes_without_an_encounter(alice):
    EncounterFactory(patient=alice.patient, period_start=TAKEN)
    observation = a1c(alice.patient, encounter=None)

    bundle = observation_bundle(own_access(alice.patient), observation)

    get_fhir_model_class("Bundle").model_validate(bundle)
    assert len(resources(bundle, "Observation")) == 1
    assert len(resources(bundle, "Patient")) == 1
    assert resources(bundle, "Encounter") == []


def test_only_the_one_value_of_the_patient_in_the_access_is_exported(alice, charlie):
    mine = a1c(alice.patient)
    a1c(alice.patient)
    theirs = a1c(charlie.patient)

    bundle = observation_bundle(own_access(alice.patient), mine)
    assert full_urls(bundle, "Observation") == [f"urn:uuid:{mine.pk}"]

    # An observation of another patient is not exported under alice's access.
    foreign = observation_bundle(own_access(alice.patient), theirs)
    assert resources(foreign, "Observation") == []
    assert full_urls(foreign, "Patient") == [f"urn:uuid:{alice.patient.pk}"]


@pytest.mark.parametrize("in_a_visit", [True, False], ids=["in-a-visit", "no-visit"])
def test_the_bundle_imports_back_with_import_fhir_to_the_same_values(alice, tmp_path, in_a_visit):
    visit = EncounterFactory(patient=alice.patient, period_start=TAKEN) if in_a_visit else None
    observation = a1c(alice.patient, encounter=visit)

    import_again(observation_bundle(own_access(alice.patient), observation), tmp_path)

    original = stored(clinical.Observation, "test")[observation.fhir_id]
    assert stored(clinical.Observation, "again") == {observation.fhir_id: original}
    assert stored(clinical.Encounter, "again") == (
        {visit.fhir_id: stored(clinical.Encounter, "test")[visit.fhir_id]} if visit else {}
    )
    # A patient made by the factory has no identifier list; the export writes its MRN as one,
    # which the importer keeps. Every other field comes back the same.
    [patient] = stored(clinical.Patient, "again").values()
    expected = stored(clinical.Patient, "test")[alice.patient.fhir_id]
    assert {**patient, "identifiers": []} == {**expected, "identifiers": []}
