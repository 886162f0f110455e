"""The fixed personas every feature test can use.

- alice: a patient of the clinic, with an account.
- charlie: another patient of the same clinic, unrelated to alice.
- nora: staff (a nurse) at the clinic.
- olga: staff at another clinic, who must not see the first clinic's patients.
- bob (alice's proxy with a limited scope) arrives with proxy access.
"""

from __future__ import annotations

import pytest

from lantern.access.models import StaffRole

from .factories import (
    OrganizationFactory,
    PatientFactory,
    StaffMembershipFactory,
    UserFactory,
)


@pytest.fixture
def clinic(db):
    return OrganizationFactory(name="Riverside Family Clinic")


@pytest.fixture
def other_clinic(db):
    return OrganizationFactory(name="Hilltop Health")


@pytest.fixture
def alice(clinic):
    patient = PatientFactory(given_names="Alice", family_name="Adams", managing_organization=clinic)
    return UserFactory(username="alice", patient=patient)


@pytest.fixture
def charlie(clinic):
    patient = PatientFactory(
        given_names="Charlie", family_name="Chen", managing_organization=clinic
    )
    return UserFactory(username="charlie", patient=patient)


@pytest.fixture
def nora(clinic):
    membership = StaffMembershipFactory(
        user=UserFactory(username="nora", is_staff=True), organization=clinic, role=StaffRole.NURSE
    )
    return membership.user


@pytest.fixture
def olga(other_clinic):
    membership = StaffMembershipFactory(
        user=UserFactory(username="olga", is_staff=True), organization=other_clinic
    )
    return membership.user
