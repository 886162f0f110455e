from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ImproperlyConfigured, ValidationError

from lantern.clinical.models import Patient
from lantern.enrollment.validators import (
    BreachedPasswordValidator,
    MaximumLengthValidator,
    PersonalDetailsValidator,
)


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


def test_passwords_up_to_128_characters_are_allowed():
    MaximumLengthValidator().validate("a" * 128)
    with pytest.raises(ValidationError, match="too long"):
        MaximumLengthValidator().validate("a" * 129)


def test_no_composition_rules_apply_to_a_long_lower_case_passphrase():
    password_validation.validate_password("plum seven tractor gentle harbor")


def test_a_patients_birth_date_in_the_password_is_refused():
    user = get_user_model()(
        username="x", patient=Patient(family_name="Adams", birth_date=dt.date(1980, 1, 2))
    )
    for password in ["tulip-19800102-rain", "pass 01021980 word", "02011980 sunny day"]:
        with pytest.raises(ValidationError, match="date of birth"):
            PersonalDetailsValidator().validate(password, user=user)
    PersonalDetailsValidator().validate("tulip 1980 rain river", user=user)


def test_the_clinic_name_is_refused(settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    with pytest.raises(ValidationError):
        PersonalDetailsValidator().validate("riverside1")


@pytest.fixture
def breached_list(tmp_path):
    hashes = sorted([sha1("correct horse battery staple"), sha1("tr0ub4dor&3 forever")])
    hashes += ["F" * 40]
    path = tmp_path / "breached.txt"
    path.write_text("".join(f"{value}:{n}\n" for n, value in enumerate(sorted(hashes))))
    return path


def test_a_password_in_the_breached_list_is_refused(breached_list):
    validator = BreachedPasswordValidator(path=str(breached_list))
    with pytest.raises(ValidationError, match="data breach"):
        validator.validate("correct horse battery staple")
    with pytest.raises(ValidationError, match="data breach"):
        validator.validate("tr0ub4dor&3 forever")
    validator.validate("a password nobody has leaked yet")


def test_every_line_of_a_larger_breached_list_is_found(tmp_path):
    passwords = [f"leaked password {number}" for number in range(500)]
    path = tmp_path / "big.txt"
    path.write_text("".join(f"{value}\n" for value in sorted(sha1(p) for p in passwords)))
    validator = BreachedPasswordValidator(path=str(path))
    for password in passwords:
        with pytest.raises(ValidationError):
            validator.validate(password)
    validator.validate("not leaked at all")


def test_the_breached_check_is_off_without_a_list(settings):
    settings.BREACHED_PASSWORDS_FILE = ""
    BreachedPasswordValidator().validate("correct horse battery staple")


def test_an_unreadable_breached_list_names_the_setting(settings, tmp_path):
    settings.BREACHED_PASSWORDS_FILE = str(tmp_path / "missing.txt")
    with pytest.raises(ImproperlyConfigured, match="BREACHED_PASSWORDS_FILE"):
        BreachedPasswordValidator().validate("anything at all here")
