"""System checks for the password rules (run by `manage.py check`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

BREACHED_LIST_MISSING = "lantern.enrollment.W001"
BREACHED_LIST_UNREADABLE = "lantern.enrollment.E001"


@checks.register(checks.Tags.security, deploy=True)
def breached_passwords_file_set(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """In production, new passwords should also be checked against a breached-passwords list
    (NIST SP 800-63B 3.1.1.2). Lantern cannot download one, so the operator provides it."""
    if settings.BREACHED_PASSWORDS_FILE:
        return []
    return [
        checks.Warning(
            "BREACHED_PASSWORDS_FILE is not set, so new passwords are not checked against a "
            "list of breached passwords (only against the common-password lists).",
            hint="Set BREACHED_PASSWORDS_FILE to a sorted file of SHA-1 hashes such as the "
            "downloadable Pwned Passwords list; see docs/configuration.md.",
            id=BREACHED_LIST_MISSING,
        )
    ]


@checks.register(checks.Tags.security)
def breached_passwords_file_readable(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """A configured list that cannot be read would fail every password change at run time."""
    path = settings.BREACHED_PASSWORDS_FILE
    if not path or Path(path).is_file():
        return []
    return [
        checks.Error(
            f"BREACHED_PASSWORDS_FILE is set to {path}, which is not a readable file.",
            hint="Point it at the breached-passwords file, or leave it empty to turn the check "
            "off.",
            id=BREACHED_LIST_UNREADABLE,
        )
    ]
