from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.clinical.models import Observation, ObservationCategory
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    AllergyFactory,
    ConditionFactory,
    DocumentFactory,
    EncounterFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
    ObservationFactory,
)

from .factories import ProcedureFactory


@pytest.fixture
def alice_client(alice) -> Client:
    return sign_in(Client(), alice)


def queries_for(client: Client, url: str) -> int:
    """The number of SQL queries of a page once the session is warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_observations(patient, count: int, encounter=None) -> None:
    """Add `count` observations in bulk: lab values and vital signs, spread over past days."""
    start = timezone.now() - dt.timedelta(days=count)
    codes = ["4548-4", "29463-7", "85354-9", "8867-4"]
    observations = ObservationFactory.build_batch(count, patient=patient, encounter=encounter)
    for number, observation in enumerate(observations):
        observation.effective_at = start + dt.timedelta(days=number)
        observation.code = codes[number % len(codes)]
        if observation.code != "4548-4":
            observation.category = ObservationCategory.VITAL_SIGNS
    Observation.objects.bulk_create(observations, batch_size=500)


def add_records(patient, count: int) -> None:
    """Add `count` records of each health-summary kind in bulk."""
    for factory in (
        ConditionFactory,
        MedicationRequestFactory,
        AllergyFactory,
        ImmunizationFactory,
        DocumentFactory,
        EncounterFactory,
        ProcedureFactory,
    ):
        rows = factory.build_batch(count, patient=patient)
        factory._meta.model.objects.bulk_create(rows, batch_size=500)
