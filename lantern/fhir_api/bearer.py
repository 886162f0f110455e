"""A bearer token, read: the ApiCaller it stands for, or None.

One query finds the token with its authorization, patient, person and app; "last read" is
written at most once a minute per authorization with a conditional UPDATE, so a busy app does
not write a row on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone
from oauth2_provider.models import AccessToken

from lantern.fhir_api.caller import ApiCaller
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.scopes import parse_scopes

LAST_READ_EVERY = dt.timedelta(minutes=1)


def _access_token_for(raw: str) -> AccessToken | None:
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return (
        AccessToken.objects.select_related(
            "application__registration",
            "launch__authorization__patient",
            "launch__authorization__user",
        )
        .filter(
            token_checksum=checksum,
            launch__authorization__revoked_at__isnull=True,
            application__registration__disabled_at__isnull=True,
        )
        .first()
    )


def caller_for_token(raw: str) -> ApiCaller | None:
    """The caller a raw bearer token stands for; None when the token is unknown, expired or
    revoked, its authorization was withdrawn, or the clinic disabled the app."""
    if not raw or len(raw) > 512:
        return None
    token = _access_token_for(raw)
    if token is None or token.is_expired():
        return None
    authorization = token.launch.authorization
    if not authorization.user.is_active:
        return None
    now = timezone.now()
    if authorization.last_read_at is None or authorization.last_read_at <= now - LAST_READ_EVERY:
        AppAuthorization.objects.filter(pk=authorization.pk).exclude(
            last_read_at__gt=now - LAST_READ_EVERY
        ).update(last_read_at=now)
    return ApiCaller(
        user=authorization.user,
        patient=authorization.patient,
        scopes=parse_scopes(token.scope),
        client_id=token.application.client_id,
        app_name=token.application.name,
        token_id=token.pk,
    )
