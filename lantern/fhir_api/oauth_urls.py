"""The OAuth 2 and OpenID Connect endpoints under /oauth/, named as django-oauth-toolkit names
them (namespace `oauth2_provider`): authorize, token, revoke-token, introspect, and the OpenID
discovery, keys and userinfo documents."""

from __future__ import annotations

from django.urls import path, re_path
from oauth2_provider import views as oauth_views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oauth_views.AuthorizationView.as_view(), name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth_views.IntrospectTokenView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oauth_views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", oauth_views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", oauth_views.UserInfoView.as_view(), name="user-info"),
]
