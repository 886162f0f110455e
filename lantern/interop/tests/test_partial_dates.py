"""Dates without a time keep the precision the source gave, and the export writes them back as such
(issue 11, point 3).

A FHIR dateTime may be a bare date, a month or a year (`2011-04-30`, `2011-05`, `1990`). Lantern
stores it at midnight UTC on its first day and records how much of it the source gave in the
record's `date_precisions`; the export writes exactly that back, never an invented instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.clinical import models as clinical
from lantern.downloads.tests.test_round_trip import assert_round_trip
from lantern.interop.fhir_export import record_bundle
from lantern.interop.fhir_import import import_paths
from lantern.interop.fhir_import.mapping import date_precisions

from . import bundles
from .bundles import bundle, entry, write

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"
INSTANT = "2011-04-30T02:30:00+00:00"


def condition(fhir_id: str, onset: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": fhir_id,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": SNOMED, "code": "44054006", "display": "Diabetes"}]},
        "subject": {"reference": bundles.PATIENT_URL},
        "onsetDateTime": onset,
        **extra,
    }


DAY_ID = "d0000000-0000-4000-8000-000000000001"
MONTH_ID = "d0000000-0000-4000-8000-000000000002"
YEAR_ID = "d0000000-0000-4000-8000-000000000003"
INSTANT_ID = "d0000000-0000-4000-8000-000000000004"
VACCINE_ID = "d0000000-0000-4000-8000-000000000005"
PROCEDURE_ID = "d0000000-0000-4000-8000-000000000006"
PRESCRIPTION_ID = "d0000000-0000-4000-8000-000000000007"
ALLERGY_ID = "d0000000-0000-4000-8000-000000000008"
VISIT_ID = "d0000000-0000-4000-8000-000000000009"


def dated_bundle() -> dict[str, Any]:
    """Problems begun on a day, in a month, in a year and at an instant; and a vaccine, a
    procedure, a prescription, an allergy and a visit dated without a time."""
    patient = bundles.patient()
    del patient["managingOrganization"]
    subject = {"reference": bundles.PATIENT_URL}
    return bundle(
        entry(patient),
        entry(condition(DAY_ID, "2011-04-30", recordedDate="2011-05-02")),
        entry(condition(MONTH_ID, "2011-05", abatementDateTime="2012")),
        entry(condition(YEAR_ID, "1990")),
        entry(condition(INSTANT_ID, INSTANT)),
        entry(
            {
                "resourceType": "Immunization",
                "id": VACCINE_ID,
                "status": "completed",
                "vaccineCode": {"coding": [{"code": "140", "display": "Influenza"}]},
                "patient": subject,
                "occurrenceDateTime": "2019-10",
            }
        ),
        entry(
            {
                "resourceType": "Procedure",
                "id": PROCEDURE_ID,
                "status": "completed",
                "code": {"coding": [{"system": SNOMED, "code": "80146002"}]},
                "subject": subject,
                "performedPeriod": {"start": "2015-06-01", "end": "2015-06-03T10:00:00+00:00"},
            }
        ),
        entry(
            {
                "resourceType": "MedicationRequest",
                "id": PRESCRIPTION_ID,
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"coding": [{"code": "860975"}]},
                "subject": subject,
                "authoredOn": "2020-02-29",
            }
        ),
        entry(
            {
                "resourceType": "AllergyIntolerance",
                "id": ALLERGY_ID,
                "code": {"text": "Peanuts"},
                "patient": subject,
                "onsetDateTime": "1995",
                "recordedDate": "2001-07-04",
            }
        ),
        entry(
            {
                "resourceType": "Encounter",
                "id": VISIT_ID,
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": subject,
                "period": {"start": "2018-12-31", "end": "2019-01-01"},
            }
        ),
    )


def exported() -> dict[str, dict[str, Any]]:
    patient = clinical.Patient.objects.get()
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SELF)
    return {e["resource"]["id"]: e["resource"] for e in record_bundle(access)["entry"]}


@pytest.mark.parametrize(
    ("values", "precisions"),
    [
        ({"onset_at": "2011-04-30"}, {"onset_at": "day"}),
        ({"onset_at": "2011-05"}, {"onset_at": "month"}),
        ({"onset_at": "1990"}, {"onset_at": "year"}),
        ({"onset_at": "2011-04-30T00:00:00+00:00"}, {}),
        ({"onset_at": "2011-04-30T00:00:00Z"}, {}),
        ({"onset_at": None, "abated_at": ""}, {}),
    ],
)
def test_a_value_without_a_time_is_named_with_its_precision(values, precisions):
    assert date_precisions(**values) == precisions


def test_dates_without_a_time_are_stored_at_midnight_utc_with_their_precision(tmp_path):
    report = import_paths([write(tmp_path / "dated.json", dated_bundle())])

    assert not report.failed, report.failed
    by_id = {c.fhir_id: c for c in clinical.Condition.objects.all()}
    assert by_id[DAY_ID].onset_at == dt.datetime(2011, 4, 30, tzinfo=dt.UTC)
    assert by_id[DAY_ID].date_precisions == {"onset_at": "day", "recorded_at": "day"}
    assert by_id[MONTH_ID].onset_at == dt.datetime(2011, 5, 1, tzinfo=dt.UTC)
    assert by_id[MONTH_ID].date_precisions == {"onset_at": "month", "abated_at": "year"}
    assert by_id[YEAR_ID].onset_at == dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
    assert by_id[YEAR_ID].date_precisions == {"onset_at": "year"}
    # A real instant is not marked: it stays an instant.
    assert by_id[INSTANT_ID].date_precisions == {}
    assert clinical.Immunization.objects.get().date_precisions == {"occurred_at": "month"}
    assert clinical.Procedure.objects.get().date_precisions == {"performed_start": "day"}
    assert clinical.MedicationRequest.objects.get().date_precisions == {"authored_at": "day"}
    assert clinical.AllergyIntolerance.objects.get().date_precisions == {
        "onset_at": "year",
        "recorded_at": "day",
    }
    assert clinical.Encounter.objects.get().date_precisions == {
        "period_start": "day",
        "period_end": "day",
    }


@pytest.mark.parametrize("zone", ["America/New_York", "America/Los_Angeles", "Pacific/Auckland"])
def test_the_export_writes_each_date_back_as_the_source_gave_it(tmp_path, settings, zone):
    settings.TIME_ZONE = zone
    import_paths([write(tmp_path / "dated.json", dated_bundle())])

    written = exported()

    assert written[DAY_ID]["onsetDateTime"] == "2011-04-30"
    assert written[DAY_ID]["recordedDate"] == "2011-05-02"
    assert written[MONTH_ID]["onsetDateTime"] == "2011-05"
    assert written[MONTH_ID]["abatementDateTime"] == "2012"
    assert written[YEAR_ID]["onsetDateTime"] == "1990"
    assert written[INSTANT_ID]["onsetDateTime"] == INSTANT
    assert written[VACCINE_ID]["occurrenceDateTime"] == "2019-10"
    assert written[PROCEDURE_ID]["performedPeriod"] == {
        "start": "2015-06-01",
        "end": "2015-06-03T10:00:00+00:00",
    }
    assert written[PRESCRIPTION_ID]["authoredOn"] == "2020-02-29"
    assert written[ALLERGY_ID]["onsetDateTime"] == "1995"
    assert written[ALLERGY_ID]["recordedDate"] == "2001-07-04"
    assert written[VISIT_ID]["period"] == {"start": "2018-12-31", "end": "2019-01-01"}


def test_the_shared_bundles_blood_pressure_dated_by_day_is_exported_as_that_day(tmp_path):
    import_paths([write(tmp_path / "full.json", bundles.full_bundle())])

    written = exported()

    assert written[bundles.blood_pressure()["id"]]["effectiveDateTime"] == "2026-01-10"
    assert written[bundles.glucose()["id"]]["effectiveDateTime"] == "2026-01-10T09:15:00+00:00"


def test_a_record_with_partial_dates_imports_back_the_same(tmp_path):
    assert_round_trip(write(tmp_path / "dated.json", dated_bundle()), tmp_path)

    again = clinical.Condition.objects.get(source_system="b", fhir_id=MONTH_ID)
    assert again.date_precisions == {"onset_at": "month", "abated_at": "year"}


def test_reimporting_the_same_dated_bundle_changes_nothing(tmp_path):
    path = write(tmp_path / "dated.json", dated_bundle())
    import_paths([path])

    again = import_paths([path])

    for name, counts in again.as_json()["types"].items():
        assert counts["created"] == counts["updated"] == 0, name


def test_a_date_given_with_a_time_later_is_an_update(tmp_path):
    import_paths([write(tmp_path / "first.json", dated_bundle())])
    changed = dated_bundle()
    resource = next(e["resource"] for e in changed["entry"] if e["resource"]["id"] == YEAR_ID)
    resource["onsetDateTime"] = "1990-01-01T00:00:00+00:00"

    report = import_paths([write(tmp_path / "second.json", changed)])

    assert report.types["Condition"].updated == 1
    assert clinical.Condition.objects.get(fhir_id=YEAR_ID).date_precisions == {}


@pytest.mark.django_db(transaction=True)
def test_records_imported_before_precisions_were_kept_get_them_at_the_next_import(tmp_path):
    path = write(tmp_path / "dated.json", dated_bundle())
    import_paths([path])
    executor = MigrationExecutor(connection)
    # Forward again to every app's latest: going back also took out what depends on clinical.
    latest = executor.loader.graph.leaf_nodes()
    # Back to the schema without precisions (the column goes), and forward again: the records
    # are as an import before this change left them.
    executor.migrate([("clinical", "0003_code_systems")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert clinical.Condition.objects.get(fhir_id=YEAR_ID).date_precisions == {}

    again = import_paths([path])

    assert again.types["Condition"].updated == 4
    assert clinical.Condition.objects.get(fhir_id=YEAR_ID).date_precisions == {"onset_at": "year"}
    assert clinical.Encounter.objects.get().date_precisions == {
        "period_start": "day",
        "period_end": "day",
    }
    # And from then on an unchanged source changes nothing again.
    assert sum(counts.updated for counts in import_paths([path]).types.values()) == 0


def test_a_patients_birth_month_and_day_of_death_are_kept_and_exported_as_given(tmp_path):
    source = dated_bundle()
    source["entry"][0]["resource"].update(birthDate="1970-03", deceasedDateTime="2011-04-30")
    import_paths([write(tmp_path / "dated.json", source)])

    patient = clinical.Patient.objects.get()
    assert patient.birth_date == dt.date(1970, 3, 1)
    assert patient.deceased_at == dt.datetime(2011, 4, 30, tzinfo=dt.UTC)
    assert patient.date_precisions == {"birth_date": "month", "deceased_at": "day"}
    written = exported()[patient.fhir_id]
    assert (written["birthDate"], written["deceasedDateTime"]) == ("1970-03", "2011-04-30")
    assert_round_trip(write(tmp_path / "again.json", source), tmp_path)


def test_a_full_birth_date_is_not_marked(tmp_path):
    import_paths([write(tmp_path / "dated.json", dated_bundle())])

    patient = clinical.Patient.objects.get()
    assert patient.date_precisions == {}
    assert exported()[patient.fhir_id]["birthDate"] == "1970-03-14"
