"""Who looked at my record: the patient's view of the audit trail of their own record."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditOutcome
from lantern.audit.selectors import access_log_page
from lantern.audit.services import audit_event_record, audit_events_record_many
from lantern.clinical.models import Observation
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def log_url(patient) -> str:
    return reverse("audit:access_log", kwargs={"patient_id": patient.pk})


def entries(client: Client, patient, page: int = 1, mine: bool = True) -> list:
    """The log's entries on its `page`th page (following "Older entries" from the newest);
    with `mine`, "Show my own visits too" is ticked (most tests here are about how every entry
    reads)."""
    query = "?mine=1" if mine else "?"
    response = client.get(log_url(patient) + query)
    for _ in range(page - 1):
        older = response.context["page"].older
        assert older is not None, "no older entries"
        response = client.get(log_url(patient) + f"{query}&before={older.token}")
    assert response.status_code == 200
    return list(response.context["page"].object_list)


@pytest.fixture
def named_nora(nora):
    nora.first_name, nora.last_name = "Nora", "Nguyen"
    nora.save()
    return nora


def test_the_log_lists_noras_view_of_alices_record_with_her_name_and_role(alice, named_nora):
    nora_client = sign_in(Client(), named_nora)
    assert nora_client.get(f"/patients/{alice.patient.pk}/record/problems/").status_code == 200

    log = entries(sign_in(Client(), alice), alice.patient)
    noras = [entry for entry in log if entry.who == "Nora Nguyen, nurse at Riverside Family Clinic"]

    assert len(noras) == 1
    assert noras[0].role == "Nurse at your clinic"
    assert noras[0].what == "Viewed your health problems"


def test_the_page_shows_who_what_and_when_in_words(alice, named_nora):
    sign_in(Client(), named_nora).get(f"/patients/{alice.patient.pk}/record/")

    content = sign_in(Client(), alice).get(log_url(alice.patient)).content.decode()

    assert content.count("<h1") == 1
    assert "Who looked at my record" in content
    assert "Nora Nguyen" in content
    assert "Nurse at your clinic" in content
    assert "Viewed your record" in content
    assert "usa-table usa-table--stacked" in content


def test_each_entry_escapes_the_name_it_shows_and_labels_its_cells(alice, nora):
    # The rows are worded in Python (audit.presenters), not by the template's escaping.
    nora.first_name, nora.last_name = "<b>Nora</b>", "O'Neil & co"
    nora.save()
    sign_in(Client(), nora).get(f"/patients/{alice.patient.pk}/record/")

    content = sign_in(Client(), alice).get(log_url(alice.patient)).content.decode()

    assert "&lt;b&gt;Nora&lt;/b&gt; O&#x27;Neil &amp; co" in content
    assert "<b>Nora" not in content
    assert '<td data-label="Who">' in content and '<th scope="row" data-label="When">' in content
    assert '<td data-label="What they did">Viewed your record</td>' in content


def test_the_patients_own_visits_are_hidden_until_she_asks_for_them(alice, named_nora):
    record_view(alice, alice.patient, ActorRole.SELF)
    record_view(named_nora, alice.patient, ActorRole.STAFF)
    client = sign_in(Client(), alice)

    hidden = client.get(log_url(alice.patient))
    shown = entries(client, alice.patient, mine=True)

    assert [entry.who for entry in hidden.context["page"].object_list] == [
        "Nora Nguyen, nurse at Riverside Family Clinic"
    ]
    assert "Show my own visits too" in hidden.text
    assert 'name="mine" value="1" checked' not in hidden.text
    assert "You" in {entry.who for entry in shown}


def test_with_only_her_own_visits_the_empty_log_says_they_are_hidden(alice):
    record_view(alice, alice.patient, ActorRole.SELF)

    response = sign_in(Client(), alice).get(log_url(alice.patient))

    assert list(response.context["page"].object_list) == []
    assert "Your own visits are hidden" in response.text


def test_the_page_links_keep_showing_her_own_visits(alice):
    for _ in range(30):
        record_view(alice, alice.patient, ActorRole.SELF)

    response = sign_in(Client(), alice).get(log_url(alice.patient) + "?mine=1")

    older = response.context["page"].older
    assert f"?mine=1&amp;before={older.token}" in response.text


def test_staff_reading_the_log_are_not_offered_the_own_visits_filter(alice, named_nora):
    record_view(named_nora, alice.patient, ActorRole.STAFF)

    response = sign_in(Client(), named_nora).get(log_url(alice.patient))

    assert "Show my own visits too" not in response.text
    assert [entry.who for entry in response.context["page"].object_list][-1] == (
        "Nora Nguyen, nurse at Riverside Family Clinic"
    )


def test_the_patients_own_views_read_you(alice):
    client = sign_in(Client(), alice)
    client.get(f"/patients/{alice.patient.pk}/record/vitals/")

    log = entries(client, alice.patient)

    assert log[0].who == "You"
    assert log[0].what == "Viewed your test results"
    # Opening the log is itself recorded once the page is shown: the next opening lists it.
    assert entries(client, alice.patient)[0].what == "Viewed who looked at your record"


def test_imports_read_as_a_system_import_and_downloads_as_downloads(alice):
    audit_events_record_many(
        actor=None,
        patients=[alice.patient],
        role=ActorRole.SYSTEM,
        action=AuditAction.IMPORT,
        object_type="record",
    )
    audit_event_record(
        actor=alice, patient=alice.patient, role=ActorRole.SELF, action=AuditAction.EXPORT
    )

    whats = {(entry.who, entry.what) for entry in entries(sign_in(Client(), alice), alice.patient)}

    assert ("Riverside Family Clinic (records import)", "Added records to your record") in whats
    assert ("You", "Downloaded your record") in whats


def test_the_log_lists_only_allowed_events(alice, charlie):
    # Charlie trying to open Alice's record is denied and audited, but not shown to Alice.
    charlie_client = sign_in(Client(), charlie)
    assert charlie_client.get(f"/patients/{alice.patient.pk}/record/").status_code == 404

    log = entries(sign_in(Client(), alice), alice.patient)

    assert all(entry.who == "You" for entry in log)


def test_the_log_does_not_list_events_of_other_patients(alice, charlie, named_nora):
    sign_in(Client(), named_nora).get(f"/patients/{charlie.patient.pk}/record/")

    log = entries(sign_in(Client(), alice), alice.patient)

    assert [entry.who for entry in log] == []


def test_alice_gets_not_found_for_charlies_access_log(alice, charlie):
    client = sign_in(Client(), alice)

    assert client.get(log_url(charlie.patient)).status_code == 404


def test_the_log_is_newest_first_and_paginated_25_to_a_page(alice):
    for number in range(30):
        audit_event_record(
            actor=alice,
            patient=alice.patient,
            role=ActorRole.SELF,
            action=AuditAction.VIEW,
            object_type="Observation" if number == 29 else "Condition",
        )
    client = sign_in(Client(), alice)

    first, second = entries(client, alice.patient), entries(client, alice.patient, page=2)

    assert len(first) == 25
    assert 1 <= len(second) <= 25
    assert first[0].what == "Viewed your test results"
    assert [entry.occurred_at for entry in first] == sorted(
        (entry.occurred_at for entry in first), reverse=True
    )


def test_the_log_costs_the_same_with_many_staff_and_many_observations(alice, clinic):
    client = sign_in(Client(), alice)
    ObservationFactory.create_batch(10, patient=alice.patient)

    def record_staff_views(count: int) -> None:
        for _ in range(count):
            staff = StaffMembershipFactory(user=UserFactory(), organization=clinic).user
            audit_event_record(
                actor=staff, patient=alice.patient, role=ActorRole.STAFF, action=AuditAction.VIEW
            )

    def queries() -> int:
        client.get(log_url(alice.patient))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(log_url(alice.patient)).status_code == 200
        return len(captured)

    record_staff_views(2)
    few = queries()

    Observation.objects.bulk_create(ObservationFactory.build_batch(1990, patient=alice.patient))
    record_staff_views(30)

    assert queries() == few


def test_the_log_reads_no_password_and_no_network_details_of_the_events(alice, named_nora):
    # An entry is worded from who, what and when: the actors' password hashes and the events'
    # addresses and browsers are not read for it.
    audit_event_record(
        actor=named_nora, patient=alice.patient, role=ActorRole.STAFF, action=AuditAction.VIEW
    )
    client = sign_in(Client(), alice)
    client.get(log_url(alice.patient))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(log_url(alice.patient)).content.decode()
    assert "Nora" in page
    (log_query,) = [
        query["sql"]
        for query in captured
        if "UNION ALL" in query["sql"] and "COUNT(" not in query["sql"]
    ]
    for column in ('"password"', '"ip_address"', '"user_agent"', '"last_login"'):
        assert column not in log_query


def test_a_staff_member_without_a_role_at_the_clinic_still_reads_as_clinic_staff(alice):
    outsider = UserFactory(first_name="Olive", last_name="Ortiz")
    audit_event_record(
        actor=outsider,
        patient=alice.patient,
        role=ActorRole.STAFF,
        action=AuditAction.VIEW,
        outcome=AuditOutcome.ALLOWED,
    )

    log = entries(sign_in(Client(), alice), alice.patient)

    assert ("Olive Ortiz, staff at Riverside Family Clinic", "Clinic staff") in {
        (entry.who, entry.role) for entry in log
    }


# One wording per kind of actor, for events written directly with the audit service.


def record_view(actor, patient, role: ActorRole) -> None:
    audit_event_record(
        actor=actor, patient=patient, role=role, action=AuditAction.VIEW, object_type="record"
    )


def test_each_kind_of_actor_reads_in_the_patients_words(alice, named_nora):
    proxy = UserFactory(first_name="Bob", last_name="Adams")
    record_view(alice, alice.patient, ActorRole.SELF)
    record_view(named_nora, alice.patient, ActorRole.STAFF)
    record_view(proxy, alice.patient, ActorRole.PROXY)
    # An app reads as the person who connected it, under the app's name (the FHIR API).
    for person in (proxy, alice):
        audit_event_record(
            actor=person,
            patient=alice.patient,
            role=ActorRole.APP,
            action=AuditAction.VIEW,
            object_type="Observation",
            actor_label="Health Diary",
        )
    record_view(None, alice.patient, ActorRole.SYSTEM)

    client = sign_in(Client(), alice)
    # Opening the log is recorded after the page is shown, so the first page lists the others.
    log = entries(client, alice.patient)
    page = client.get(log_url(alice.patient)).text

    assert [(entry.who, entry.role) for entry in log] == [
        ("Riverside Family Clinic (records import)", "Records import"),
        ("Health Diary (an app you connected)", "Connected app"),
        ("Health Diary (an app Bob Adams connected)", "Connected app"),
        ("Bob Adams (someone you gave access to)", "Proxy"),
        ("Nora Nguyen, nurse at Riverside Family Clinic", "Nurse at your clinic"),
        ("You", "Patient"),
    ]
    assert "Bob Adams (someone you gave access to)" in page
    assert "Nora Nguyen, nurse at Riverside Family Clinic" in page
    assert "Health Diary (an app you connected)" in page


def test_staff_reading_the_log_see_the_patients_own_views_under_the_patients_name(
    alice, named_nora
):
    record_view(alice, alice.patient, ActorRole.SELF)

    nora_client = sign_in(Client(), named_nora)
    log = entries(nora_client, alice.patient)

    assert ("Alice Adams", "Patient") in {(entry.who, entry.role) for entry in log}
    # Nora opening the log is her own entry, under her own name: "You" means the patient.
    assert entries(nora_client, alice.patient)[0].who == (
        "Nora Nguyen, nurse at Riverside Family Clinic"
    )


def test_another_account_recorded_in_the_patients_role_is_not_named_as_the_patient(alice):
    # An account that is not Alice's (one linked to her record before, or an event recorded
    # wrongly) acted with the role "self": the log must not say it was Alice.
    other = UserFactory(username="former-account", first_name="Mallory", last_name="Moss")
    record_view(other, alice.patient, ActorRole.SELF)

    log = entries(sign_in(Client(), alice), alice.patient)
    others = [entry for entry in log if "Mallory" in entry.who]

    assert [(entry.who, entry.role) for entry in others] == [
        ("Mallory Moss (not your account)", "Other account")
    ]
    assert all(entry.who == "You" for entry in log if entry not in others)


def test_staff_reading_the_log_see_another_account_in_the_patients_role_under_its_own_name(
    alice, named_nora
):
    other = UserFactory(first_name="Mallory", last_name="Moss")
    record_view(other, alice.patient, ActorRole.SELF)

    log = entries(sign_in(Client(), named_nora), alice.patient)

    whos = [entry.who for entry in log]
    assert "Mallory Moss (not your account)" in whos
    assert "You" not in whos
    assert "Alice Adams" not in whos


def test_with_her_own_visits_hidden_every_other_account_and_role_is_still_listed(alice, named_nora):
    # Accounts created before hers and after hers in her own role, an event in her role with no
    # account, an app she connected and a nurse: the log without her own visits reads each by
    # a part of its own.
    before = UserFactory(pk=alice.pk - 1_000, first_name="Early")
    after = UserFactory(pk=alice.pk + 1_000, first_name="Late")
    for actor in (before, after, None):
        record_view(actor, alice.patient, ActorRole.SELF)
    record_view(alice, alice.patient, ActorRole.SELF)
    record_view(named_nora, alice.patient, ActorRole.STAFF)
    audit_event_record(
        actor=alice,
        actor_label="Pocket Health",
        patient=alice.patient,
        role=ActorRole.APP,
        action=AuditAction.VIEW,
        object_type="Observation",
    )

    log = entries(sign_in(Client(), alice), alice.patient, mine=False)

    assert sorted(entry.who for entry in log) == sorted(
        [
            f"{before.get_full_name()} (not your account)",
            f"{after.get_full_name()} (not your account)",
            "Another account (not your account)",
            "Nora Nguyen, nurse at Riverside Family Clinic",
            "Pocket Health (an app you connected)",
        ]
    )


def audit_index_uses(sql: str) -> list[str]:
    """How each read of the audit table in `sql` finds its rows: the index and its terms
    (SQLite's query plan; PostgreSQL's with sequential scans off, since a test's tables are too
    small for its planner to take any index otherwise)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall() if "audit_auditevent" in row[-1]]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    uses = []

    def walk(node: dict) -> None:
        if node.get("Relation Name") == "audit_auditevent" and "Index Name" not in node:
            uses.append(f"{node['Node Type']} {node.get('Recheck Cond', '')}")
        elif node.get("Index Name", "").startswith("audit_"):
            uses.append(f"{node['Node Type']} {node['Index Name']} {node.get('Index Cond', '')}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return uses


def test_the_log_without_her_own_visits_finds_each_row_by_role_never_among_her_visits(
    alice, named_nora
):
    audit_events_record_many(
        actor=alice, patients=[alice.patient] * 2_000, role=ActorRole.SELF, action=AuditAction.VIEW
    )
    record_view(named_nora, alice.patient, ActorRole.STAFF)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")  # as autovacuum would, for the planner
    client = sign_in(Client(), alice)
    client.get(log_url(alice.patient))

    with CaptureQueriesContext(connection) as captured:
        assert client.get(log_url(alice.patient)).status_code == 200

    log_reads = [query["sql"] for query in captured if "UNION ALL" in query["sql"]]
    assert len(log_reads) == 1  # a page of entries (and one more); nothing is counted
    for sql in log_reads:
        uses = audit_index_uses(sql)
        assert uses, sql
        # Every read of the audit table is an index search by role (and, in her own role, by
        # another account), of the events without an account, or of one event by its key (a
        # page's events, once their keys are found): none walks her own visits to skip them.
        assert all(
            "actor_role" in use
            or "actor_id IS NULL" in use
            or "PRIMARY KEY" in use
            or "audit_auditevent_pkey" in use
            for use in uses
        ), uses
        assert not any("Seq Scan" in use for use in uses), uses


def test_older_entries_follow_one_another_each_entry_listed_once_even_at_the_same_moment(
    alice, named_nora
):
    moment = timezone.now()
    # 60 looks by staff, in 20 moments of three each (the cursor breaks ties by the event's key).
    AuditEvent.objects.bulk_create(
        AuditEvent(
            occurred_at=moment - dt.timedelta(minutes=number // 3),
            actor=named_nora,
            actor_role=ActorRole.STAFF,
            patient=alice.patient,
            action=AuditAction.VIEW,
            outcome=AuditOutcome.ALLOWED,
            object_type="Condition",
            channel="web",
        )
        for number in range(60)
    )
    access = patient_access(alice, alice.patient_id, audit=False)

    pages, before = [], None
    while True:
        page = access_log_page(access=access, before=before, include_own=False)
        pages.append(page)
        if page.older is None:
            break
        before = page.older.token

    assert [len(page.object_list) for page in pages] == [25, 25, 10]
    assert [page.is_newest for page in pages] == [True, False, False]
    listed = [entry.occurred_at for page in pages for entry in page.object_list]
    assert listed == sorted(listed, reverse=True)
    assert Counter(listed) == Counter(moment - dt.timedelta(minutes=n // 3) for n in range(60))


def test_the_log_links_to_older_entries_and_back_to_the_newest(alice, named_nora):
    for _ in range(30):
        record_view(named_nora, alice.patient, ActorRole.STAFF)
    client = sign_in(Client(), alice)

    newest = client.get(log_url(alice.patient))
    older = newest.context["page"].older
    second = client.get(log_url(alice.patient) + f"?before={older.token}")

    assert "Older entries" in newest.text and "Newest entries" not in newest.text
    assert "Newest entries" in second.text and "Older entries" not in second.text
    assert len(second.context["page"].object_list) == 5
    # A cursor no one made is the newest page, never an error.
    # Nor one whose key is past the largest a database key holds.
    for token in ("x", "1-", "-1", "12345678901234567890-1", "1-2-3", "1-9999999999999999999"):
        response = client.get(log_url(alice.patient) + f"?before={token}")
        assert response.status_code == 200
        assert response.context["page"].is_newest


def test_past_the_oldest_entry_the_log_says_so_and_links_to_the_newest(alice, named_nora):
    record_view(named_nora, alice.patient, ActorRole.STAFF)
    client = sign_in(Client(), alice)

    response = client.get(log_url(alice.patient) + "?before=1-1")

    assert "There are no older entries." in response.text
    assert "Newest entries" in response.text
