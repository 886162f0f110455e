"""SMART App Launch on django-oauth-toolkit: the gaps the toolkit leaves, closed in one place.

- Scopes are SMART scopes (`lantern.fhir_api.scopes`), narrowed to what the clinic allows an
  app (`SmartScopes`, `grants.granted_scope`), not a fixed list in settings.
- A disabled app is unknown to every endpoint.
- The patient context rides on the authorization code and every token (`GrantLaunch`,
  `AccessTokenLaunch`, `RefreshTokenLaunch`), so the token response and every refresh carry
  `patient`; a refresh token is issued only with `offline_access` or `online_access`.
- The id_token carries `fhirUser`; `sub` is a stable opaque id, not the account's row number.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from lantern.access.models import ProxyRelationship
from lantern.fhir_api.grants import FLAG_SCOPES, SERVED_TYPES, granted_scope
from lantern.fhir_api.models import (
    AccessTokenLaunch,
    AppAuthorization,
    GrantLaunch,
    RefreshTokenLaunch,
    RegisteredApp,
)

# Namespace of the opaque ids in tokens (`sub`, a proxy's RelatedPerson id): stable, and not the
# sequential row numbers behind them.
OPAQUE_ID_NAMESPACE = uuid.UUID("6d0c7b1e-6c1b-4a49-9a7e-3f1f8c6b2d51")


def subject_id(user) -> str:
    """The OpenID Connect `sub` of an account."""
    return str(uuid.uuid5(OPAQUE_ID_NAMESPACE, f"user:{user.pk}"))


def related_person_id(relationship_pk: int) -> str:
    """The FHIR id of a proxy relationship, as a RelatedPerson (`fhirUser` of a proxy)."""
    return str(uuid.uuid5(OPAQUE_ID_NAMESPACE, f"proxy-relationship:{relationship_pk}"))


def fhir_user_for(authorization: AppAuthorization) -> str:
    """Who authorized the app, as a FHIR reference: `Patient/<id>` for the patient themselves,
    `RelatedPerson/<id>` for a proxy acting for them."""
    base = settings.FHIR_BASE_URL
    if authorization.user.patient_id == authorization.patient_id:
        return f"{base}/Patient/{authorization.patient_id}"
    relationship = (
        ProxyRelationship.objects.filter(
            proxy_id=authorization.user_id, patient_id=authorization.patient_id
        )
        .order_by("-granted_at")
        .values_list("pk", flat=True)
        .first()
    )
    return f"{base}/RelatedPerson/{related_person_id(relationship or 0)}"


def _checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class SmartScopes(BaseScopes):
    """SMART scopes: every served type and the launch flags; an app gets what it registered."""

    def get_all_scopes(self) -> dict[str, str]:
        scopes = {f"patient/{t}.rs": f"Read {t} resources" for t in SERVED_TYPES}
        scopes["patient/*.rs"] = "Read every resource"
        scopes.update(
            {
                "openid": "Know who signed in",
                "fhirUser": "Know who signed in, as a FHIR resource",
                "launch/patient": "Ask which patient's record to open",
                "offline_access": "Keep access while the person is away",
                "online_access": "Keep access while the person is signed in",
            }
        )
        return scopes

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        registration = RegisteredApp.objects.filter(application=application).first()
        return registration.allowed_scope.split() if registration else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        # SMART apps name their scopes; an app that names none is granted none.
        return []


class SmartValidator(OAuth2Validator):
    oidc_claim_scope = {"sub": "openid", "fhirUser": "fhirUser"}

    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        if client is None:
            return None
        if not RegisteredApp.objects.filter(application=client, disabled_at__isnull=True).exists():
            request.client = None
            return None
        return client

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        """Narrow the asked scopes to what the clinic allows this app; refuse when nothing
        readable is left. The person narrows further on the consent screen."""
        allowed = " ".join(SmartScopes().get_available_scopes(application=client, request=request))
        granted = granted_scope(" ".join(scopes), allowed)
        words = granted.split()
        if not any(word not in FLAG_SCOPES for word in words):
            return False
        request.scopes = words
        return True

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        launch = (
            GrantLaunch.objects.select_related("authorization__patient", "authorization__user")
            .filter(grant__code=code, grant__application=client)
            .first()
        )
        if launch is None or launch.authorization.revoked_at is not None:
            return False
        request.lantern_authorization = launch.authorization
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        launch = (
            RefreshTokenLaunch.objects.select_related(
                "authorization__patient", "authorization__user"
            )
            .filter(refresh_token=request.refresh_token_instance)
            .first()
        )
        if launch is None or launch.authorization.revoked_at is not None:
            return False
        request.lantern_authorization = launch.authorization
        return True

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(request, code, expires)
        GrantLaunch.objects.create(grant=grant, authorization_id=request.lantern_authorization_id)
        return grant

    def _save_bearer_token(self, token, request, *args, **kwargs):
        authorization: AppAuthorization = request.lantern_authorization
        scopes = set(token.get("scope", "").split())
        # SMART: a refresh token only for an app that asked to keep access.
        if not scopes & {"offline_access", "online_access"}:
            token.pop("refresh_token", None)
        super()._save_bearer_token(token, request, *args, **kwargs)
        access_token = AccessToken.objects.get(token_checksum=_checksum(token["access_token"]))
        AccessTokenLaunch.objects.get_or_create(
            access_token=access_token, defaults={"authorization": authorization}
        )
        if "refresh_token" in token:
            refresh_token = RefreshToken.objects.get(
                token_checksum=_checksum(token["refresh_token"]), revoked__isnull=True
            )
            RefreshTokenLaunch.objects.get_or_create(
                refresh_token=refresh_token, defaults={"authorization": authorization}
            )
        token["patient"] = str(authorization.patient_id)

    def get_claim_dict(self, request):
        return {"sub": subject_id(request.user), **self.get_additional_claims(request)}

    def get_additional_claims(self, request):
        authorization = getattr(request, "lantern_authorization", None)
        if authorization is None:
            return {}
        return {"fhirUser": fhir_user_for(authorization)}
