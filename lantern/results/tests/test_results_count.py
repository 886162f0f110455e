"""The results list counts its rows apart from the UNION it pages through (cheaper to build);
the two must agree for every filter, or a page number would lead nowhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.clinical.models import ObservationCategory, ReportKind
from lantern.results.models import ResultReleaseDelay
from lantern.results.release import release_shape
from lantern.results.selectors import new_results_counts, results_count, results_for_patient
from lantern.testing.factories import ObservationFactory, PatientFactory, ProxyRelationshipFactory

from .conftest import make_report

pytestmark = pytest.mark.django_db

NOW = timezone.now()
FILTERS = [
    {},
    {"kind": ReportKind.LABORATORY},
    {"kind": ReportKind.IMAGING},
    {"date_from": (NOW - dt.timedelta(days=10)).date()},
    {"date_to": (NOW - dt.timedelta(days=10)).date()},
    {"search": "glucose"},
    {"search": "blood sugar"},  # a plain name: finds the code 2345-7
]


@pytest.fixture
def mixed_record(alice):
    patient = alice.patient
    make_report(patient, code="", display="Glucose panel", values=[{}], when=NOW)
    make_report(
        patient,
        code="",
        display="Chest X-ray",
        kind=ReportKind.IMAGING,
        when=NOW - dt.timedelta(days=20),
    )
    make_report(patient, code="", display="Held scan", kind=ReportKind.IMAGING, when=NOW)
    ObservationFactory(patient=patient, code="2345-7", display="Glucose [Mass/volume]")
    ObservationFactory(
        patient=patient,
        display="Old sodium",
        category=ObservationCategory.LABORATORY,
        effective_at=NOW - dt.timedelta(days=30),
    )
    ObservationFactory(patient=patient, display="Weight", category=ObservationCategory.VITAL_SIGNS)
    make_report(PatientFactory(), code="", display="Glucose panel of someone else", values=[{}])
    ResultReleaseDelay.objects.create(kind=ReportKind.IMAGING, delay_hours=72)
    return alice


@pytest.mark.parametrize("filters", FILTERS, ids=[str(sorted(f)) or "none" for f in FILTERS])
def test_the_count_agrees_with_the_rows_for_every_filter(mixed_record, filters):
    access = patient_access(mixed_record, mixed_record.patient_id, audit=False)

    counted = results_count(access=access, **filters)

    assert counted == results_for_patient(access=access, **filters).count()
    assert counted > 0 or filters.get("kind") == ReportKind.IMAGING


def test_without_filters_the_count_is_one_query(mixed_record, django_assert_num_queries):
    access = patient_access(mixed_record, mixed_record.patient_id, audit=False)
    release_shape(access)  # The release delays are read once a page, before the list.

    with django_assert_num_queries(1):
        counted = results_count(access=access)

    assert counted == results_for_patient(access=access).count() == 4


def test_the_new_results_of_several_people_are_counted_in_one_query(
    alice, charlie, django_assert_num_queries
):
    ProxyRelationshipFactory(proxy=alice, patient=charlie.patient)
    make_report(alice.patient, code="", display="Lipid panel", values=[{}])
    make_report(charlie.patient, code="", display="Glucose panel")
    make_report(charlie.patient, code="", display="Thyroid panel")
    ObservationFactory(patient=charlie.patient, category=ObservationCategory.LABORATORY)
    ObservationFactory(patient=charlie.patient, category=ObservationCategory.VITAL_SIGNS)
    accesses = [
        patient_access(alice, alice.patient_id, audit=False),
        patient_access(alice, charlie.patient_id, audit=False),
    ]
    release_shape(accesses[0])

    with django_assert_num_queries(1):
        counts = new_results_counts(accesses=accesses)

    assert counts == {alice.patient_id: 1, charlie.patient_id: 3}
