"""The FHIR API's reads and searches as selectors: an app's access (policy.api_access) and its
scopes decide what it sees, before any token or HTTP is involved."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from lantern.access import policy
from lantern.access.models import ProxyStatus
from lantern.audit.models import ActorRole, AuditEvent, AuditOutcome
from lantern.clinical.models import DiagnosticReportResult, ReportKind
from lantern.fhir_api.caller import ApiCaller
from lantern.fhir_api.outcomes import FhirError
from lantern.fhir_api.resources import TYPES
from lantern.fhir_api.scopes import parse_scopes
from lantern.fhir_api.search import search_request
from lantern.fhir_api.selectors import _FIRST_PAGES, resource_read, resources_search
from lantern.results.models import ResultReleaseDelay
from lantern.testing.factories import (
    ConditionFactory,
    DiagnosticReportFactory,
    MedicationRequestFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
WHEN = dt.datetime(2024, 5, 10, 9, 30, tzinfo=dt.UTC)


def caller(user, patient, scope="patient/*.rs", app_name="Test app") -> ApiCaller:
    return ApiCaller(
        user=user,
        patient=patient,
        scopes=parse_scopes(scope),
        client_id="test-client",
        app_name=app_name,
        token_id=1,
    )


def search(api_caller: ApiCaller, type_name: str, query: str = ""):
    pairs = [tuple(item.split("=", 1)) for item in query.split("&") if item]
    resource_type = TYPES[type_name]
    request = search_request(
        type_name,
        pairs,
        params=resource_type.params,
        sortable=resource_type.date_field is not None,
        includes=resource_type.includes,
    )
    access = policy.api_access(api_caller, object_type=type_name)
    return resources_search(
        access=access, scopes=api_caller.scopes, type_name=type_name, search=request
    )


def ids(page) -> list[str]:
    return [resource["id"] for resource in page.matches]


@pytest.fixture
def values(alice):
    """Alice's lab values and a vital sign at known dates, oldest first."""
    patient = alice.patient
    return [
        ObservationFactory(patient=patient, effective_at=WHEN - dt.timedelta(days=400)),
        ObservationFactory(patient=patient, effective_at=WHEN - dt.timedelta(days=30)),
        ObservationFactory(patient=patient, effective_at=WHEN),
        ObservationFactory(
            patient=patient,
            effective_at=WHEN + dt.timedelta(days=1),
            category="vital-signs",
            code="8867-4",
            display="Heart rate",
            value_quantity=70,
            value_unit="/min",
        ),
    ]


def test_a_search_by_code_finds_the_values_of_that_test_newest_first(alice, values):
    page = search(caller(alice, alice.patient), "Observation", f"code={LOINC}|4548-4")

    assert ids(page) == [str(v.pk) for v in reversed(values[:3])]


def test_a_bare_code_matches_any_system_and_another_system_matches_nothing(alice, values):
    api = caller(alice, alice.patient)
    assert len(ids(search(api, "Observation", "code=4548-4"))) == 3
    assert ids(search(api, "Observation", "code=http://snomed.info/sct|4548-4")) == []


def test_category_and_date_prefixes_and_partial_dates_select_by_period(alice, values):
    api = caller(alice, alice.patient)
    lab = f"category={CATEGORY}|laboratory"

    assert ids(search(api, "Observation", f"{lab}&date=2024-05")) == [str(values[2].pk)]
    assert ids(search(api, "Observation", f"{lab}&date=2024")) == [
        str(values[2].pk),
        str(values[1].pk),
    ]
    assert ids(search(api, "Observation", f"{lab}&date=lt2024-04-10")) == [str(values[0].pk)]
    assert ids(search(api, "Observation", f"{lab}&date=le2024-04-10")) == [
        str(values[1].pk),
        str(values[0].pk),
    ]
    assert ids(search(api, "Observation", "date=gt2024-05-10")) == [str(values[3].pk)]
    assert ids(search(api, "Observation", "date=ge2024-05-10")) == [
        str(values[3].pk),
        str(values[2].pk),
    ]
    assert ids(search(api, "Observation", "date=eq2024-05-10T09:30:00Z")) == [str(values[2].pk)]
    assert ids(search(api, "Observation", "date=ge2024-01-01&date=lt2024-05-01")) == [
        str(values[1].pk)
    ]


def test_sort_by_date_puts_the_oldest_first(alice, values):
    page = search(caller(alice, alice.patient), "Observation", "_sort=date")

    assert ids(page) == [str(v.pk) for v in values]


def test_pages_follow_one_another_and_new_values_do_not_shift_them(alice, values):
    api = caller(alice, alice.patient)
    first = search(api, "Observation", "_count=2")
    ObservationFactory(patient=alice.patient, effective_at=timezone.now())
    second = search(api, "Observation", f"_count=2&_cursor={first.next_cursor}")

    assert ids(first) == [str(values[3].pk), str(values[2].pk)]
    assert ids(second) == [str(values[1].pk), str(values[0].pk)]
    assert second.next_cursor == ""


def test_the_cursor_names_no_date_or_value(alice, values):
    page = search(caller(alice, alice.patient), "Observation", "_count=1")

    assert "2024" not in page.next_cursor and "4548" not in page.next_cursor


