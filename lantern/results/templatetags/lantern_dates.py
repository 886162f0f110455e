"""One date format and one date-and-time format for every patient page (issue 10).

`{{ value|day }}` is "Nov 29, 2026"; `{{ value|moment }}` is "Nov 29, 2026, 2:05 PM EST", in the
clinic's time zone (settings.TIME_ZONE) with its abbreviation, so a time is never ambiguous.
A date without a time (a birth date, a problem's onset) is shown as recorded, never shifted.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat, timezone

register = template.Library()

DAY_FORMAT = "M j, Y"
MOMENT_FORMAT = "M j, Y, g:i A T"


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """ "Nov 29, 2026"; "" for no value (use `default` for the words to show)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return dateformat.format(value, DAY_FORMAT)


@register.filter
def moment(value: dt.datetime | None) -> str:
    """ "Nov 29, 2026, 2:05 PM EST"; "" for no value."""
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        return day(value)
    return dateformat.format(_local(value), MOMENT_FORMAT)
