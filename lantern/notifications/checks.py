"""System checks for sending email (run by `manage.py check --deploy`)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import checks

FROM_ADDRESS_LOCAL = "lantern.notifications.W001"


@checks.register("email", deploy=True)
def from_address_is_deliverable(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Mail from an @localhost address is refused or sent to spam by most mail servers, and
    patients cannot tell it comes from their clinic."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].lower()
    if domain and domain != "localhost" and not domain.endswith(".localhost"):
        return []
    return [
        checks.Warning(
            f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}, an address at localhost: "
            "email to patients would be refused or marked as spam.",
            hint="Set DEFAULT_FROM_EMAIL to the clinic's own sender, such as "
            '"Riverside Family Clinic <no-reply@riverside.example.org>"; '
            "see docs/configuration.md.",
            id=FROM_ADDRESS_LOCAL,
        )
    ]
