"""The trend chart in a real browser at phone width (360 px): its labels are at least 12 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lantern.testing.factories import ObservationFactory
from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

# The rendered size of each label of the chart, in CSS pixels: the font size in the drawing's
# units scaled by how wide the drawing is shown.
LABEL_SIZES = """
() => {
  const svg = document.querySelector('svg.lantern-chart');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(
    (text) => parseFloat(getComputedStyle(text).fontSize) * scale
  );
}
"""


def test_chart_labels_are_at_least_12px_at_phone_width(page, live_server, alice):
    for days, value in ((400, 175), (200, 190), (10, 182)):
        ObservationFactory(
            patient=alice.patient,
            value_quantity=value,
            effective_at=timezone.now() - dt.timedelta(days=days),
        )
    signed_in_page(page, live_server, alice)

    page.goto(f"{live_server.url}/patients/{alice.patient_id}/results/trends/4548-4/")
    sizes = page.evaluate(LABEL_SIZES)

    assert len(sizes) >= 6
    assert min(sizes) >= 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
