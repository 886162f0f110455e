"""Every route answers with a strict Content-Security-Policy, and signed-in answers are not stored.

The walk goes through the whole URL configuration (as the access-rule test does), fills each
route's parameters with real objects where there are some, and asks it with GET as nobody, as a
patient, as staff and as a deployment superuser (the Django admin's pages). Whatever the answer is
(a page, a redirect to sign in, a "not found", a "method not allowed"), it carries the policy.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import get_resolver

from lantern.accounts.models import User
from lantern.clinical.models import DiagnosticReportResult
from lantern.core.tests.test_access_rules import walk
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    DiagnosticReportFactory,
    DocumentFactory,
    EncounterFactory,
    ObservationFactory,
)
from lantern.testing.factories_enrollment import EnrollmentRequestFactory
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: (part[1] if len(part) > 1 else "") for part in parts}


def policy_problems(header: str | None) -> list[str]:
    if not header:
        return ["no Content-Security-Policy header"]
    found = directives(header)
    problems = [
        f"{name} is {found.get(name)!r}, not {value!r}"
        for name, value in REQUIRED_DIRECTIVES.items()
        if found.get(name) != value
    ]
    problems += [f"{word} allowed" for word in ("unsafe-inline", "unsafe-eval") if word in header]
    return problems


class InlineCode(HTMLParser):
    """Inline scripts, style elements, style attributes and event-handler attributes in a page:
    the policy blocks them, so a page that has any is broken in the browser."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        executable = attributes.get("type") not in {"application/json", "text/template"}
        if tag == "script" and "src" not in attributes and executable:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attributes.items():
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


@dataclass
class World:
    values: dict[str, str]


@pytest.fixture
def world(alice, nora, clinic) -> World:
    """Real objects for every kind of id in a route, most of them alice's."""
    patient = alice.patient
    visit = EncounterFactory(patient=patient)
    report = DiagnosticReportFactory(patient=patient, encounter=visit)
    value = ObservationFactory(patient=patient, encounter=visit)
    DiagnosticReportResult.objects.create(report=report, observation=value, position=0)
    document = DocumentFactory(patient=patient)
    conversation = ConversationFactory(patient=patient, created_by=alice)
    MessageFactory(conversation=conversation)
    enrollment_request = EnrollmentRequestFactory(organization=clinic)
    return World(
        values={
            "patient_id": str(patient.pk),
            "report_id": str(report.pk),
            "observation_id": str(value.pk),
            "visit_id": str(visit.pk),
            "document_id": str(document.pk),
            "conversation_id": str(conversation.pk),
            "attachment_id": str(uuid.uuid4()),
            "request_id": str(enrollment_request.pk),
            "code": value.code,
            "kind": "app",
            "object_id": str(alice.pk),
            "id": str(alice.pk),
            "pk": "1",
            "content_type_id": "1",
            "uidb64": "MQ",
            "token": "not-a-token",
            "app_label": "accounts",
            "url": "nowhere/",
        }
    )


PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>[^>]+)>[^)]*\)")


def example_path(pattern: str, values: dict[str, str]) -> str:
    """A concrete path for a route pattern (path() converters or a simple regex)."""
    filled = NAMED_GROUP.sub(lambda match: values.get(match["name"], "x"), pattern)
    filled = PARAMETER.sub(lambda match: values.get(match["name"], "x"), filled)
    filled = filled.replace("^", "").replace("$", "")
    assert not re.search(r"[()\[\]\\*+?|]", filled), f"cannot fill {pattern!r}: {filled!r}"
    return "/" + filled


def example_paths(world: World) -> list[str]:
    return sorted(
        {example_path(route.pattern, world.values) for route in walk(get_resolver().url_patterns)}
    )


def client_for(identity: str, alice, nora) -> Client:
    # A view that fails answers with the 500 page, which must carry the headers too.
    client = Client(raise_request_exception=False)
    if identity == "patient":
        return sign_in(client, alice)
    if identity == "staff":
        return sign_in(client, nora)
    if identity == "superuser":
        superuser, _ = User.objects.get_or_create(
            username="root", defaults={"is_staff": True, "is_superuser": True}
        )
        return sign_in(client, superuser)
    return client


IDENTITIES = ["anonymous", "patient", "staff", "superuser"]


def walk_responses(identity: str, world: World, alice, nora):
    """(path, response) for every route, as `identity`, signed in again if a route signed out."""
    client = client_for(identity, alice, nora)
    user_id = client.session.get(SESSION_KEY)
    for path in example_paths(world):
        response = client.get(path)
        yield path, response
        if user_id is not None and client.session.get(SESSION_KEY) != user_id:
            client = client_for(identity, alice, nora)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_sends_the_strict_policy_and_signed_in_answers_are_not_stored(
    identity, world, alice, nora
):
    offenders: dict[str, list[str]] = {}
    pages = 0
    for path, response in walk_responses(identity, world, alice, nora):
        problems = policy_problems(response.headers.get("Content-Security-Policy"))
        if response.headers.get("Content-Type", "").startswith("text/html"):
            pages += response.status_code == 200
            problems += InlineCode(response.content.decode()).found
        cache_control = response.headers.get("Cache-Control", "")
        if identity != "anonymous" and "no-store" not in cache_control:
            problems.append(f"Cache-Control is {cache_control!r}")
        if problems:
            offenders[f"{response.status_code} {path}"] = problems

    assert offenders == {}
    # Guards against a walk that only met redirects and errors.
    assert identity == "anonymous" or pages >= 15, pages


def test_sign_in_and_recovery_pages_are_marked_no_store(client):
    for path in ("/signin/", "/account/forgot-password/", "/account/forgot-username/", "/enroll/"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path


def test_the_policy_checker_catches_a_weak_policy_and_inline_code():
    weak = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'"

    assert "unsafe-inline allowed" in policy_problems(weak)
    assert "object-src is None, not \"'none'\"" in policy_problems(weak)
    assert policy_problems(None) == ["no Content-Security-Policy header"]
    page = '<div style="x" onclick="y"><script>alert(1)</script><script type="application/json">'
    assert InlineCode(page).found == ["<div style=…>", "<div onclick=…>", "<script> without src"]
