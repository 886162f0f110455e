"""System checks for the audit trail's hash chain (run by `manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

SEAL_KEY_DERIVED = "lantern.audit.W001"


@checks.register(checks.Tags.security, deploy=True)
def audit_seal_key_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The seal key derived from SECRET_KEY works, but ties the chain to that key: changing
    SECRET_KEY (after a leak, say) would make every existing seal fail verification."""
    if settings.AUDIT_SEAL_KEY:
        return []
    return [
        checks.Warning(
            "AUDIT_SEAL_KEY is not set, so the audit trail's seals are keyed from SECRET_KEY; "
            "changing SECRET_KEY would break the chain that verify_audit checks.",
            hint="Set AUDIT_SEAL_KEY to a long random value, kept apart from SECRET_KEY and "
            "from the database; see docs/configuration.md.",
            id=SEAL_KEY_DERIVED,
        )
    ]
