"""Date and time formats for patients, one table for every page, PDF and message, per language.

English: "Nov 30, 2026", "Nov 30, 2026, 2:05 PM EST", "Mon, Nov 30" and "2:05 PM EST".
Spanish: "30 nov 2026", "30 nov 2026, 14:05 EST", "lun 30 nov" and "14:05 EST" (month and day
names come translated from Django's own catalog). Staff pages keep their own English formats.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.utils import dateformat, translation


@dataclass(frozen=True)
class Formats:
    # A clock time with its zone: "2:05 PM EST".
    time: str
    # A day heading: "Monday, November 30".
    day: str
    # A day in short, beside a time: "Mon, Nov 30".
    short_day: str
    # A day and a time in full: "Mon, Nov 30, 2026, 2:05 PM EST".
    when: str
    # A day with its year: "Nov 30, 2026".
    day_with_year: str
    # A day without its year: "Nov 30".
    month_day: str
    # A day and a time, without the weekday: "Nov 30, 2026, 2:05 PM EST".
    moment: str
    # A date its source gave without a time, by how much of it the source gave: "2011",
    # "May 2011", "Apr 30, 2011".
    partial: dict[str, str]


FORMATS = {
    "en": Formats(
        time="g:i A T",
        day="l, F j",
        short_day="D, M j",
        when="D, M j, Y, g:i A T",
        day_with_year="M j, Y",
        month_day="M j",
        moment="M j, Y, g:i A T",
        partial={"year": "Y", "month": "M Y", "day": "M j, Y"},
    ),
    "es": Formats(
        time="H:i T",
        day=r"l j \d\e F",
        short_day="D j b",
        when="D j b Y, H:i T",
        day_with_year="j b Y",
        month_day="j b",
        moment="j b Y, H:i T",
        partial={"year": "Y", "month": "b Y", "day": "j b Y"},
    ),
}


def formats() -> Formats:
    """The formats of the active language (English for any other)."""
    return formats_for(translation.get_language())


def formats_for(language: str | None) -> Formats:
    """The formats of `language` (English for any other)."""
    return FORMATS.get((language or "en").split("-")[0], FORMATS["en"])


def formatted(value: dt.date | dt.datetime, name: str) -> str:
    """`value` in the active language's format `name` (a field of Formats)."""
    language = translation.get_language()
    fmt = getattr(formats_for(language), name)
    # The zone is in the key: two equal instants in other zones are written differently.
    return _formatted(value, getattr(value, "tzinfo", None), fmt, language)


@functools.lru_cache(maxsize=4096)
def _formatted(value: dt.date | dt.datetime, zone: object, fmt: str, language: str | None) -> str:
    """Worded once per process for each value, zone, format and language (a page words the same
    few visits and times on every request; wording one takes longer than looking it up)."""
    return dateformat.format(value, fmt)
