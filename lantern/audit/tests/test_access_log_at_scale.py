"""A page of the access log reads a bounded number of rows however long the patient's trail is.

The trail only grows: every page the patient opens, every look by staff, every read by an app
she connected (one that reads hourly adds thousands of events a year). A page of the log reads
each role's newest events by the index on (patient, role, time) and no further
(`audit/selectors.py`), so it costs the same in the first week and years later.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantern.audit.models import ActorRole, AuditAction
from lantern.audit.selectors import PER_PAGE
from lantern.audit.services import audit_events_record_many
from lantern.testing.auth import sign_in
from lantern.testing.query_plans import rows_read

from .test_access_log import log_url

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="rows read are counted by PostgreSQL's EXPLAIN"
    ),
]

AUDIT = ("audit_auditevent",)
# The log is read in at most eight parts (one per role; the patient's role, without her own
# visits, in three), each giving at most a page of its newest events.
BOUND = 8 * PER_PAGE


def page_rows_read(client: Client, url: str) -> int:
    """The audit rows the log's page of entries reads (its count is not part of it)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    (page,) = [
        query["sql"]
        for query in captured
        if "UNION ALL" in query["sql"] and "COUNT(" not in query["sql"]
    ]
    return rows_read(page, AUDIT)


def events_add(actor, patient, role: ActorRole, count: int) -> None:
    audit_events_record_many(
        actor=actor, patients=[patient] * count, role=role, action=AuditAction.VIEW
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")  # as autovacuum would, for the planner


def test_a_page_of_her_log_reads_a_bounded_number_of_rows_however_often_an_app_reads(alice):
    client = sign_in(Client(), alice)
    events_add(alice, alice.patient, ActorRole.APP, 100)
    fewer = page_rows_read(client, log_url(alice.patient))
    events_add(alice, alice.patient, ActorRole.APP, 900)
    more = page_rows_read(client, log_url(alice.patient))

    assert fewer <= BOUND
    assert more <= BOUND


def test_a_page_of_the_whole_log_reads_a_bounded_number_of_rows_however_many_visits(alice, nora):
    # Staff read the whole log, her own visits included.
    client = sign_in(Client(), nora)
    url = log_url(alice.patient)
    events_add(alice, alice.patient, ActorRole.SELF, 100)
    fewer = page_rows_read(client, url)
    events_add(alice, alice.patient, ActorRole.SELF, 900)
    more = page_rows_read(client, url)

    assert fewer <= BOUND
    assert more <= BOUND
