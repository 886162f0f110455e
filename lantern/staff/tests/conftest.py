from __future__ import annotations

import datetime as dt

import pytest

from lantern.testing.factories import PatientFactory


@pytest.fixture
def dora(clinic):
    """A patient of the clinic who has no account yet."""
    return PatientFactory(
        given_names="Dora",
        family_name="Diaz",
        birth_date=dt.date(1975, 6, 15),
        mrn="MRN-DORA",
        managing_organization=clinic,
    )
