"""Reads for connected apps: a person's apps, and the clinic's registry."""

from __future__ import annotations

from dataclasses import dataclass

from lantern.fhir_api.grants import DataKind, data_kinds_of
from lantern.fhir_api.models import AppAuthorization, RegisteredApp


@dataclass(frozen=True)
class ConnectedApp:
    """One app a person connected, for one patient, with what it may see in words."""

    authorization: AppAuthorization
    kinds: list[DataKind]
    keeps_access: bool


def connected_apps_for(*, user) -> list[ConnectedApp]:
    """The apps the account has connected and not disconnected, newest first (one query)."""
    authorizations = (
        AppAuthorization.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("application", "patient")
        .order_by("-created_at", "-pk")
    )
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
    return list(RegisteredApp.objects.select_related("application").order_by("application__name"))