def test_a_category_limited_scope_sees_only_that_category(alice, values):
    api = caller(alice, alice.patient, f"patient/Observation.rs?category={CATEGORY}|vital-signs")

    assert ids(search(api, "Observation")) == [str(values[3].pk)]
    access = policy.api_access(api, object_type="Observation")
    with pytest.raises(policy.ObjectNotFound):
        resource_read(
            access=access, scopes=api.scopes, type_name="Observation", resource_id=str(values[0].pk)
        )


def test_a_type_the_scopes_do_not_cover_is_forbidden(alice, values):
    api = caller(alice, alice.patient, "patient/Observation.rs")
    with pytest.raises(FhirError) as error:
        search(api, "Condition")

    assert error.value.status == 403


def test_naming_another_patient_finds_nothing(alice, charlie, values):
    ObservationFactory(patient=charlie.patient)
    api = caller(alice, alice.patient)

    assert ids(search(api, "Observation", f"patient={charlie.patient.pk}")) == []
    assert len(ids(search(api, "Observation", f"patient=Patient/{alice.patient.pk}"))) == 4


def test_another_patients_resource_is_not_found_and_audited_as_denied(alice, charlie):
    theirs = ConditionFactory(patient=charlie.patient)
    api = caller(alice, alice.patient)
    access = policy.api_access(api, object_type="Condition")

    with pytest.raises(policy.ObjectNotFound):
        resource_read(
            access=access, scopes=api.scopes, type_name="Condition", resource_id=str(theirs.pk)
        )


def test_a_proxys_app_sees_only_what_the_relationship_opens(alice, bob):
    MedicationRequestFactory(patient=alice.patient)
    ObservationFactory(patient=alice.patient)
    api = caller(bob, alice.patient)

    assert len(ids(search(api, "Observation"))) == 1
    with pytest.raises(FhirError) as error:
        search(api, "MedicationRequest")
    assert error.value.status == 404


def test_a_revoked_relationship_gives_the_app_nothing(alice, bob):
    bob.proxy_relationships.update(status=ProxyStatus.REVOKED, ended_at=timezone.now())
    with pytest.raises(policy.PatientNotFound):
        policy.api_access(caller(bob, alice.patient), object_type="Observation")


def test_each_search_and_read_is_audited_once_as_the_app(alice, values):
    api = caller(alice, alice.patient, app_name="Health Diary")
    mark = AuditEvent.objects.count()
    search(api, "Observation", "_count=2")
    access = policy.api_access(api, object_type="Observation")
    resource_read(
        access=access, scopes=api.scopes, type_name="Observation", resource_id=str(values[0].pk)
    )

    events = list(AuditEvent.objects.order_by("pk")[mark:])
    seen = [(e.actor_role, e.actor_id, e.actor_label, e.object_type, e.outcome) for e in events]
    assert seen == [
        (ActorRole.APP, alice.pk, "Health Diary", "Observation", AuditOutcome.ALLOWED),
        (ActorRole.APP, alice.pk, "Health Diary", "Observation", AuditOutcome.ALLOWED),
    ]
    assert events[1].object_id == str(values[0].pk)


def test_first_pages_differing_only_in_values_share_one_statement_and_hide_held_results(alice):
    """A search's first page is a statement built once per shape (its parameters, not their
    values), and a result the clinic holds back stays out of it until released."""
    ResultReleaseDelay.objects.create(kind=ReportKind.LABORATORY, delay_hours=72)
    now = timezone.now()
    patient = alice.patient
    old = ObservationFactory(patient=patient, code="4548-4", effective_at=now - dt.timedelta(9))
    fresh = ObservationFactory(patient=patient, code="4548-4", effective_at=now, issued_at=now)
    in_report = ObservationFactory(patient=patient, code="718-7", effective_at=now)
    report = DiagnosticReportFactory(patient=patient, effective_at=now, issued_at=now)
    DiagnosticReportResult.objects.create(report=report, observation=in_report, position=0)
    older = ObservationFactory(patient=patient, code="718-7", effective_at=now - dt.timedelta(9))
    api = caller(alice, patient)
    _FIRST_PAGES._compiled.clear()

    a1c = ids(search(api, "Observation", f"code={LOINC}|4548-4&_count=5"))
    blood = ids(search(api, "Observation", f"code={LOINC}|718-7&_count=5"))
    reports = ids(search(api, "DiagnosticReport", "_count=5"))

    assert (a1c, blood, reports) == ([str(old.pk)], [str(older.pk)], [])
    assert len(_FIRST_PAGES._compiled) == 2  # One Observation shape, one DiagnosticReport.
    with time_machine.travel(now + dt.timedelta(hours=73)):
        assert ids(search(api, "Observation", f"code={LOINC}|4548-4&_count=5")) == [
            str(fresh.pk),
            str(old.pk),
        ]
        assert ids(search(api, "Observation", f"code={LOINC}|718-7&_count=5")) == [
            str(in_report.pk),
            str(older.pk),
        ]
        assert ids(search(api, "DiagnosticReport", "_count=5")) == [str(report.pk)]
