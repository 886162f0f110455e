"""The fixed personas every feature test can use.

- alice: a patient of the clinic, with an account.
- charlie: another patient of the same clinic, unrelated to alice.
- nora: staff (a nurse) at the clinic.
- olga: staff at another clinic, who must not see the first clinic's patients.
- bob: alice's caregiver, a proxy with a limited scope (her health record and results only);
  not a patient of the clinic himself.
- fiona: front-desk staff at the clinic (personal details, appointments, messages; no results).
"""

from __future__ import annotations

import pytest

from lantern.access.models import ProxyPermission, StaffRole

from .factories import (
    OrganizationFactory,
    PatientFactory,
    ProxyRelationshipFactory,
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


@pytest.fixture
def bob(alice):
    relationship = ProxyRelationshipFactory(
        proxy=UserFactory(username="bob", first_name="Bob", last_name="Baker"),
        patient=alice.patient,
        permissions=int(ProxyPermission.RECORD),
        reason="Alice's husband, helps her follow her results",
    )
    return relationship.proxy


@pytest.fixture
def fiona(clinic):
    membership = StaffMembershipFactory(
        user=UserFactory(username="fiona", is_staff=True),
        organization=clinic,
        role=StaffRole.FRONT_DESK,
    )
    return membership.user
