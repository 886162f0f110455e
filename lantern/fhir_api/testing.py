"""Test helpers for the FHIR API: a real access token for a connected app, made through the
same models the OAuth endpoints write."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from lantern.fhir_api.models import AccessTokenLaunch, AppAuthorization, RegisteredApp

ALL_READ_SCOPES = "launch/patient openid fhirUser offline_access online_access patient/*.rs"


def connected_app_token(
    user,
    patient,
    scope: str,
    *,
    app_name: str = "Test app",
    expires_in: dt.timedelta | None = None,
) -> str:
    """Connect an app (registered once by name) for `user` to read `patient` with `scope`, and
    return a raw access token for it. Any earlier authorization for the same three is replaced.

    It does not check that `user` may act for `patient`: the API must refuse such a token.
    """
    application = Application.objects.filter(name=app_name).first()
    if application is None:
        application = Application.objects.create(
            name=app_name,
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="http://127.0.0.1:9/callback",
            client_secret="",
            algorithm=Application.RS256_ALGORITHM,
        )
        RegisteredApp.objects.create(application=application, allowed_scope=ALL_READ_SCOPES)
    AppAuthorization.objects.filter(
        user=user, patient=patient, application=application, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    authorization = AppAuthorization.objects.create(
        user=user, patient=patient, application=application, scope=scope
    )
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        expires=timezone.now()
        + (expires_in or dt.timedelta(seconds=settings.SMART_ACCESS_TOKEN_SECONDS)),
    )
    set_token_value(token, raw)
    token.save()
    AccessTokenLaunch.objects.create(access_token=token, authorization=authorization)
    return raw
