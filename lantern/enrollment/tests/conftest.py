from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from lantern.testing.factories import PatientFactory


@pytest.fixture(autouse=True)
def _empty_throttle_counters():
    """The per-address counters live in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dora(clinic):
    """A patient of the clinic who has no account yet."""
    return PatientFactory(
        given_names="Dora",
        family_name="Díaz-Ortega",
        birth_date=dt.date(1975, 6, 15),
        managing_organization=clinic,
    )
