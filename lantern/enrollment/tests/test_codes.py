from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lantern.audit.models import AuditAction, AuditEvent
from lantern.enrollment import codes
from lantern.enrollment.models import ActivationCode, ActivationCodeStatus
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import issue_code

CODE_FORMAT = re.compile(
    r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){2}$"
)


def test_a_code_is_three_groups_of_four_characters_without_ambiguous_ones():
    for _ in range(200):
        code = codes.code_generate()
        assert CODE_FORMAT.match(code), code
        assert not set(code) & set("01OIL")


def test_a_code_carries_at_least_fifty_bits_of_randomness():
    assert codes.ENTROPY_BITS >= 50
    assert len({codes.code_generate() for _ in range(1000)}) == 1000


def test_typed_codes_ignore_case_dashes_and_spaces():
    code = "7KQ4-M2ZP-X9RT"
    assert codes.code_hash("7kq4 m2zp x9rt") == codes.code_hash(code)
    assert codes.code_hash(" 7KQ4M2ZPX9RT ") == codes.code_hash(code)
    assert codes.code_hash("7KQ4-M2ZP-X9RS") != codes.code_hash(code)
    assert codes.code_looks_valid("7kq4 m2zp x9rt")
    assert not codes.code_looks_valid("0KQ4-M2ZP-X9RT")


@pytest.mark.django_db
def test_the_code_itself_is_never_stored(dora):
    issued = issue_code(dora)
    stored = ActivationCode.objects.get()
    assert stored.code_hash == codes.code_hash(issued.code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM enrollment_activationcode")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert issued.code not in row
    assert codes.code_normalize(issued.code) not in row


@pytest.mark.django_db
def test_a_code_expires_after_thirty_days_by_default(dora):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        issued = issue_code(dora)
    assert issued.expires_at == dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_lifetime_follows_the_setting(dora, settings):
    settings.ACTIVATION_CODE_DAYS = 7
    issued = issue_code(dora)
    assert (issued.expires_at - timezone.now()).days == 6


@pytest.mark.django_db
def test_issuing_a_new_code_revokes_the_old_one(dora):
    first = issue_code(dora)
    second = issue_code(dora)
    assert ActivationCode.objects.get(code_hash=codes.code_hash(first.code)).status == (
        ActivationCodeStatus.REVOKED
    )
    assert ActivationCode.objects.get(code_hash=codes.code_hash(second.code)).status == (
        ActivationCodeStatus.ACTIVE
    )


@pytest.mark.django_db
def test_the_database_refuses_two_active_codes_for_one_patient(dora):
    issued = issue_code(dora)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivationCode.objects.create(
            patient=dora,
            code_hash=codes.code_hash(codes.code_generate()),
            expires_at=issued.expires_at,
        )


@pytest.mark.django_db
def test_issuing_is_audited_against_the_patient(dora):
    issued = issue_code(dora)
    event = AuditEvent.objects.get(object_type="ActivationCode")
    assert event.patient == dora
    assert event.action == AuditAction.CREATE
    assert event.object_id == str(issued.activation_code.pk)


@pytest.mark.django_db
def test_the_command_prints_the_code_and_its_expiry(dora):
    out = StringIO()
    call_command("issue_activation_code", dora.mrn, stdout=out)
    output = out.getvalue()
    code = re.search(r"Activation code: (\S+)", output).group(1)
    assert CODE_FORMAT.match(code)
    assert "Expires: " in output
    stored = ActivationCode.objects.get(patient=dora)
    assert stored.code_hash == codes.code_hash(code)
    assert timezone.localtime(stored.expires_at).strftime("%Y-%m-%d %H:%M") in output


@pytest.mark.django_db
def test_the_command_fails_clearly_for_an_unknown_mrn():
    with pytest.raises(CommandError, match="No patient has the MRN 'NOPE'"):
        call_command("issue_activation_code", "NOPE")


@pytest.mark.django_db
def test_the_command_fails_clearly_when_several_patients_share_the_mrn(clinic):
    PatientFactory(mrn="DUP1", managing_organization=clinic)
    PatientFactory(mrn="DUP1", managing_organization=clinic)
    with pytest.raises(CommandError, match="2 patients have the MRN 'DUP1'"):
        call_command("issue_activation_code", "DUP1")
    assert not ActivationCode.objects.exists()


@pytest.mark.django_db
def test_the_command_exits_non_zero_on_error(capsys):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "issue_activation_code", "NOPE"]).execute()
    assert exit_info.value.code != 0
    assert "No patient has the MRN" in capsys.readouterr().err
