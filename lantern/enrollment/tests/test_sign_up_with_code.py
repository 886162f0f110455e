from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditAction, AuditEvent
from lantern.enrollment import services
from lantern.enrollment.models import ActivationCode, ActivationCodeStatus, TermsAcceptance
from lantern.enrollment.selectors import terms_current
from lantern.enrollment.views import VERIFIED_CODE_KEY
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.factories_enrollment import issue_code

pytestmark = pytest.mark.django_db

START = reverse("enrollment:start")
ACCOUNT = reverse("enrollment:account")
PASSWORD = "violet kettle orbit lantern"


def identity(code: str, *, month="6", day="15", year="1975", family_name="Díaz-Ortega") -> dict:
    return {
        "code": code,
        "birth_month": month,
        "birth_day": day,
        "birth_year": year,
        "family_name": family_name,
    }


def account_details(**overrides) -> dict:
    return {
        "username": "dora",
        "email": "dora@example.org",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "accept_terms": "on",
        **overrides,
    }


def verified_client(code: str) -> Client:
    client = Client()
    response = client.post(START, identity(code))
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    return client


def test_the_right_code_birth_date_and_last_name_lead_to_step_two(dora):
    issued = issue_code(dora)
    client = verified_client(issued.code)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert "Create your account" in response.content.decode()
    # The verified code is remembered in the session, never in the address.
    assert client.session[VERIFIED_CODE_KEY]["code_id"] == str(issued.activation_code.pk)


def test_the_code_can_be_typed_in_lower_case_with_spaces_and_the_name_without_accents(dora):
    issued = issue_code(dora)
    typed = issued.code.lower().replace("-", " ")
    response = Client().post(START, identity(typed, family_name="  diaz ortega "))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "wrong",
    [
        {"code": "ABCD-EFGH-JKMN"},
        {"birth_day": "16"},
        {"birth_year": "1976"},
        {"family_name": "Diamond"},
    ],
    ids=["code", "day", "year", "last-name"],
)
def test_each_wrong_part_gets_the_same_message_that_does_not_say_which(dora, wrong):
    issued = issue_code(dora)
    response = Client().post(START, {**identity(issued.code), **wrong})
    assert response.status_code == 200
    page = response.content.decode()
    assert str(services.NOT_MATCHED) in page
    for word in ["date of birth is", "last name is", "code is wrong", "not found"]:
        assert word not in page


def test_step_two_cannot_be_reached_without_step_one(dora):
    issue_code(dora)
    response = Client().get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == START


def test_five_wrong_tries_lock_the_code_even_for_the_right_details(dora):
    issued = issue_code(dora)
    client = Client()
    for attempt in range(1, 5):
        response = client.post(START, identity(issued.code, year="1990"))
        assert str(services.NOT_MATCHED) in response.content.decode(), attempt
    fifth = client.post(START, identity(issued.code, year="1990"))
    assert str(services.LOCKED) in fifth.content.decode()
    stored = ActivationCode.objects.get(pk=issued.activation_code.pk)
    assert stored.status == ActivationCodeStatus.LOCKED
    assert stored.failed_attempts == 5
    right = client.post(START, identity(issued.code))
    assert right.status_code == 200
    assert str(services.LOCKED) in right.content.decode()


def test_an_expired_code_says_so_only_after_the_details_match(dora):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        issued = issue_code(dora)
    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)):
        wrong = Client().post(START, identity(issued.code, family_name="Smith"))
        right = Client().post(START, identity(issued.code))
    assert str(services.NOT_MATCHED) in wrong.content.decode()
    assert str(services.EXPIRED) not in wrong.content.decode()
    assert str(services.EXPIRED) in right.content.decode()


def test_a_code_still_works_the_day_before_it_expires(dora):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        issued = issue_code(dora)
    with time_machine.travel(dt.datetime(2026, 1, 30, tzinfo=dt.UTC)):
        assert Client().post(START, identity(issued.code)).status_code == 302


