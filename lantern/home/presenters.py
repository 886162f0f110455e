"""The home page's recent activity, each row's cells worded in Python once per row rather than
through a chain of template tags and filters for each cell (as `lantern.record.presenters`)."""

from __future__ import annotations

import functools
import html
import uuid
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.core.reversing import kept_reverse
from lantern.core.row_patterns import new_tag, pattern_words
from lantern.results.flags import flag_tag
from lantern.results.templatetags.lantern_dates import partial_day

from .selectors import ActivityItem

# Where each kind of item leads, and the name of its id in that address.
_ITEM_PAGES = {
    "result": ("results:detail", "report_id"),
    "observation": ("results:observation", "observation_id"),
    "visit": ("record:visit", "visit_id"),
}


@dataclass(frozen=True)
class _ActivityWords:
    """The recent activity table's words in one language, worded once per process, and its row
    as a `str.format` pattern whose cells are labelled with their columns' names (escaped once)
    for the stacked phone layout."""

    row: str
    visit: str
    test_result: str
    see_comment: str
    no_date: str


@functools.lru_cache(maxsize=8)
def _activity_words(language: str | None) -> _ActivityWords:
    label = pattern_words
    return _ActivityWords(
        row=(
            f'<td data-label="{label(_("Date"))}">{{}}</td>'
            f'<th scope="row" data-label="{label(_("What"))}">{{}}</th>'
            f'<td data-label="{label(_("Type"))}">{{}}</td>'
            f'<td data-label="{label(_("Result"))}" data-testid="activity-status">{{}}</td>'
        ),
        visit=html.escape(_("Visit")),
        test_result=html.escape(_("Test result")),
        see_comment=html.escape(_("See comment")),
        no_date=html.escape(_("Date not recorded")),
    )


def activity_rows(items: list[ActivityItem], patient_id: uuid.UUID) -> list[SafeString]:
    """Each recent result or visit as its table row's cells: when, what (a link to it, tagged
    "New" if not yet opened), whether a test result or a visit, and its result's status."""
    words = _activity_words(get_language())
    escape = html.escape
    rows = []
    for item in items:
        url_name, id_name = _ITEM_PAGES[item.kind]
        href = kept_reverse(url_name, kwargs={"patient_id": patient_id, id_name: item.object_id})
        what = f'<a class="usa-link" href="{escape(href)}">{escape(item.title)}</a>'
        if item.is_new and item.kind != "visit":
            what += new_tag()
        if item.kind == "visit":
            status = "—"
        elif item.status:
            status = flag_tag(item.status)
        else:
            status = words.see_comment
        day = partial_day(item.happened_at, item.date_precision)
        rows.append(
            mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
                words.row.format(
                    escape(day) if day else words.no_date,
                    what,
                    words.visit if item.kind == "visit" else words.test_result,
                    status,
                )
            )
        )
    return rows
