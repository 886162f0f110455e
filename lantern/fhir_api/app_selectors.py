"""Reads for connected apps: a person's apps, and the clinic's registry."""

from __future__ import annotations

from dataclasses import dataclass

from lantern.core.statements import Statement, param_for
from lantern.fhir_api.grants import DataKind, data_kinds_of
from lantern.fhir_api.models import AppAuthorization, RegisteredApp


@dataclass(frozen=True)
class ConnectedApp:
    """One app a person connected, for one patient, with what it may see in words."""

    authorization: AppAuthorization
    kinds: list[DataKind]
    keeps_access: bool


# Built once per process (lantern/core/statements.py), run with the account's id.
_CONNECTED = Statement(
    lambda: (
        AppAuthorization.objects.filter(
            user=param_for(AppAuthorization, "user"), revoked_at__isnull=True
        )
        .select_related("application", "patient")
        .order_by("-created_at", "-pk")
    )
)
_REGISTERED = Statement(
    lambda: RegisteredApp.objects.select_related("application").order_by("application__name")
)


def connected_apps_for(*, user) -> list[ConnectedApp]:
    """The apps the account has connected and not disconnected, newest first (one query)."""
    authorizations = _CONNECTED.objects(user=user.pk)
    return [
        ConnectedApp(
            authorization=authorization,
            kinds=data_kinds_of(authorization.scope),
            keeps_access=bool(
                {"offline_access", "online_access"} & set(authorization.scope.split())
            ),
        )
        for authorization in authorizations
    ]


def registered_apps() -> list[RegisteredApp]:
    """Every registered app, by name (one query)."""
    return _REGISTERED.objects()
