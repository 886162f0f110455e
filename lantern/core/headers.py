"""Response headers that keep health information out of caches.

Results, messages and the rest of a record must not stay on the disk of a shared or public
computer after sign-out, nor in any proxy on the way. Static files are served by WhiteNoise before
this middleware runs, so they keep their long cache lifetimes.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with no-cache, must-revalidate, private) on every page.

    Signed-in responses always get it, overriding whatever a view set. Responses to people who are
    not signed in (sign-in, recovery, enrollment, error pages) carry CSRF tokens and account
    details being typed in, so they get it too unless a view chose its own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


# Signing out empties what the browser kept for the portal: its HTTP cache, and its storage,
# which holds the installable app's service worker and the worker's cache (Chromium, Firefox;
# Safari partly). Cookies are left alone: the session cookie is already ended, and the
# trusted-browser cookie is the person's own choice (ended by "sign out everywhere").
CLEAR_SITE_DATA = '"cache", "storage"'


def clear_site_data(response: HttpResponseBase) -> HttpResponseBase:
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


class FixedContentSecurityPolicyMiddleware:
    """The Content-Security-Policy headers django-csp's middleware writes, for routes that never
    change the policy (no nonce, no per-view policy: the FHIR API), built once per process from
    the same settings with django-csp's own `build_policy` rather than on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policies = []
        for header, report_only, exempt, setting in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            value = build_policy(report_only=report_only)
            prefixes = tuple(
                (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            )
            if value:
                self.policies.append((header, value, exempt, prefixes))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # As django-csp: Django's debug pages (DEBUG only) keep their inline styles.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        for header, value, exempt, prefixes in self.policies:
            if (
                header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        return response
