"""`check --deploy` warns while the audit seal key is derived from SECRET_KEY."""

from __future__ import annotations

from lantern.audit.checks import SEAL_KEY_DERIVED, audit_seal_key_set


def test_the_deploy_check_warns_when_the_seal_key_is_not_set(settings):
    settings.AUDIT_SEAL_KEY = ""

    (warning,) = audit_seal_key_set()

    assert warning.id == SEAL_KEY_DERIVED
    assert "AUDIT_SEAL_KEY" in warning.msg


def test_the_deploy_check_is_quiet_with_a_seal_key_of_its_own(settings):
    settings.AUDIT_SEAL_KEY = "a-long-random-value-kept-apart"

    assert audit_seal_key_set() == []