def test_a_revoked_code_gets_the_generic_message(dora):
    old = issue_code(dora)
    issue_code(dora)
    response = Client().post(START, identity(old.code))
    assert str(services.NOT_MATCHED) in response.content.decode()


def test_a_patient_who_already_has_an_account_cannot_enroll_again(alice):
    issued = issue_code(alice.patient)
    patient = alice.patient
    response = Client().post(
        START,
        identity(
            issued.code,
            month=str(patient.birth_date.month),
            day=str(patient.birth_date.day),
            year=str(patient.birth_date.year),
            family_name=patient.family_name,
        ),
    )
    assert str(services.NOT_MATCHED) in response.content.decode()


def test_attempts_from_one_address_are_throttled_so_codes_cannot_be_guessed(dora):
    issued = issue_code(dora)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(services.IDENTITY_ATTEMPTS_PER_HOUR):
        client.post(START, identity("ABCD-EFGH-JKMN"))
    blocked = client.post(START, identity(issued.code))
    assert str(services.TOO_MANY_TRIES) in blocked.content.decode()
    # Another address is not held up, and the window passes.
    assert Client(REMOTE_ADDR="203.0.113.10").post(START, identity(issued.code)).status_code == 302


def test_the_emailed_link_fills_in_the_code_and_leaves_it_out_of_the_address(dora):
    issued = issue_code(dora)
    client = Client()
    response = client.get(START, {"code": issued.code})
    assert response.status_code == 302
    assert response["Location"] == START
    page = client.get(START).content.decode()
    assert f'value="{issued.code}"' in page


@pytest.mark.production_password_hashers
def test_step_two_creates_the_account_signs_it_in_and_goes_to_two_step_setup(dora):
    issued = issue_code(dora)
    client = verified_client(issued.code)
    response = client.post(ACCOUNT, account_details())
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:setup")
    user = get_user_model().objects.get(username="dora")
    assert user.patient == dora
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2")
    assert int(client.session["_auth_user_id"]) == user.pk
    stored = ActivationCode.objects.get(pk=issued.activation_code.pk)
    assert stored.status == ActivationCodeStatus.USED
    assert stored.used_at is not None
    acceptance = TermsAcceptance.objects.get(user=user)
    assert acceptance.version == terms_current()
    assert acceptance.accepted_at is not None
    assert Notification.objects.filter(
        kind=NotificationKind.EMAIL_VERIFICATION, to_address="dora@example.org"
    ).exists()


def test_a_used_code_cannot_be_used_again(dora):
    issued = issue_code(dora)
    verified_client(issued.code).post(ACCOUNT, account_details())
    response = Client().post(START, identity(issued.code))
    assert response.status_code == 200
    assert str(services.NOT_MATCHED) in response.content.decode()


def test_a_double_submitted_step_two_creates_one_account(dora):
    issued = issue_code(dora)
    first = verified_client(issued.code)
    # A second browser tab shares the session from before the account was made.
    second = Client()
    session_cookie = first.cookies["sessionid"].value
    assert first.post(ACCOUNT, account_details()).status_code == 302
    second.cookies["sessionid"] = session_cookie
    response = second.post(ACCOUNT, account_details(username="dora2"))
    assert response.status_code == 302
    assert response["Location"] == START
    assert get_user_model().objects.filter(patient=dora).count() == 1


def test_the_account_service_claims_the_code_once(dora):
    issued = issue_code(dora)
    terms = terms_current()
    services.enrollment_account_create(
        code_id=str(issued.activation_code.pk),
        username="dora",
        email="dora@example.org",
        password=PASSWORD,
        terms_version=terms,
    )
    with pytest.raises(services.EnrollmentError):
        services.enrollment_account_create(
            code_id=str(issued.activation_code.pk),
            username="dora-again",
            email="dora@example.org",
            password=PASSWORD,
            terms_version=terms,
        )
    assert get_user_model().objects.filter(patient=dora).count() == 1


