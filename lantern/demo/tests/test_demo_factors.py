from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.models import User
from lantern.demo.services import DEMO_ACCOUNTS, LOGINS_FILE_NAME
from lantern.mfa.services import backup_code_hash
from lantern.testing.factories_mfa import current_totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def printed_factors(output: str) -> dict[str, dict[str, str]]:
    factors: dict[str, dict[str, str]] = {}
    for line in output.split("Demo second factors", 1)[1].split("Demo sign-ins")[0].splitlines():
        if ": authenticator secret " in line:
            username, secret = line.strip().split(": authenticator secret ")
            factors.setdefault(username, {})["secret"] = secret
        elif ": backup codes " in line:
            username, codes = line.strip().split(": backup codes ")
            factors.setdefault(username, {})["codes"] = codes
    return factors


def test_each_demo_account_gets_an_authenticator_app_and_backup_codes(var_dir):
    factors = printed_factors(load_demo())

    assert set(factors) == {
        "demo-patient",
        "demo-nurse",
        "demo-doctor",
        "demo-admin",
        "demo-parent",
    }
    for username, printed in factors.items():
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        import base64

        assert base64.b32encode(device.bin_key).decode() == printed["secret"]
        codes = printed["codes"].split()
        stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
        assert len(codes) == 10
        assert stored == {backup_code_hash(code) for code in codes}
        assert current_totp_code(device)
    saved = (var_dir / LOGINS_FILE_NAME).read_text()
    assert factors["demo-nurse"]["secret"] in saved
    assert factors["demo-nurse"]["codes"] in saved


def test_a_second_run_keeps_the_demo_factors(var_dir):
    first = printed_factors(load_demo())
    devices = list(TOTPDevice.objects.order_by("id").values())

    second = printed_factors(load_demo())

    assert second == first
    assert list(TOTPDevice.objects.order_by("id").values()) == devices
    assert StaticToken.objects.count() == 10 * len(DEMO_ACCOUNTS)


def test_deleting_the_logins_file_gives_new_demo_factors(var_dir):
    first = printed_factors(load_demo())
    (var_dir / LOGINS_FILE_NAME).unlink()

    second = printed_factors(load_demo())

    assert second["demo-patient"]["secret"] != first["demo-patient"]["secret"]
    assert TOTPDevice.objects.count() == len(DEMO_ACCOUNTS)
    user = User.objects.get(username="demo-patient")
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {backup_code_hash(code) for code in second["demo-patient"]["codes"].split()}
