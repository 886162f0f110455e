from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.models import AppAuthorization, RegisteredApp
from lantern.fhir_api.services import app_authorization_revoke
from lantern.fhir_api.testing import connected_app_token


def test_a_token_stands_for_its_person_patient_scopes_and_app(alice):
    raw = connected_app_token(
        alice, alice.patient, "patient/Observation.rs", app_name="Health Diary"
    )

    caller = caller_for_token(raw)

    assert caller.user == alice and caller.patient == alice.patient
    assert caller.scopes.allows("Observation", "r") and not caller.scopes.allows("Condition", "r")
    assert caller.app_name == "Health Diary" and caller.client_id


def test_an_unknown_token_is_no_caller(alice):
    connected_app_token(alice, alice.patient, "patient/*.rs")

    assert caller_for_token("not-a-token") is None
    assert caller_for_token("") is None


def test_an_expired_token_is_no_caller(alice):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs")

    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1)):
        assert caller_for_token(raw) is None


def test_a_disconnected_app_token_is_no_caller(alice):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs")
    authorization = AppAuthorization.objects.get()

    assert app_authorization_revoke(user=alice, authorization_id=str(authorization.public_id))

    assert caller_for_token(raw) is None


def test_a_disabled_app_token_is_no_caller(alice):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs")
    RegisteredApp.objects.update(disabled_at=timezone.now())

    assert caller_for_token(raw) is None


def test_last_read_is_written_at_most_once_a_minute(alice, django_assert_num_queries):
    raw = connected_app_token(alice, alice.patient, "patient/*.rs")

    with django_assert_num_queries(2):
        caller_for_token(raw)
    first = AppAuthorization.objects.get().last_read_at
    with django_assert_num_queries(1):
        caller_for_token(raw)
    assert AppAuthorization.objects.get().last_read_at == first

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        with django_assert_num_queries(2):
            caller_for_token(raw)
        assert AppAuthorization.objects.get().last_read_at > first
