"""The authorization matrix: every patient route, requested by every kind of person, answers
exactly as the rules say (issue 12, point 7).

The routes come from the URL configuration, so a new patient route is in the matrix the day it is
added, and it cannot be added without naming the section it opens (`patient_view(section=...)`).
What each person may open is written out here, apart from `policy.py`'s own tables, so a change
of rule there shows up as a failure here. A route one may open answers 200 (405 to a GET when it
takes only POST, 302 when it sends staff to the console's own page); any other answers 404,
the same as for a patient who does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyPermission, ProxyStatus, Section, StaffRole
from lantern.core.tests.test_access_rules import STAFF_PREFIX, patient_routes, route_url
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    ProxyRelationshipFactory,
    StaffMembershipFactory,
    UserFactory,
)
from lantern.testing.records import patient_objects

pytestmark = pytest.mark.django_db

S = Section
EVERY_SECTION = frozenset(Section)
PROXY_FULL = frozenset(
    {S.RECORD, S.RESULTS, S.NOTES, S.MESSAGES, S.APPOINTMENTS, S.MEDICATIONS, S.DOWNLOADS}
)
TEEN_LIMITS = frozenset({S.RECORD, S.RESULTS, S.APPOINTMENTS, S.MEDICATIONS})
FRONT_DESK = frozenset({S.DEMOGRAPHICS, S.APPOINTMENTS, S.MESSAGES})
NOTHING: frozenset[Section] = frozenset()


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@dataclass(frozen=True)
class Person:
    """Someone who requests alice's pages: how they come to be, and what they may open."""

    label: str
    make: Callable[..., object]  # (alice, charlie, clinic, other_clinic) -> the account or None
    sections: frozenset[Section]
    is_clinic_staff: bool = False


def proxy(*, permissions=ProxyPermission.FULL, kind=ProxyKind.CAREGIVER, birth=None, **fields):
    def make(alice, *_):
        if birth is not None:
            alice.patient.birth_date = birth
            alice.patient.save(update_fields=["birth_date"])
        if fields.get("status") in (ProxyStatus.REVOKED, ProxyStatus.DECLINED):
            fields["ended_at"] = timezone.now()
        return ProxyRelationshipFactory(
            patient=alice.patient, permissions=int(permissions), kind=kind, **fields
        ).proxy

    return make


def staff(role: StaffRole, *, same_clinic: bool = True):
    def make(alice, charlie, clinic, other_clinic):
        organization = clinic if same_clinic else other_clinic
        return StaffMembershipFactory(
            user=UserFactory(is_staff=True), organization=organization, role=role
        ).user

    return make


TODAY = timezone.localdate
PEOPLE = [
    Person("anonymous", lambda *_: None, NOTHING),
    Person("the patient", lambda alice, *_: alice, EVERY_SECTION - {S.DEMOGRAPHICS}),
    Person("another patient", lambda alice, charlie, *_: charlie, NOTHING),
    Person("full proxy", proxy(), PROXY_FULL),
    Person(
        "limited proxy",
        proxy(permissions=ProxyPermission.RECORD),
        frozenset({S.RECORD, S.RESULTS, S.NOTES}),
    ),
    Person(
        "proxy with messages only",
        proxy(permissions=ProxyPermission.MESSAGES),
        frozenset({S.MESSAGES}),
    ),
    Person("pending proxy", proxy(status=ProxyStatus.PENDING), NOTHING),
    Person("declined proxy", proxy(status=ProxyStatus.DECLINED), NOTHING),
    Person("revoked proxy", proxy(status=ProxyStatus.REVOKED), NOTHING),
    Person(
        "expired proxy (end date passed, status still active)",
        proxy(ends_on=TODAY() - dt.timedelta(days=2)),
        NOTHING,
    ),
    Person(
        "proxy whose start date is still to come",
        proxy(starts_on=TODAY() + dt.timedelta(days=2)),
        NOTHING,
    ),
    Person("parent of a 7 year old", proxy(kind=ProxyKind.PARENT, birth=years_ago(7)), PROXY_FULL),
    Person(
        "parent of a 15 year old", proxy(kind=ProxyKind.PARENT, birth=years_ago(15)), TEEN_LIMITS
    ),
    Person(
        "parent of an 18 year old without guardianship",
        proxy(kind=ProxyKind.PARENT, birth=years_ago(18, days=1)),
        NOTHING,
    ),
    Person(
        "legal guardian of an adult",
        proxy(kind=ProxyKind.LEGAL_GUARDIAN, birth=years_ago(40)),
        PROXY_FULL,
    ),
    Person("front-desk staff", staff(StaffRole.FRONT_DESK), FRONT_DESK, is_clinic_staff=True),
    Person("nurse", staff(StaffRole.NURSE), EVERY_SECTION, is_clinic_staff=True),
    Person("clinician", staff(StaffRole.CLINICIAN), EVERY_SECTION, is_clinic_staff=True),
    Person("staff of another clinic", staff(StaffRole.CLINICIAN, same_clinic=False), NOTHING),
]


def needed_sections(url: str) -> frozenset[Section]:
    needed = resolve(url).func.lantern_section
    return frozenset((needed,) if isinstance(needed, str) else needed)


def test_every_patient_route_names_sections_the_policy_knows():
    for route in patient_routes():
        url = route_url(route, "00000000-0000-4000-8000-000000000000", _sample_kwargs())
        assert needed_sections(url) <= EVERY_SECTION, route


def _sample_kwargs() -> dict[str, str]:
    sample = "00000000-0000-4000-8000-000000000001"
    names = (
        "report_id",
        "observation_id",
        "visit_id",
        "document_id",
        "conversation_id",
        "appointment_id",
        "offer_id",
        "refill_id",
    )
    return {**dict.fromkeys(names, sample), "attachment_id": sample, "code": "4548-4"}


@pytest.mark.parametrize("person", PEOPLE, ids=lambda person: person.label)
def test_each_person_gets_exactly_what_the_rules_allow_on_every_patient_route(
    person, alice, charlie, clinic, other_clinic, settings, tmp_path
):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    objects = patient_objects(alice)
    account = person.make(alice, charlie, clinic, other_clinic)
    client = sign_in(Client(), account) if account is not None else Client()
    routes = patient_routes()
    wrong = []
    for route in routes:
        url = route_url(route, alice.patient_id, objects.url_kwargs())
        status = client.get(url).status_code
        if account is None:
            expected: tuple[int, ...] = (302,)  # to the sign-in page
        else:
            is_console = route.pattern.startswith(STAFF_PREFIX)
            opens = needed_sections(url) <= person.sections and (
                person.is_clinic_staff or not is_console
            )
            # A page that sends staff to its console twin answers 302 (messages/new/).
            expected = (200, 302, 405) if opens else (404,)
        if status not in expected:
            wrong.append(
                f"{url} ({route.view}): {status}, expected {' or '.join(map(str, expected))}"
            )

    assert len(routes) > 30
    assert not wrong, f"{person.label}:\n" + "\n".join(wrong)
