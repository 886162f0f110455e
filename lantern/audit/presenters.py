"""The access log's rows, each worded in Python once per entry rather than through template
tags and filters for each cell (as `lantern.record.presenters`)."""

from __future__ import annotations

import functools
import html

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.core.row_patterns import pattern_words
from lantern.results.templatetags.lantern_dates import moment

from .selectors import AccessLogEntry


@functools.lru_cache(maxsize=8)
def _row_pattern(language: str | None) -> str:
    """An entry's cells, each labelled with its column's name for the stacked phone layout."""
    return (
        f'<th scope="row" data-label="{pattern_words(_("When"))}">{{}}</th>'
        f'<td data-label="{pattern_words(_("Who"))}">{{}}</td>'
        f'<td data-label="{pattern_words(_("Their role"))}">{{}}</td>'
        f'<td data-label="{pattern_words(_("What they did"))}">{{}}</td>'
    )


def access_log_rows(entries: list[AccessLogEntry]) -> list[SafeString]:
    """Each entry's cells: when, who, their role and what they did, every value escaped."""
    pattern = _row_pattern(get_language())
    escape = html.escape
    return [
        mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
            pattern.format(
                escape(moment(entry.occurred_at)),
                escape(entry.who),
                escape(entry.role),
                escape(entry.what),
            )
        )
        for entry in entries
    ]