def test_a_taken_username_is_refused_and_the_code_stays_usable(dora, alice):
    issued = issue_code(dora)
    client = verified_client(issued.code)
    response = client.post(ACCOUNT, account_details(username="ALICE"))
    assert response.status_code == 200
    assert "That username is taken" in response.content.decode()
    assert ActivationCode.objects.get(pk=issued.activation_code.pk).status == "active"


def test_the_terms_must_be_accepted(dora):
    client = verified_client(issue_code(dora).code)
    details = account_details()
    del details["accept_terms"]
    response = client.post(ACCOUNT, details)
    assert "To create an account, accept the terms of use." in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "This password is too short"),
        ("password1234", "This password is too common"),
        ("x" * 129, "Your password is too long"),
        ("diaz-ortega-dora", "too close to your name"),
        ("my birthday 06151975", "contains your date of birth"),
        ("dora@example.org1", "too similar to the email"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_reason(dora, password, message):
    client = verified_client(issue_code(dora).code)
    response = client.post(
        ACCOUNT, account_details(password=password, password_confirmation=password)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="dora").exists()


def test_a_long_passphrase_without_symbols_or_capitals_is_accepted(dora):
    passphrase = "the quiet river runs under the old stone bridge at dawn every day"
    assert len(passphrase) >= 64
    client = verified_client(issue_code(dora).code)
    response = client.post(
        ACCOUNT, account_details(password=passphrase, password_confirmation=passphrase)
    )
    assert response.status_code == 302


def test_passwords_that_differ_are_refused(dora):
    client = verified_client(issue_code(dora).code)
    response = client.post(ACCOUNT, account_details(password_confirmation="something else 1"))
    assert "The two passwords are not the same" in response.content.decode()


def test_the_pages_use_the_step_indicator_and_tie_errors_to_fields(dora):
    page = Client().post(START, identity("", family_name="")).content.decode()
    assert page.count("<h1") == 1
    assert "usa-step-indicator" in page
    assert 'aria-current="true"' in page
    assert 'id="error-summary"' in page
    assert 'href="#id_code"' in page
    assert 'aria-describedby="id_code-hint id_code-error"' in page
    assert 'autocomplete="one-time-code"' in page
    assert 'autocomplete="bday-year"' in page


def test_step_two_asks_for_a_new_password_with_the_right_autocomplete(dora):
    client = verified_client(issue_code(dora).code)
    page = client.get(ACCOUNT).content.decode()
    assert page.count('autocomplete="new-password"') == 2
    assert 'autocomplete="username"' in page
    assert 'autocomplete="email"' in page
    assert terms_current().version in page


def test_step_one_refuses_a_post_without_the_csrf_token(dora):
    client = Client(enforce_csrf_checks=True)
    assert client.post(START, identity(issue_code(dora).code)).status_code == 403


def test_step_two_refuses_a_post_without_the_csrf_token(dora):
    issued = issue_code(dora)
    client = Client(enforce_csrf_checks=True)
    page = client.get(START)
    token = page.context["csrf_token"]
    assert (
        client.post(START, {**identity(issued.code), "csrfmiddlewaretoken": str(token)})["Location"]
        == ACCOUNT
    )
    assert client.post(ACCOUNT, account_details()).status_code == 403
    assert not get_user_model().objects.filter(patient=dora).exists()


def test_linking_the_account_to_the_record_is_one_event_for_the_patient_and_the_account(dora):
    issued = issue_code(dora)
    before_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    verified_client(issued.code).post(ACCOUNT, account_details())
    user = get_user_model().objects.get(username="dora")
    linked = AuditEvent.objects.filter(action=AuditAction.PATIENT_LINKED)
    assert [(event.patient, event.subject, event.actor) for event in linked] == [(dora, user, user)]
    assert linked.get().object_id == str(issued.activation_code.pk)
    # Creating the account writes that one event and nothing else about the patient.
    assert AuditEvent.objects.filter(patient=dora, id__gt=before_id).count() == 1
