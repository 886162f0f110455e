"""policy.clinic_schedule: who may read a clinic's schedules and who may set them up."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404

from lantern.access.models import StaffRole
from lantern.access.policy import ClinicSchedule, clinic_schedule
from lantern.audit.models import AuditAction, AuditEvent, AuditOutcome
from lantern.testing.factories import StaffMembershipFactory

from .staff_fixtures import administrator_of

pytestmark = pytest.mark.django_db


def test_staff_of_the_clinic_read_its_schedules_but_do_not_manage_them(nora, clinic):
    schedule = clinic_schedule(nora, clinic.pk)
    assert isinstance(schedule, ClinicSchedule)
    assert schedule.organization == clinic
    assert schedule.may_manage is False


def test_without_a_clinic_the_users_first_clinic_is_taken(nora, clinic):
    assert clinic_schedule(nora).organization == clinic


def test_an_administrator_manages_the_schedules(clinic):
    schedule = clinic_schedule(administrator_of(clinic), clinic.pk, manage=True)
    assert schedule.may_manage is True


def test_a_nurse_asking_to_manage_is_refused_and_the_refusal_audited(nora, clinic):
    with pytest.raises(Http404):
        clinic_schedule(nora, clinic.pk, manage=True)
    event = AuditEvent.objects.get(actor=nora)
    assert (event.outcome, event.action, event.object_type) == (
        AuditOutcome.DENIED,
        AuditAction.UPDATE,
        "Schedule",
    )


@pytest.mark.parametrize("who", ["alice", "olga"])
def test_patients_and_staff_of_other_clinics_are_not_found(request, who, clinic):
    user = request.getfixturevalue(who)
    with pytest.raises(Http404):
        clinic_schedule(user, clinic.pk)
    assert AuditEvent.objects.filter(actor=user, outcome=AuditOutcome.DENIED).exists()


def test_an_inactive_membership_or_a_made_up_clinic_is_not_found(nora, clinic):
    with pytest.raises(Http404):
        clinic_schedule(nora, uuid.uuid4())
    with pytest.raises(Http404):
        clinic_schedule(nora, "not-a-uuid")
    nora.staff_memberships.update(is_active=False)
    with pytest.raises(Http404):
        clinic_schedule(nora, clinic.pk)


def test_a_member_of_two_clinics_reaches_each(nora, clinic, other_clinic):
    StaffMembershipFactory(user=nora, organization=other_clinic, role=StaffRole.FRONT_DESK)
    assert clinic_schedule(nora, other_clinic.pk).organization == other_clinic
