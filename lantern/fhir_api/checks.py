"""System checks: SMART on FHIR cannot sign id_tokens without its key (`check --deploy`; a
fresh checkout still checks its migrations without one)."""

from __future__ import annotations

from django.core.checks import Error, register
from oauth2_provider.settings import oauth2_settings


@register(deploy=True)
def oidc_key_check(app_configs, **kwargs) -> list[Error]:
    if oauth2_settings.OIDC_RSA_PRIVATE_KEY:
        return []
    return [
        Error(
            "The OpenID Connect signing key is not set.",
            hint="Set OIDC_RSA_PRIVATE_KEY to an RSA private key in PEM form "
            "(make run creates one in var/oidc-key.pem); see docs/configuration.md.",
            id="fhir_api.E001",
        )
    ]
