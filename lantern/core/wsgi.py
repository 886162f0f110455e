"""The WSGI application: the pages' handler, and a second one for the FHIR API.

Apps call the FHIR API with a bearer token, never with a session cookie or a form, so none of
what a signed-in page needs runs for them (the session, the account and its second step, the
idle time-out, the terms of use, CSRF, messages, the language, sign-in throttling). Their
requests go to a handler of their own whose middleware is `settings.FHIR_API_MIDDLEWARE`: the
headers every response carries (security headers, the content security policy, no-store, no
framing) and the request context the audit trail reads. Everything else, the OAuth and consent
pages under /oauth/ and /account/ included, keeps the full stack (`settings.MIDDLEWARE`).

A request goes to the API's handler only when its path resolves to one of the API's routes
(`API_ROUTE_NAMESPACES`, `API_ROUTE_NAMES`); any other path, such as a mistyped one under the
FHIR base, is answered by the pages' handler as before (its "not found" page needs the full
stack).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_path_info
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, resolve

# What a path must start with to be looked at further (every other request goes straight to
# the pages' handler, without resolving its path twice).
API_PREFIXES = ("/fhir/r4/", "/.well-known/smart-configuration")
# The routes the API's handler serves: the FHIR API's, and SMART's discovery document.
API_ROUTE_NAMESPACES = frozenset({"fhir_api"})
API_ROUTE_NAMES = frozenset({"smart:smart_configuration", "smart:fhir_smart_configuration"})
# Where `Application` leaves the API route it found, in the request's environ (the API's
# handler does not resolve the path again).
RESOLVER_MATCH_KEY = "lantern.resolver_match"


class MiddlewareListHandler(WSGIHandler):
    """A WSGIHandler whose middleware is the list given rather than `settings.MIDDLEWARE`."""

    def __init__(self, middleware: list[str]) -> None:
        self.middleware = list(middleware)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django's own loading reads `settings.MIDDLEWARE`: it is given this handler's list for
        # the time it takes (once, when the process starts, before any request is served).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class ApiHandler(MiddlewareListHandler):
    """The API's handler: the route `Application` resolved the path to is not resolved again."""

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = request.META.get(RESOLVER_MATCH_KEY)
        if match is None or hasattr(request, "urlconf"):
            return super().resolve_request(request)
        request.resolver_match = match
        return match


def api_route(path: str) -> ResolverMatch | None:
    """The API route `path` (PATH_INFO) resolves to; None when it is not one of the API's."""
    if not path.startswith(API_PREFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace in API_ROUTE_NAMESPACES or match.view_name in API_ROUTE_NAMES:
        return match
    return None


def is_api_path(path: str) -> bool:
    """Whether `path` (PATH_INFO) is one of the API's routes."""
    return api_route(path) is not None


class Application:
    """The WSGI application: each request to the handler its path calls for."""

    def __init__(self, pages: WSGIHandler, api: WSGIHandler) -> None:
        self.pages = pages
        self.api = api

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(API_PREFIXES):
            match = api_route(get_path_info(environ))
            if match is not None:
                environ[RESOLVER_MATCH_KEY] = match
                return self.api(environ, start_response)
        return self.pages(environ, start_response)


def application_get() -> Application:
    """The WSGI application (Django must be set up: `django.setup()`)."""
    return Application(WSGIHandler(), ApiHandler(settings.FHIR_API_MIDDLEWARE))
