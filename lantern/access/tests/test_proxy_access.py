"""Family and proxy access, decided in `policy.py` on every request: a proxy opens only the
sections its permissions name, only while the relationship is active and within its dates, and a
parent only as far as the child's age allows today. The database keeps the invariants."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lantern.access.models import (
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
    Section,
)
from lantern.access.policy import PatientNotFound, acts_for_others, patient_access, proxy_sections
from lantern.audit.models import ActorRole, AuditEvent, AuditOutcome
from lantern.testing.auth import sign_in
from lantern.testing.factories import PatientFactory, ProxyRelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 29)


def born(years_ago: int, *, days_later: int = 0) -> dt.date:
    return dt.date(TODAY.year - years_ago, TODAY.month, TODAY.day) + dt.timedelta(days=days_later)


def status_of(client: Client, url_name: str, patient_id) -> int:
    return client.get(reverse(url_name, args=[patient_id])).status_code


def test_a_limited_proxy_opens_the_sections_it_was_given_and_no_other(alice, bob):
    client = sign_in(Client(), bob)

    assert status_of(client, "results:list", alice.patient_id) == 200
    assert status_of(client, "record:index", alice.patient_id) == 200
    assert status_of(client, "messaging:list", alice.patient_id) == 404
    assert status_of(client, "downloads:download", alice.patient_id) == 404
    assert status_of(client, "record:medications", alice.patient_id) == 404
    # Who looked at the record is the patient's own, and her care team's.
    assert status_of(client, "audit:access_log", alice.patient_id) == 404


def test_a_proxy_is_audited_as_a_proxy_and_a_refused_section_as_denied(alice, bob):
    client = sign_in(Client(), bob)
    client.get(reverse("results:list", args=[alice.patient_id]))
    client.get(reverse("messaging:list", args=[alice.patient_id]))

    events = AuditEvent.objects.filter(actor=bob).order_by("pk")
    assert [(e.actor_role, e.outcome, e.object_type) for e in events] == [
        (ActorRole.PROXY, AuditOutcome.ALLOWED, "DiagnosticReport"),
        (ActorRole.NONE, AuditOutcome.DENIED, "Conversation"),
    ]
    assert all(event.patient_id == alice.patient_id for event in events)


def test_a_revoked_relationship_closes_the_next_request_of_a_session_already_open(alice, bob):
    client = sign_in(Client(), bob)
    assert status_of(client, "results:list", alice.patient_id) == 200

    ProxyRelationship.objects.filter(proxy=bob).update(
        status=ProxyStatus.REVOKED, ended_at=timezone.now()
    )

    assert status_of(client, "results:list", alice.patient_id) == 404


@pytest.mark.parametrize(
    ("change", "opens"),
    [
        ({}, True),
        ({"status": ProxyStatus.PENDING}, False),
        ({"status": ProxyStatus.DECLINED, "ended_at": timezone.now()}, False),
        ({"status": ProxyStatus.EXPIRED}, False),
        # The end date has passed though the status still says active.
        ({"ends_on": TODAY - dt.timedelta(days=1)}, False),
        ({"ends_on": TODAY}, True),
        ({"starts_on": TODAY + dt.timedelta(days=1)}, False),
    ],
)
def test_only_an_active_relationship_within_its_dates_gives_access(alice, change, opens):
    proxy = UserFactory()
    fields = {"starts_on": TODAY - dt.timedelta(days=30), **change}
    ProxyRelationshipFactory(proxy=proxy, patient=alice.patient, **fields)

    with time_machine.travel(dt.datetime(2026, 11, 29, 15, tzinfo=dt.UTC), tick=False):
        client = sign_in(Client(), proxy)
        assert (status_of(client, "results:list", alice.patient_id) == 200) is opens


@pytest.mark.parametrize(
    ("birth_date", "sections"),
    [
        # Under 12: all the relationship grants.
        (born(11, days_later=1), set(Section) - {Section.ACCESS_LOG, Section.DEMOGRAPHICS}),
        # 12 to 17 (the 12th birthday is today): results, record, appointments, medicines stay.
        (
            born(12),
            {Section.RECORD, Section.RESULTS, Section.APPOINTMENTS, Section.MEDICATIONS},
        ),
        (
            born(18, days_later=1),
            {Section.RECORD, Section.RESULTS, Section.APPOINTMENTS, Section.MEDICATIONS},
        ),
        # 18 today: a parent's access has ended.
        (born(18), set()),
        # No birth date: the limits of a teenager, never more.
        (None, {Section.RECORD, Section.RESULTS, Section.APPOINTMENTS, Section.MEDICATIONS}),
    ],
)
def test_a_parents_access_follows_the_childs_age_today(birth_date, sections):
    child = PatientFactory(birth_date=birth_date)
    relationship = ProxyRelationshipFactory(patient=child, kind=ProxyKind.PARENT)

    assert proxy_sections(relationship, today=TODAY) == sections


def test_a_childs_birthday_changes_a_parents_access_on_that_day_without_any_job(alice):
    child = PatientFactory(birth_date=dt.date(2014, 11, 30))
    parent = ProxyRelationshipFactory(patient=child, kind=ProxyKind.PARENT).proxy

    with time_machine.travel(dt.datetime(2026, 11, 29, 17, tzinfo=dt.UTC), tick=False):
        assert patient_access(parent, child.pk, section=Section.MESSAGES).role == ActorRole.PROXY
    with time_machine.travel(dt.datetime(2026, 11, 30, 17, tzinfo=dt.UTC), tick=False):
        with pytest.raises(PatientNotFound):
            patient_access(parent, child.pk, section=Section.MESSAGES)
        assert patient_access(parent, child.pk, section=Section.RESULTS).role == ActorRole.PROXY


def test_a_legal_guardian_keeps_access_after_the_18th_birthday():
    adult = PatientFactory(birth_date=born(30))
    guardian = ProxyRelationshipFactory(patient=adult, kind=ProxyKind.LEGAL_GUARDIAN)

    assert proxy_sections(guardian, today=TODAY) >= {Section.MESSAGES, Section.NOTES}


def test_the_front_desk_sees_personal_details_but_not_results(alice, fiona, nora):
    front_desk, nurse = sign_in(Client(), fiona), sign_in(Client(), nora)

    assert status_of(front_desk, "staff:patient", alice.patient_id) == 200
    assert status_of(front_desk, "results:list", alice.patient_id) == 404
    assert status_of(front_desk, "record:documents", alice.patient_id) == 404
    assert status_of(nurse, "results:list", alice.patient_id) == 200


def test_a_proxy_cannot_open_the_staff_console_page_of_the_patient(alice, bob, olga):
    # olga works at another clinic; as alice's proxy she is still not alice's care team.
    ProxyRelationshipFactory(proxy=olga, patient=alice.patient)
    client = sign_in(Client(), olga)

    assert status_of(client, "results:list", alice.patient_id) == 200
    assert status_of(client, "staff:patient", alice.patient_id) == 404


def integrity_error(**fields) -> bool:
    try:
        with transaction.atomic():
            ProxyRelationshipFactory(**fields)
    except IntegrityError:
        return True
    return False


def test_the_database_keeps_at_most_one_live_relationship_per_pair(alice, bob):
    assert integrity_error(proxy=bob, patient=alice.patient)
    assert integrity_error(proxy=bob, patient=alice.patient, status=ProxyStatus.PENDING)
    ProxyRelationship.objects.filter(proxy=bob).update(
        status=ProxyStatus.REVOKED, ended_at=timezone.now()
    )
    assert not integrity_error(proxy=bob, patient=alice.patient)


@pytest.mark.parametrize(
    "fields",
    [
        {"permissions": 0},
        {"permissions": int(ProxyPermission.FULL) + 1},
        {"starts_on": TODAY, "ends_on": TODAY - dt.timedelta(days=1)},
        {"status": ProxyStatus.ACTIVE, "proxy": None},
        {"status": ProxyStatus.REVOKED, "ended_at": None},
        {"status": "confirmed"},
        {"kind": "friend"},
    ],
)
def test_the_database_refuses_a_relationship_that_breaks_the_rules(alice, fields):
    assert integrity_error(patient=alice.patient, **fields)


def test_a_result_held_from_the_patient_is_held_from_their_proxy_too(alice, bob, nora):
    from lantern.clinical.models import ReportKind
    from lantern.results.models import ResultReleaseDelay
    from lantern.testing.factories import DiagnosticReportFactory

    ResultReleaseDelay.objects.create(kind=ReportKind.IMAGING, delay_hours=72)
    report = DiagnosticReportFactory(
        patient=alice.patient, kind=ReportKind.IMAGING, issued_at=timezone.now()
    )
    url = reverse("results:detail", args=[alice.patient_id, report.pk])

    assert sign_in(Client(), bob).get(url).status_code == 404
    assert sign_in(Client(), nora).get(url).status_code == 200


def test_ones_own_record_is_read_with_whether_one_acts_for_others_in_the_same_query(
    alice, charlie, django_assert_num_queries
):
    relationship = ProxyRelationshipFactory(proxy=charlie, patient=alice.patient)

    with django_assert_num_queries(1):
        access = patient_access(charlie, charlie.patient.pk, audit=False)
        assert acts_for_others(charlie, access=access)
    with django_assert_num_queries(1):
        assert not acts_for_others(
            alice, access=patient_access(alice, alice.patient.pk, audit=False)
        )

    # A revocation counts from the next request: the next access is read again.
    relationship.status = ProxyStatus.REVOKED
    relationship.ended_at = timezone.now()
    relationship.save(update_fields=["status", "ended_at"])
    assert not acts_for_others(
        charlie, access=patient_access(charlie, charlie.patient.pk, audit=False)
    )
    # Another account's access says nothing about this one: it asks.
    with django_assert_num_queries(1):
        assert not acts_for_others(alice, access=access)
