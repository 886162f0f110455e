"""A search page's records read with the columns compiled once (`rows.records`) are the records
`list(queryset)` gives, field for field, in the same order and with one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.forms.models import model_to_dict

from lantern.clinical.models import Observation
from lantern.fhir_api.rows import records
from lantern.testing.factories import ObservationFactory

pytestmark = pytest.mark.django_db


def fields(found) -> list[dict]:
    return [{"pk": item.pk, **model_to_dict(item)} for item in found]


def test_records_are_the_querysets_own(alice, charlie, django_assert_num_queries):
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for day in range(6):
        ObservationFactory(
            patient=alice.patient,
            effective_at=start + dt.timedelta(days=day),
            interpretations=[{"code": "H", "display": "High"}],
            components=[{"code": {"text": "part"}, "valueString": "x"}],
        )
    ObservationFactory(patient=charlie.patient)
    queryset = Observation.objects.filter(patient=alice.patient).order_by(
        F("effective_at").desc(nulls_last=True), "-pk"
    )[:4]

    with django_assert_num_queries(1):
        found = records(queryset)

    assert [type(item) for item in found] == [Observation] * 4
    assert fields(found) == fields(list(queryset))
    assert found[0].components == [{"code": {"text": "part"}, "valueString": "x"}]
    assert not found[0]._state.adding


def test_an_empty_search_reads_nothing(alice, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert records(Observation.objects.none()) == []


def test_a_queryset_with_related_rows_is_read_by_the_orm(alice):
    ObservationFactory(patient=alice.patient)
    queryset = Observation.objects.select_related("patient")

    found = records(queryset)

    assert fields(found) == fields(list(queryset))
    assert found[0].patient.pk == alice.patient.pk
