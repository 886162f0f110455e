"""The pages benchmark (benchmarks/pages.py) measures pages that exist: every path on its list
answers 200 to its signed-in persona, so the list cannot rot unnoticed."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.utils import timezone

from lantern.access.models import ProxyKind
from lantern.access.policy import patient_access
from lantern.appointments.models import Location, VisitType, WeeklyHours
from lantern.home.tests.builders import make_report
from lantern.staff.views import PATIENT_SEARCH_SESSION_KEY
from lantern.testing.auth import sign_in
from lantern.testing.crawl import clinic_administrator_of
from lantern.testing.factories import PatientFactory, ProxyRelationshipFactory
from lantern.testing.factories_messaging import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "pages.py"


def benchmark_module():
    spec = importlib.util.spec_from_file_location("benchmark_pages", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


@pytest.fixture
def bookable_clinic(clinic, nora):
    """A place, a visit type patients may book and a clinician working there every day."""
    location = Location.objects.create(
        organization=clinic, name="Main Street", time_zone="America/New_York"
    )
    VisitType.objects.create(
        organization=clinic, name="Check-up", length_minutes=30, patients_may_book=True
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            clinician=nora,
            location=location,
            weekday=day,
            starts_at=dt.time(9),
            ends_at=dt.time(17),
        )
        for day in range(7)
    )


@pytest.fixture
def benchmark_pages(alice, nora, bookable_clinic) -> tuple[list, dict[str, Client]]:
    """The benchmark's pages with their paths on a small record, and a signed-in client for
    each persona."""
    child = PatientFactory(birth_date=timezone.localdate().replace(year=2019))
    parent = ProxyRelationshipFactory(patient=child, kind=ProxyKind.PARENT).proxy
    report = make_report(alice.patient, display="Lipid panel", days_ago=1)
    conversation = ConversationFactory(patient=alice.patient, created_by=alice)
    MessageFactory(conversation=conversation, author=alice)
    ids = {
        "patient_id": str(alice.patient.pk),
        "report_id": str(report.pk),
        "conversation_id": str(conversation.pk),
        "child_id": str(child.pk),
    }
    ids.update(benchmark_module().booking_ids(patient_access(alice, alice.patient.pk)))
    clients = {
        "patient": sign_in(Client(), alice),
        "staff": sign_in(Client(), nora),
        "parent": sign_in(Client(), parent),
        "admin": sign_in(Client(), clinic_administrator_of(alice.patient.managing_organization)),
    }
    session = clients["staff"].session
    session[PATIENT_SEARCH_SESSION_KEY] = benchmark_module().SEARCH_TERM  # As the benchmark.
    session.save()
    return benchmark_module().page_paths(ids), clients


def test_every_page_of_the_benchmark_answers_200_to_its_signed_in_persona(benchmark_pages):
    pages, clients = benchmark_pages
    answers = {page.label: clients[page.persona].get(path).status_code for page, path in pages}

    assert len(answers) == 34
    assert answers == dict.fromkeys(answers, 200)


# Pages that still build a query through the ORM on every visit, and why.
BUILT_EACH_VISIT = {
    # The held results' count is a UNION whose release moments come from the delays' settings.
    "staff console home",
    # Each word of a name is a pattern (LIKE), which a prepared statement cannot take as it is.
    "staff patient search",
}


def test_pages_read_with_statements_built_once_per_process(benchmark_pages):
    """Building a SELECT through the ORM costs a page several times as long as running it; the
    pages run statements built on their first visit (lantern/core/statements.py)."""
    pages, clients = benchmark_pages
    built = {}
    for page, path in pages:
        client = clients[page.persona]
        client.get(path)
        with mock.patch.object(
            SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
        ) as as_sql:
            assert client.get(path).status_code == 200, page.label
        built[page.label] = as_sql.call_count

    assert {label for label, count in built.items() if count} == BUILT_EACH_VISIT


def test_bench_pages_measures_only_the_pages_it_names():
    pages = [{"label": "home"}, {"label": "medications"}, {"label": "vitals"}]
    chosen = benchmark_module().pages_chosen

    assert chosen(pages, "") == pages
    assert chosen(pages, "medications, home") == [{"label": "home"}, {"label": "medications"}]
    with pytest.raises(SystemExit, match="no page called medicines"):
        chosen(pages, "medicines")


def test_each_persona_sends_its_csrf_cookie_as_a_browser_does(benchmark_pages, settings):
    paths, clients = benchmark_pages
    for page, path in paths:
        clients[page.persona].get(path)
    prepared = {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookies": {
            name: client.cookies[settings.SESSION_COOKIE_NAME].value
            for name, client in clients.items()
        },
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "csrf_cookies": {
            name: client.cookies[settings.CSRF_COOKIE_NAME].value
            for name, client in clients.items()
        },
    }

    headers = benchmark_module().persona_cookies(prepared)

    for name, client in clients.items():
        csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
        assert headers[name] == (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            f"; {settings.CSRF_COOKIE_NAME}={csrf}"
        )
        # Sent back, it is kept: the page makes no new CSRF secret (Django sends the same
        # cookie again to renew its expiry).
        if name == "patient":
            renewed = client.get(paths[0][1]).cookies[settings.CSRF_COOKIE_NAME].value
            assert renewed == csrf
