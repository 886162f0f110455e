"""Dates the source gave as words ("Fall 2012") show as given on the record's pages (issue 11,
point 4)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import write
from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def import_for(user, tmp_path) -> None:
    report = import_paths([write(tmp_path / "typed.json", bundles.typed_values_bundle())])
    assert not report.failed, report.failed
    for model in (clinical.Immunization, clinical.Condition, clinical.Procedure):
        model.objects.update(patient=user.patient)


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("immunizations", ["Fall 2012"]),
        ("problems", ["Childhood", "Age 12"]),
        ("procedures", ["Summer 2005"]),
    ],
)
def test_a_date_given_as_words_shows_as_given(alice, tmp_path, page, shown):
    import_for(alice, tmp_path)

    response = sign_in(Client(), alice).get(
        reverse(f"record:{page}", kwargs={"patient_id": alice.patient_id})
    )

    content = response.content.decode()
    for words in shown:
        assert f">{words}<" in content, words
    assert "Date not recorded" not in content
    for label in ("Date", "Started", "Ended"):
        assert f'data-label="{label}">Not recorded' not in content
