"""`check --deploy` warns while email would come from an address at localhost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lantern.notifications.checks import FROM_ADDRESS_LOCAL, from_address_is_deliverable

ROOT = Path(__file__).resolve().parents[3]


def test_the_deploy_check_warns_while_the_sender_is_at_localhost(settings):
    settings.DEFAULT_FROM_EMAIL = "Riverside Family Clinic <no-reply@localhost>"

    (warning,) = from_address_is_deliverable()

    assert warning.id == FROM_ADDRESS_LOCAL
    assert "DEFAULT_FROM_EMAIL" in warning.msg


def test_the_deploy_check_is_quiet_with_the_clinics_own_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Riverside Family Clinic <no-reply@riverside.example.org>"

    assert from_address_is_deliverable() == []


def test_the_default_sender_is_named_after_the_clinic(tmp_path):
    # Settings are read once per process, so they are loaded in a fresh one.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DEFAULT_FROM_EMAIL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="from-address-test-" + "k" * 50,
        VAR_DIR=str(tmp_path),
        CLINIC_NAME="Riverside Family Clinic",
    )
    probe = "from config import settings; print(settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL)"

    output = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    sender = "Riverside Family Clinic <no-reply@localhost>"
    assert output.strip() == f"{sender} {sender}"
