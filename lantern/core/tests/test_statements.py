"""Statements built once per process give what the ORM gives, with each call's values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from lantern.clinical.models import Encounter, Observation
from lantern.core.statements import (
    CountsStatement,
    Statement,
    condition_from_shape,
    condition_shape,
    condition_values,
    param_for,
)
from lantern.testing.factories import EncounterFactory, ObservationFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _observations():
    return Observation.objects.filter(
        patient=param_for(Observation, "patient"),
        effective_at__gte=param_for(Observation, "effective_at", "since"),
    ).order_by("-effective_at", "pk")


def test_a_statement_is_built_once_and_runs_with_each_calls_values():
    builds = []
    statement = Statement(lambda: builds.append(1) or _observations())
    alice, charlie = PatientFactory(), PatientFactory()
    now = timezone.now()
    old = ObservationFactory(patient=alice, effective_at=now - dt.timedelta(days=30))
    new = ObservationFactory(patient=alice, effective_at=now - dt.timedelta(days=1))
    ObservationFactory(patient=charlie, effective_at=now)

    recent = statement.objects(patient=alice.pk, since=now - dt.timedelta(days=7))
    everything = statement.objects(patient=alice.pk, since=now - dt.timedelta(days=365))

    assert [observation.pk for observation in recent] == [new.pk]
    assert [observation.pk for observation in everything] == [new.pk, old.pk]
    assert builds == [1]
    # Read back with the ORM's own conversions: aware datetimes, UUIDs, the patient's id.
    assert everything[0].effective_at == new.effective_at
    assert everything[0].patient_id == alice.pk


def test_rows_counts_and_existence_match_the_orm():
    alice = PatientFactory()
    since = timezone.now() - dt.timedelta(days=7)
    for days in (1, 2, 30):
        ObservationFactory(patient=alice, effective_at=timezone.now() - dt.timedelta(days=days))
    values = {"patient": alice.pk, "since": since}
    orm = Observation.objects.filter(patient=alice, effective_at__gte=since).order_by(
        "-effective_at", "pk"
    )

    rows = Statement(lambda: _observations().values("pk", "effective_at")).rows(**values)
    tuples = Statement(lambda: _observations().values_list("pk", "code")).tuples(**values)

    assert rows == list(orm.values("pk", "effective_at"))
    assert tuples == list(orm.values_list("pk", "code"))
    assert Statement(_observations).count(**values) == orm.count() == 2
    assert Statement(_observations).exists(**values)
    assert not Statement(_observations).exists(patient=PatientFactory().pk, since=since)


def test_select_related_and_deferred_fields_are_filled_as_the_orm_fills_them():
    visit = EncounterFactory()
    statement = Statement(
        lambda: (
            Encounter.objects.filter(patient=param_for(Encounter, "patient"))
            .select_related("patient")
            .only("pk", "type_display", "patient__family_name")
        )
    )

    (found,) = statement.objects(patient=visit.patient_id)

    assert found.pk == visit.pk
    assert found.type_display == visit.type_display
    assert found.patient.family_name == visit.patient.family_name


def test_the_shape_gives_a_statement_of_its_own():
    alice = PatientFactory()
    for _ in range(3):
        ObservationFactory(patient=alice)
    statement = Statement(lambda limit: _observations()[:limit])
    since = timezone.now() - dt.timedelta(days=3650)

    assert len(statement.objects((1,), patient=alice.pk, since=since)) == 1
    assert len(statement.objects((2,), patient=alice.pk, since=since)) == 2


def test_a_counts_statement_gives_every_count_stopped_at_its_limit():
    alice = PatientFactory()
    ObservationFactory(patient=alice, code="2345-7")
    ObservationFactory(patient=alice, code="2345-7")
    ObservationFactory(patient=alice, code="718-7")
    ObservationFactory(code="2345-7")
    statement = CountsStatement(
        lambda: {
            "every": Observation.objects.filter(patient=param_for(Observation, "patient")),
            "chosen": Observation.objects.filter(
                patient=param_for(Observation, "patient"), code=param_for(Observation, "code")
            ),
        }
    )

    assert statement.run((), 10, patient=alice.pk, code="2345-7") == {"every": 3, "chosen": 2}
    assert statement.run((), 10, patient=alice.pk, code="718-7") == {"every": 3, "chosen": 1}
    assert statement.run((), 2, patient=alice.pk, code="2345-7") == {"every": 2, "chosen": 2}
    # No limit: every row is counted.
    assert statement.run((), None, patient=alice.pk, code="2345-7") == {"every": 3, "chosen": 2}


def test_a_statement_that_can_match_nothing_runs_no_query(django_assert_num_queries):
    statement = Statement(lambda: Observation.objects.filter(pk__in=[]))
    with django_assert_num_queries(0):
        assert statement.objects() == []
        assert statement.count() == 0


def test_past_the_shapes_kept_a_statement_still_runs_and_keeps_no_more(monkeypatch):
    monkeypatch.setattr("lantern.core.statements.SHAPES_KEPT", 2)
    alice = PatientFactory()
    for _ in range(4):
        ObservationFactory(patient=alice)
    statement = Statement(lambda limit: _observations()[:limit])
    since = timezone.now() - dt.timedelta(days=3650)

    counts = [
        len(statement.objects((limit,), patient=alice.pk, since=since)) for limit in (1, 2, 3, 4)
    ]

    assert counts == [1, 2, 3, 4]
    assert len(statement._compiled) == 2


def _run_condition(condition: Q) -> list:
    shape, values = condition_shape(Observation, condition)
    statement = Statement(
        lambda: Observation.objects.filter(condition_from_shape(Observation, shape, "c")).order_by(
            "pk"
        )
    )
    return [found.pk for found in statement.objects(**condition_values(values, "c"))]


def test_a_condition_with_values_becomes_a_shape_and_gives_what_the_orm_gives():
    alice = PatientFactory()
    now = timezone.now()
    for code, days in (("2345-7", 1), ("2345-7", 40), ("718-7", 2)):
        ObservationFactory(patient=alice, code=code, effective_at=now - dt.timedelta(days=days))
    conditions = [
        Q(patient_id=alice.pk) & Q(code="2345-7"),
        Q(patient__pk=alice.pk, effective_at__gte=now - dt.timedelta(days=30)),
        Q(pk__in=[]) | (Q(code="718-7") | Q(code="2345-7", effective_at__lt=now)),
        ~Q(code="718-7") & Q(patient_id=alice.pk, issued_at__isnull=False),
        Q(patient_id=alice.pk, encounter__isnull=True),
    ]

    for condition in conditions:
        expected = list(Observation.objects.filter(condition).order_by("pk").values_list("pk"))
        assert _run_condition(condition) == [pk for (pk,) in expected], condition


def test_two_conditions_differing_only_in_values_have_one_shape():
    first = condition_shape(Observation, Q(code_system="http://loinc.org", code="2345-7"))
    second = condition_shape(Observation, Q(code_system="urn:other", code="718-7"))

    assert first[0] == second[0]
    # The values in the order of the condition's terms (Q sorts its keyword arguments).
    assert (first[1], second[1]) == (["2345-7", "http://loinc.org"], ["718-7", "urn:other"])


def test_a_condition_that_cannot_take_params_has_no_shape():
    for condition in (
        Q(display__istartswith="gluc"),
        Q(code__in=["2345-7", "718-7"]),
        Q(effective_at__date=dt.date(2024, 1, 1)),
        Q(code=F("display")),
        Q(Exists(Observation.objects.filter(pk=OuterRef("pk")))),
    ):
        assert condition_shape(Observation, condition) is None, condition
