"""The README tells a new user and an operator the truth: the two quick-start commands, commands
through the checkout's virtualenv, where `make run` puts email, where the demo backup codes are,
and no feature that is not built."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command, get_commands
from django.test import Client
from django.urls import reverse

from lantern.accounts.models import User
from lantern.demo.services import LOGINS_FILE_NAME
from lantern.notifications.models import Notification, NotificationKind

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()
# The README's words with line breaks as spaces, for phrases that wrap.
README_WORDS = " ".join(README.split())

# Planned apps (docs/architecture.md) and the words the README uses for them.
PLANNED = {
    "appointments": "appointments",
    "refills": "prescription refills",
    "family": "proxies",
}


def test_the_quick_start_is_exactly_the_two_make_commands():
    quick_start = README.split("## Quick start", 1)[1]
    block = quick_start.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make run", "make test"]


def test_every_manage_py_command_is_shown_through_the_virtualenv_and_exists():
    assert re.findall(r"(?<![/\w])python manage\.py", README) == []
    named = set(re.findall(r"\.venv/bin/python manage\.py (\w+)", README))
    assert {"load_demo", "migrate", "import_fhir", "db_worker"} <= named
    assert sorted(named - set(get_commands())) == []


def test_the_readme_says_where_make_run_email_goes_and_how_to_test_recovery():
    assert "`var/mail/`" in README_WORDS
    assert "file email backend" in README_WORDS
    assert "`demo-patient@example.org` is confirmed, so recovery can be tried" in README_WORDS
    assert "Send me a new confirmation link" in README_WORDS
    assert "`backup-codes` line of `var/demo-logins.txt`" in README_WORDS


def test_what_is_not_built_is_named_as_such_and_nowhere_promised():
    not_built = README_WORDS.split("Not built:", 1)[1].split(";", 1)[0]
    for app, words in PLANNED.items():
        if not apps.is_installed(f"lantern.{app}"):
            assert words in not_built, app
    assert "manage appointments" not in README_WORDS
    assert "comes later" not in README_WORDS and "come next" not in README_WORDS


def test_docs_decisions_is_named_only_if_it_exists():
    if (ROOT / "docs" / "decisions").is_dir():
        return
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert [str(path) for path in documents if "decisions/" in path.read_text()] == []


def test_every_docs_link_in_the_readme_exists():
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / target).exists(), target


@pytest.mark.django_db
def test_the_demo_backup_codes_are_in_the_logins_file_and_demo_patient_can_try_recovery(
    settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    lines = (tmp_path / LOGINS_FILE_NAME).read_text().splitlines()
    backup_lines = [
        line.split() for line in lines if not line.startswith("#") and " backup-codes " in line
    ]
    usernames = {fields[1] for fields in backup_lines}
    assert {"demo-patient", "demo-nurse", "demo-doctor", "demo-admin"} <= usernames
    assert all(len(fields) == 13 for fields in backup_lines)

    patient = User.objects.get(username="demo-patient")
    assert patient.email == "demo-patient@example.org"
    assert patient.email_verified_at is not None
    Client().post(reverse("accounts:forgot_password"), {"email_or_username": "demo-patient"})
    assert Notification.objects.filter(kind=NotificationKind.PASSWORD_RESET).exists()
