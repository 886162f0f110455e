"""A page of the access log reads a bounded number of rows however long the patient's trail is.

The trail only grows: every page the patient opens, every look by staff, every read by an app
she connected (one that reads hourly adds thousands of events a year). A page of the log reads
each role's newest events by the index on (patient, role, time) and no further
(`audit/selectors.py`), so it costs the same in the first week and years later.

PostgreSQL's EXPLAIN ANALYZE counts the rows a page reads; on SQLite, the steps its virtual
machine takes (a page's work) must not grow with the trail.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.audit.selectors import PER_PAGE, LogCursor
from lantern.audit.services import audit_events_record_many
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, UserFactory
from lantern.testing.query_plans import rows_read, sqlite_steps

from .test_access_log import log_url

pytestmark = pytest.mark.django_db

AUDIT = ("audit_auditevent",)
# The log is read in at most eight parts (one per role; the patient's role, without her own
# visits, in three), each giving at most a page of its newest events.
BOUND = 8 * PER_PAGE
# On SQLite: ten times the events, at most this much more work for a page.
SQLITE_GROWTH = 1.25


def page_work(client: Client, url: str) -> int:
    """The work of the log's page of entries (nothing is counted: pages follow one another by
    cursor): the audit rows it reads on PostgreSQL, its steps on SQLite."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    (page,) = [query["sql"] for query in captured if "UNION ALL" in query["sql"]]
    if connection.vendor == "postgresql":
        return rows_read(page, AUDIT)
    return sqlite_steps(page)


def assert_bounded(fewer: int, more: int) -> None:
    if connection.vendor == "postgresql":
        assert fewer <= BOUND
        assert more <= BOUND
    else:
        assert more <= fewer * SQLITE_GROWTH, (fewer, more)


def events_add(actor, patient, role: ActorRole, count: int) -> None:
    audit_events_record_many(
        actor=actor, patients=[patient] * count, role=role, action=AuditAction.VIEW
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")  # as autovacuum would, for the planner


def assert_page_work_bounded_as_events_grow(reader, actor, patient, role: ActorRole) -> None:
    """The reader's page of the patient's log does no more work with 1,000 of the actor's events
    in `role` than with 100."""
    client = sign_in(Client(), reader)
    url = log_url(patient)
    events_add(actor, patient, role, 100)
    fewer = page_work(client, url)
    events_add(actor, patient, role, 900)
    more = page_work(client, url)

    assert_bounded(fewer, more)


def test_a_page_of_her_log_reads_a_bounded_number_of_rows_however_often_an_app_reads(alice):
    assert_page_work_bounded_as_events_grow(alice, alice, alice.patient, ActorRole.APP)


def test_her_log_without_her_visits_reads_none_of_them_however_many(alice, bob):
    # Her own visits are hidden by default; other accounts' entries are still listed.
    events_add(bob, alice.patient, ActorRole.STAFF, 30)
    assert_page_work_bounded_as_events_grow(alice, alice, alice.patient, ActorRole.SELF)


def test_a_page_of_the_whole_log_reads_a_bounded_number_of_rows_however_many_visits(alice, nora):
    # Staff read the whole log, her own visits included.
    assert_page_work_bounded_as_events_grow(nora, alice, alice.patient, ActorRole.SELF)


def test_a_page_far_down_her_log_reads_as_few_rows_as_the_first(alice):
    events_add(alice, alice.patient, ActorRole.APP, 1_000)
    client = sign_in(Client(), alice)
    url = log_url(alice.patient)
    newest_first = AuditEvent.objects.filter(patient=alice.patient).order_by("-occurred_at", "-id")
    deep = newest_first[899]  # the entries older than the 900th, 36 pages down

    first = page_work(client, url)
    far_down = page_work(client, f"{url}?before={LogCursor(deep.occurred_at, deep.pk).token}")

    assert_bounded(first, far_down)


def test_her_log_reads_none_of_her_visits_when_later_accounts_visit_their_own_records(alice):
    # Other patients' own visits, by accounts made after hers: by the statistics, an account
    # after hers then looks common, and a plan that walks her visits in time order to find
    # one looks cheap. The log must still never read her visits to skip them.
    for _ in range(20):
        other = UserFactory(patient=PatientFactory())
        events_add(other, other.patient, ActorRole.SELF, 100)
    assert_page_work_bounded_as_events_grow(alice, alice, alice.patient, ActorRole.SELF)


def test_her_log_reads_none_of_her_visits_when_most_events_have_no_account(alice):
    # Events without an account (sign-ins that failed, the system's imports) are common: by the
    # statistics an event of her role without an account then looks easy to come across, and a
    # plan that walks her visits in time order to find one looks cheap. The log must still
    # never read her visits to skip them.
    other = PatientFactory()
    audit_events_record_many(
        actor=None, patients=[other] * 3_000, role=ActorRole.SYSTEM, action=AuditAction.IMPORT
    )
    assert_page_work_bounded_as_events_grow(alice, alice, alice.patient, ActorRole.SELF)
