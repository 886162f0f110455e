"""The FHIR REST API over HTTP with real access tokens: 401, 403, 404 and 400 as FHIR servers
answer them, scopes and categories, one patient per token, paging links, _include and
$everything, and what the patient's access log says."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from lantern.access.models import ProxyStatus
from lantern.audit.models import ActorRole, AuditEvent, AuditOutcome
from lantern.clinical.models import DiagnosticReportResult
from lantern.fhir_api.capability import oauth_url
from lantern.fhir_api.testing import connected_app_token
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    ConditionFactory,
    DiagnosticReportFactory,
    MedicationRequestFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LAB_SCOPE = f"patient/Observation.rs?category={CATEGORY}|laboratory"


def get(path: str, token: str | None = None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().get(BASE + path, **headers)


def body(response) -> dict:
    return json.loads(response.content)


def entry_ids(response, mode: str = "match") -> list[str]:
    return [
        entry["resource"]["id"]
        for entry in body(response).get("entry", [])
        if entry["search"]["mode"] == mode
    ]


def outcome_code(response) -> str:
    found = body(response)
    assert found["resourceType"] == "OperationOutcome"
    return found["issue"][0]["code"]


@pytest.fixture
def token(alice):
    return connected_app_token(alice, alice.patient, "launch/patient patient/*.rs")


@pytest.fixture
def record(alice):
    patient = alice.patient
    now = timezone.now()
    lab = ObservationFactory(patient=patient, effective_at=now - dt.timedelta(days=2))
    vital = ObservationFactory(
        patient=patient,
        effective_at=now - dt.timedelta(days=1),
        category="vital-signs",
        code="8867-4",
        display="Heart rate",
        value_quantity=72,
        value_unit="/min",
    )
    report = DiagnosticReportFactory(patient=patient, effective_at=now - dt.timedelta(days=2))
    DiagnosticReportResult.objects.create(report=report, observation=lab, position=0)
    condition = ConditionFactory(patient=patient)
    medicine = MedicationRequestFactory(patient=patient)
    return {"lab": lab, "vital": vital, "report": report, "condition": condition, "med": medicine}


# metadata


def test_metadata_is_a_valid_capability_statement_with_the_smart_endpoints():
    response = get("metadata")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = body(response)
    get_fhir_model_class("CapabilityStatement").model_validate(statement)
    rest = statement["rest"][0]
    uris = {e["url"]: e["valueUri"] for e in rest["security"]["extension"][0]["extension"]}
    assert uris["authorize"].endswith("/oauth/authorize/")
    assert uris["token"].endswith("/oauth/token/")
    assert uris["revoke"].endswith("/oauth/revoke_token/")
    assert uris["introspect"].endswith("/oauth/introspect/")
    types = {resource["type"] for resource in rest["resource"]}
    assert types == {
        "Patient",
        "Observation",
        "DiagnosticReport",
        "Condition",
        "AllergyIntolerance",
        "Immunization",
        "MedicationRequest",
        "Encounter",
        "DocumentReference",
        "Procedure",
        "Appointment",
        "Task",
    }


def test_metadata_answers_json_when_asked_for_it_and_refuses_xml():
    assert get("metadata?_format=json").status_code == 200
    assert get("metadata", HTTP_ACCEPT="application/json").status_code == 200
    assert get("metadata?_format=xml").status_code == 406
    assert get("metadata", HTTP_ACCEPT="application/fhir+xml").status_code == 406


# 401, 403, 404


def test_a_request_without_a_token_is_401_with_a_bearer_challenge(record):
    response = get("Observation")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert outcome_code(response) == "login"


def test_an_unknown_or_expired_token_is_401_invalid_token(alice, record):
    expired = connected_app_token(
        alice, alice.patient, "patient/*.rs", expires_in=dt.timedelta(seconds=-1)
    )
    for token in ("not-a-token", expired):
        response = get("Observation", token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_token_scoped_to_observations_cannot_read_conditions(alice, record):
    token = connected_app_token(alice, alice.patient, "patient/Observation.rs")

    assert get("Observation", token).status_code == 200
    for path in ("Condition", f"Condition/{record['condition'].pk}"):
        response = get(path, token)
        assert response.status_code == 403
        assert outcome_code(response) == "forbidden"


def test_a_category_limited_token_sees_only_its_category(alice, record):
    token = connected_app_token(alice, alice.patient, LAB_SCOPE)

    assert entry_ids(get("Observation", token)) == [str(record["lab"].pk)]
    assert get(f"Observation/{record['lab'].pk}", token).status_code == 200
    response = get(f"Observation/{record['vital'].pk}", token)
    assert response.status_code == 404
    assert outcome_code(response) == "not-found"


def test_patient_as_token_cannot_read_patient_bs_record(alice, charlie, token, record):
    theirs = ObservationFactory(patient=charlie.patient)

    assert get(f"Observation/{theirs.pk}", token).status_code == 404
    assert get(f"Patient/{charlie.patient.pk}", token).status_code == 404
    assert get(f"Patient/{charlie.patient.pk}/$everything", token).status_code == 404
    assert entry_ids(get(f"Observation?patient={charlie.patient.pk}", token)) == []
    assert body(get(f"Patient/{alice.patient.pk}", token))["id"] == str(alice.patient.pk)
    denied = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, object_id=str(theirs.pk))
    assert denied.get().patient_id == charlie.patient.pk


def test_a_token_for_a_patient_the_person_may_not_act_for_is_404(alice, charlie, record):
    token = connected_app_token(alice, charlie.patient, "patient/*.rs")

    assert get("Observation", token).status_code == 404


def test_unknown_ids_and_types_are_404(token, record):
    assert get("Observation/not-a-uuid", token).status_code == 404
    assert get("Observation/00000000-0000-4000-8000-000000000000", token).status_code == 404
    assert get("Medication", token).status_code == 404


def test_a_proxys_app_gets_only_what_the_relationship_allows(alice, bob, record):
    token = connected_app_token(bob, alice.patient, "patient/*.rs")

    assert len(entry_ids(get("Observation", token))) == 2
    assert get("MedicationRequest", token).status_code == 404
    bob.proxy_relationships.update(status=ProxyStatus.REVOKED, ended_at=timezone.now())
    assert get("Observation", token).status_code == 404


# 400


@pytest.mark.parametrize(
    "query",
    [
        "Observation?colour=blue",
        "Observation?code:text=glucose",
        "Observation?date=2024-13",
        "Observation?date=ap2024",
        "Observation?_count=many",
        "Observation?_count=0",
        "Observation?_sort=code",
        "Observation?_include=Observation:subject",
        "Observation?_cursor=forged",
        "Patient?_sort=date",
    ],
)
def test_unknown_parameters_and_bad_values_are_400(token, query):
    response = get(query, token)

    assert response.status_code == 400
    assert outcome_code(response) in ("invalid", "not-supported")


def test_only_get_is_served(token):
    response = Client().post(BASE + "Observation", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 405


# Searches, paging, _include, $everything


def test_the_next_link_leads_to_the_rest_and_carries_no_patient_data(alice, token, record):
    first = get("Observation?_count=1", token)
    links = {link["relation"]: link["url"] for link in body(first)["link"]}
    assert links["self"].endswith("/fhir/r4/Observation?_count=1")
    second = Client().get(links["next"], HTTP_AUTHORIZATION=f"Bearer {token}")

    assert entry_ids(first) == [str(record["vital"].pk)]
    assert entry_ids(second) == [str(record["lab"].pk)]
    assert "next" not in {link["relation"] for link in body(second)["link"]}
    assert "4548" not in links["next"] and str(alice.patient.pk) not in links["next"]


def test_count_is_bounded_at_100(alice, token):
    ObservationFactory.create_batch(101, patient=alice.patient)

    assert len(entry_ids(get("Observation?_count=500", token))) == 100


def test_reports_include_their_results_when_asked(token, record):
    response = get("DiagnosticReport?_include=DiagnosticReport:result", token)

    assert entry_ids(response) == [str(record["report"].pk)]
    assert entry_ids(response, "include") == [str(record["lab"].pk)]
    report = body(response)["entry"][0]["resource"]
    assert report["result"] == [{"reference": f"Observation/{record['lab'].pk}"}]
    assert report["subject"] == {"reference": f"Patient/{record['report'].patient_id}"}


def test_medication_requests_search_by_intent_and_status(token, record):
    found = get("MedicationRequest?intent=order&status=active", token)

    assert entry_ids(found) == [str(record["med"].pk)]
    assert entry_ids(get("MedicationRequest?intent=plan", token)) == []


def test_everything_pages_through_the_patient_and_their_records(alice, token, record):
    urls = [f"{BASE}Patient/{alice.patient.pk}/$everything?_count=2"]
    seen: list[str] = []
    while urls:
        response = Client().get(urls.pop(), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        seen += [e["resource"]["resourceType"] for e in body(response).get("entry", [])]
        urls += [link["url"] for link in body(response)["link"] if link["relation"] == "next"]

    expected = ["Patient", "Observation", "Observation", "DiagnosticReport", "Condition"]
    assert sorted(seen) == sorted([*expected, "MedicationRequest"])


# Audit and the access log


def test_each_api_read_is_audited_once_and_the_access_log_names_the_app(alice, record):
    token = connected_app_token(alice, alice.patient, "patient/*.rs", app_name="Health Diary")
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    get("Observation", token)
    get(f"Condition/{record['condition'].pk}", token)

    events = AuditEvent.objects.filter(pk__gt=mark).order_by("pk")
    assert [(e.actor_role, e.actor_label, e.object_type, e.channel) for e in events] == [
        (ActorRole.APP, "Health Diary", "Observation", "api"),
        (ActorRole.APP, "Health Diary", "Condition", "api"),
    ]
    page = sign_in(Client(), alice).get(f"/patients/{alice.patient.pk}/access-log/")
    assert "Health Diary (an app you connected)" in page.content.decode()


def test_a_staff_members_token_for_a_clinic_patient_gives_nothing(alice, nora, record):
    # Staff read their clinic's patients in the console; an app connected by staff may not.
    token = connected_app_token(nora, alice.patient, "patient/*.rs")

    assert get("Observation", token).status_code == 404


def test_the_oauth_endpoints_fall_back_to_where_dot_mounts_them_without_their_names(settings):
    settings.PUBLIC_BASE_URL = "https://portal.example.org"

    assert oauth_url("oauth2_provider:token", "/oauth/token/") == (
        "https://portal.example.org/oauth/token/"
    )
    assert oauth_url("no_such_namespace:authorize", "/oauth/authorize/") == (
        "https://portal.example.org/oauth/authorize/"
    )
