"""One date format and one date-and-time format for every patient page (issue 10).

`{{ value|day }}` is "Nov 29, 2026"; `{{ value|moment }}` is "Nov 29, 2026, 2:05 PM EST", in the
clinic's time zone (settings.TIME_ZONE) with its abbreviation, so a time is never ambiguous; in
each language's format from lantern/core/dates.py.
A date without a time (a birth date, a problem's onset) is shown as recorded, never shifted.

A record's date that its source gave without a time ("2011-04-30", "2011-05", "1990") is stored
at midnight UTC with its precision in `record.date_precisions`:
`{{ record|recorded_day:"onset_at" }}` shows it as "Apr 30, 2011", "May 2011" or "1990" from its
UTC date, never shifted; any other value (an instant) as `day`. `recorded_moment` is the same
with an instant as `moment`; `{{ value|partial_day:precision }}` serves rows read as values.
"""

from __future__ import annotations

import datetime as dt
import functools

from django import template
from django.utils import dateformat, timezone, translation

from lantern.core.dates import formats, formats_for

register = template.Library()


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """ "Nov 29, 2026"; "" for no value (use `default` for the words to show)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    language = translation.get_language()
    return _date_words(value, formats_for(language).day_with_year, language)


@register.filter
def moment(value: dt.datetime | None) -> str:
    """ "Nov 29, 2026, 2:05 PM EST"; "" for no value."""
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        return day(value)
    # The words show the minute, not the second: each minute is worded once per process,
    # language and time zone (a page lists many moments of the same few minutes, such as an
    # access log's entries of one visit). The zone's name is in the key, and an instant's local
    # words depend on nothing else (every zone's offset is a whole number of minutes).
    return _minute_words(
        value.replace(second=0, microsecond=0),
        formats().moment,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )


@functools.lru_cache(maxsize=4096)
def _date_words(date: dt.date, fmt: str, language: str | None) -> str:
    """A day in a date-only format, worded once per process and language (a record lists the
    same few days many times, and wording a date takes longer than looking it up)."""
    return dateformat.format(date, fmt)


@functools.lru_cache(maxsize=4096)
def _minute_words(minute: dt.datetime, fmt: str, language: str | None, zone: str) -> str:
    return dateformat.format(_local(minute), fmt)


@register.filter
def partial_day(value: dt.date | dt.datetime | None, precision: str | None = None) -> str:
    """ "Apr 30, 2011", "May 2011" or "1990" for a date given without a time (`precision`),
    read from its UTC date where the importer stored it; otherwise as `day`."""
    if not value:
        return ""
    if not precision:
        return day(value)
    language = translation.get_language()
    partial = formats_for(language).partial.get(precision)
    if partial is None:
        return day(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).date() if timezone.is_aware(value) else value.date()
    return _date_words(value, partial, language)


@register.filter
def recorded_day(record: object, field_name: str) -> str:
    """A record's date at the precision its source gave; where the source gave words instead
    of a date (`date_texts`: "Fall 2012"), those words as given; "" for no value."""
    if record is None:
        return ""
    value = getattr(record, field_name, None)
    if value is None:
        return (getattr(record, "date_texts", None) or {}).get(field_name, "")
    precisions = getattr(record, "date_precisions", None) or {}
    return partial_day(value, precisions.get(field_name))


@register.filter
def recorded_moment(record: object, field_name: str) -> str:
    """As `recorded_day` for a date its source gave without a time; otherwise as `moment`."""
    if record is None:
        return ""
    precisions = getattr(record, "date_precisions", None) or {}
    value = getattr(record, field_name, None)
    if precisions.get(field_name) in formats().partial:
        return partial_day(value, precisions[field_name])
    return moment(value)
