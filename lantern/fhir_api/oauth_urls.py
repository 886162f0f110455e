"""The OAuth 2 and OpenID Connect endpoints under /oauth/, named as django-oauth-toolkit names
them (namespace `oauth2_provider`): authorize (Lantern's consent screen), token, revoke-token,
introspect, and the OpenID discovery, keys and userinfo documents."""

from __future__ import annotations

from django.urls import path

from lantern.fhir_api import smart_views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", smart_views.authorize, name="authorize"),
    path("token/", smart_views.token, name="token"),
    path("revoke_token/", smart_views.revoke_token, name="revoke-token"),
    path("introspect/", smart_views.introspect, name="introspect"),
    path(
        ".well-known/openid-configuration",
        smart_views.openid_configuration,
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", smart_views.jwks, name="jwks-info"),
    path("userinfo/", smart_views.user_info, name="user-info"),
]
