"""Repeated and sequential strings, common long passwords, names with the birth year, and the
deploy check for the breached list (issue 9, item 12)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lantern.clinical.models import Patient
from lantern.enrollment import checks
from lantern.enrollment.validators import COMMON_LONG_PASSWORDS_FILE

DJANGO_LIST = Path(password_validation.__file__).resolve().parent / "common-passwords.txt.gz"
SAMPLE_BREACHED_LIST = Path(__file__).resolve().parent / "data" / "breached-passwords-sample.txt"


def django_common_passwords() -> set[str]:
    with gzip.open(DJANGO_LIST, "rt", encoding="utf-8") as handle:
        return {line.strip() for line in handle}


def jill() -> object:
    patient = Patient(given_names="Jill", family_name="Tillman", birth_date=dt.date(1971, 6, 3))
    return get_user_model()(username="jt1", email="x@example.org", patient=patient)


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "123456789012",
        "qwertyuiopas",
        "zyxwvutsrqpo",
        "lkjhgfdsa123",
        "9876543210ab",
        "abcd1234efgh",
        "abcabcabcabc",
        "aaaa-aaaa-aaaa",
    ],
)
def test_repeated_and_sequential_passwords_are_refused(password):
    assert password not in django_common_passwords()

    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password)

    assert "password_repeated_or_sequential" in [error.code for error in refused.value.error_list]


@pytest.mark.parametrize(
    "password",
    [
        "plum seven tractor gentle harbor",
        "correct horse battery staple",
        "treasure island map",
        "Password-for-my-1234-garden",
        "were tree were tree",
    ],
)
def test_ordinary_passphrases_are_not_taken_for_sequences(password):
    password_validation.validate_password(password)


@pytest.mark.parametrize("password", ["unbelievable", "whosyourdaddy", "Chickenwing101"])
def test_common_passwords_of_twelve_characters_or_more_are_refused(password):
    assert password.lower() not in django_common_passwords()

    with pytest.raises(ValidationError, match="most common"):
        password_validation.validate_password(password)


def test_the_shipped_list_is_bounded_long_passwords_with_its_source_named():
    with gzip.open(COMMON_LONG_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        passwords = [line.rstrip("\n") for line in handle]

    assert 1000 <= len(passwords) <= 5000
    assert all(len(password) >= 12 for password in passwords)
    assert all(password == password.lower() for password in passwords)
    readme = (COMMON_LONG_PASSWORDS_FILE.parent / "README.md").read_text()
    assert "SecLists" in readme
    assert "MIT" in readme


@pytest.mark.parametrize(
    "password",
    [
        "jill.tillman1971",
        "Tillman.Jill.1971",
        "jilltillman-2024!",
        "JILL_TILLMAN_JILL",
        "sunnyjill1971tulips",
        "1971 tillman garden path",
    ],
)
def test_the_patients_names_or_birth_year_combined_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, user=jill())

    codes = {error.code for error in refused.value.error_list}
    assert codes & {"password_is_name", "password_has_name_and_birth_year"}


@pytest.mark.parametrize(
    "password",
    ["plum seven tractor gentle harbor", "jill's garden party tonight", "1971 plum rain"],
)
def test_a_name_or_the_year_alone_among_other_words_is_allowed(password):
    password_validation.validate_password(password, user=jill())


def test_an_accounts_own_first_and_last_name_are_checked_without_a_patient():
    staff = get_user_model()(username="nn", first_name="Nora", last_name="Nightingale")

    with pytest.raises(ValidationError, match="made from your name"):
        password_validation.validate_password("nora.nightingale.99", user=staff)


def test_the_deploy_check_warns_when_no_breached_list_is_set(settings):
    settings.BREACHED_PASSWORDS_FILE = ""

    [warning] = checks.breached_passwords_file_set()

    assert warning.id == "lantern.enrollment.W001"
    assert "BREACHED_PASSWORDS_FILE" in warning.msg
    with pytest.raises(SystemCheckError, match=r"lantern\.enrollment\.W001"):
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])


def test_the_deploy_check_is_quiet_when_a_breached_list_is_set(settings):
    settings.BREACHED_PASSWORDS_FILE = str(SAMPLE_BREACHED_LIST)

    assert checks.breached_passwords_file_set() == []
    assert checks.breached_passwords_file_readable() == []


def test_a_breached_list_that_is_not_a_file_is_an_error_naming_the_setting(settings, tmp_path):
    settings.BREACHED_PASSWORDS_FILE = str(tmp_path / "missing.txt")

    [error] = checks.breached_passwords_file_readable()

    assert error.id == "lantern.enrollment.E001"
    assert "BREACHED_PASSWORDS_FILE" in error.msg


def test_the_sample_breached_list_shipped_for_ci_is_sorted_and_used():
    from lantern.enrollment.validators import BreachedPasswordValidator

    lines = SAMPLE_BREACHED_LIST.read_text().splitlines()
    assert lines == sorted(lines)
    with pytest.raises(ValidationError, match="data breach"):
        BreachedPasswordValidator(path=str(SAMPLE_BREACHED_LIST)).validate(
            "correct horse battery staple"
        )
