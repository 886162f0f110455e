"""The WSGI application serves the FHIR API with a middleware stack of its own (shorter: no
session, account, CSRF or language) and every other path with the pages' full stack, and the
API's answers keep every header the full stack gives them.

The test client runs `settings.MIDDLEWARE`, so these tests call the WSGI application itself.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from csp.middleware import CSPMiddleware
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from lantern.audit.models import AuditEvent
from lantern.core.headers import FixedContentSecurityPolicyMiddleware
from lantern.core.wsgi import MiddlewareListHandler, application_get, is_api_path
from lantern.fhir_api.testing import connected_app_token
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory

pytestmark = pytest.mark.django_db

SEARCH = "/fhir/r4/Observation?code=http://loinc.org|4548-4&_sort=-date&_count=20"
# The headers that keep an answer safe, whichever stack wrote it, and those that frame it.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cache-Control",
    "Strict-Transport-Security",
    "Content-Type",
    "Content-Length",
)


@contextmanager
def _connections_kept() -> Iterator[None]:
    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def wsgi_get(application, path: str, *, https: bool = False, **headers: str):
    """(status, headers, body) of a GET through `application`, as a WSGI server calls it."""
    target, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if https else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update({"HTTP_" + name.upper().replace("-", "_"): v for name, v in headers.items()})
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(response_headers))

    with _connections_kept():
        body = application(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            body.close()
    return answer["status"], answer["headers"], content


def session_cookie(user) -> str:
    """A Cookie header of a signed-in session of `user`."""
    cookies = sign_in(Client(), user).cookies
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


@pytest.fixture
def token(alice):
    ObservationFactory(patient=alice.patient, code_system="http://loinc.org", code="4548-4")
    return connected_app_token(alice, alice.patient, "patient/*.rs")


def test_the_apis_routes_and_smart_discovery_go_to_the_apis_handler():
    for path in (
        "/fhir/r4/",
        "/fhir/r4/metadata",
        "/fhir/r4/Observation",
        "/fhir/r4/Observation/0b0c4f36-5a43-4c0f-9d0f-8f3f0f0f0f0f",
        "/fhir/r4/Patient/0b0c4f36-5a43-4c0f-9d0f-8f3f0f0f0f0f/$everything",
        "/fhir/r4/.well-known/smart-configuration",
        "/.well-known/smart-configuration",
    ):
        assert is_api_path(path), path


def test_pages_oauth_consent_and_unknown_paths_under_the_base_keep_the_full_stack():
    for path in (
        "/",
        "/healthz",
        "/oauth/authorize/",
        "/oauth/token/",
        "/account/apps/",
        "/fhir/r4",
        "/fhir/r4/observation/x/y",
        "/.well-known/smart-configuration/more",
    ):
        assert not is_api_path(path), path


def test_a_search_through_the_application_reads_no_session_even_with_a_signed_in_cookie(
    alice, token, django_assert_num_queries
):
    cookie = session_cookie(alice)
    application = application_get()
    headers = {"Authorization": f"Bearer {token}", "Cookie": cookie}
    assert wsgi_get(application, SEARCH, **headers)[0] == 200  # Notes "last read" once.

    # The token, the release delays, the page and the audit event: no session, account,
    # second factor or terms of use, as the pages' stack would read for that cookie.
    with django_assert_num_queries(4):
        status, _, body = wsgi_get(application, SEARCH, **headers)

    assert status == 200
    assert b'"entry"' in body


@pytest.mark.parametrize("https", [False, True])
@pytest.mark.parametrize(
    "path",
    [SEARCH, "/fhir/r4/metadata", "/fhir/r4/Condition/nothing-here", "/fhir/r4/Observation"],
)
def test_the_apis_answers_keep_every_security_header_of_the_full_stack(path, https, token):
    settings_for_https = {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": False,
    }
    with override_settings(**(settings_for_https if https else {})):
        application = application_get()
        headers = {"Authorization": f"Bearer {token}"}
        status, api_headers, _ = wsgi_get(application, path, https=https, **headers)
        full = Client().get(path, secure=https, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert isinstance(application.api, MiddlewareListHandler)
    assert status == full.status_code
    for name in SECURITY_HEADERS:
        assert api_headers.get(name) == full.headers.get(name), name
    assert ("Strict-Transport-Security" in api_headers) == https


def test_a_search_through_the_application_is_audited_with_the_callers_address(alice, token):
    status, _, _ = wsgi_get(
        application_get(), SEARCH, Authorization=f"Bearer {token}", User_Agent="Health app/2.1"
    )

    assert status == 200
    event = AuditEvent.objects.filter(object_type="Observation").latest("pk")
    assert (event.channel, event.actor_role, event.actor_id) == ("api", "app", alice.pk)
    assert (event.ip_address, event.user_agent) == ("203.0.113.9", "Health app/2.1")


def test_a_page_through_the_application_keeps_the_full_stack(alice):
    cookie = session_cookie(alice)

    status, headers, _ = wsgi_get(application_get(), "/account/apps/", Cookie=cookie)

    assert status == 200
    # The language middleware of the pages' stack says the page's language.
    assert headers.get("Content-Language") == "en"


def test_the_fixed_policy_is_the_one_django_csp_writes_and_keeps_a_responses_own():
    def view_with(**attributes):
        def view(request):
            response = HttpResponse(b"{}")
            for name, value in attributes.items():
                if name == "header":
                    response["Content-Security-Policy"] = value
                else:
                    setattr(response, name, value)
            return response

        return view

    request = RequestFactory().get("/fhir/r4/metadata")
    for attributes in ({}, {"header": "default-src 'none'"}, {"_csp_exempt": True}):
        fixed = FixedContentSecurityPolicyMiddleware(view_with(**attributes))(request)
        django_csp = CSPMiddleware(view_with(**attributes))(RequestFactory().get("/fhir/r4/"))

        assert fixed.get("Content-Security-Policy") == django_csp.get("Content-Security-Policy")
        assert "Content-Security-Policy-Report-Only" not in fixed
