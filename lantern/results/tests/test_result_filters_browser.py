"""The results list's date filters show the whole date, "mm/dd/yyyy", at 1280, 800 and 360 px
(issue 10, point 14)."""

from __future__ import annotations

import pytest

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

# Each date field's width beside the width it needs to show its whole date: a copy of the field
# that sizes itself to its content (`field-sizing: content`) is measured in the same place.
DATE_FIELD_WIDTHS = """
() => [...document.querySelectorAll('input[type=date]')].map((field) => {
  const copy = field.cloneNode();
  copy.removeAttribute('id');
  copy.style.fieldSizing = 'content';
  copy.style.width = 'auto';
  copy.style.minWidth = '0';
  copy.style.maxWidth = 'none';
  field.after(copy);
  const needed = copy.getBoundingClientRect().width;
  copy.remove();
  return {name: field.name, shown: field.getBoundingClientRect().width, needed: needed};
})
"""


@pytest.mark.parametrize("width", [1280, 800, 360])
def test_each_date_filter_shows_the_whole_date(page, live_server, alice, width):
    signed_in_page(page, live_server, alice)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}/patients/{alice.patient_id}/results/?date_from=2026-01-05")
    widths = page.evaluate(DATE_FIELD_WIDTHS)

    assert [field["name"] for field in widths] == ["date_from", "date_to"]
    for field in widths:
        assert field["needed"] > 100
        assert field["shown"] >= field["needed"], field
    assert page.evaluate("document.documentElement.scrollWidth") <= width
