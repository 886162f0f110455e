"""Appointment days and times as patients read them, in the language of the page or message
(issue 17): "Mon, Nov 30" and "2:05 PM EST" in English, "lun 30 nov" and "14:05 EST" in Spanish.

Times are always clinic time, the place's own time zone; the caller converts to it first.
Staff pages keep their own English formats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import dateformat, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _


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


FORMATS = {
    "en": Formats(
        time="g:i A T",
        day="l, F j",
        short_day="D, M j",
        when="D, M j, Y, g:i A T",
        day_with_year="M j, Y",
        month_day="M j",
        moment="M j, Y, g:i A T",
    ),
    # Month and day names come translated from Django's own catalog.
    "es": Formats(
        time="H:i T",
        day=r"l j \d\e F",
        short_day="D j b",
        when="D j b Y, H:i T",
        day_with_year="j b Y",
        month_day="j b",
        moment="j b Y, H:i T",
    ),
}


def formats() -> Formats:
    """The formats of the active language (English for any other)."""
    language = (translation.get_language() or "en").split("-")[0]
    return FORMATS.get(language, FORMATS["en"])


def formatted(value: dt.date | dt.datetime, name: str) -> str:
    """`value` in the active language's format `name` (a field of Formats)."""
    return dateformat.format(value, getattr(formats(), name))


def clinic_time_words(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """ "Mon, Nov 30, 2026, 2:05 PM EST, clinic time" ("lun 30 nov 2026, 14:05 EST, hora de la
    clínica")."""
    when = formatted(moment.astimezone(zone), "when")
    return _("%(when)s, clinic time") % {"when": when}


def _moment_words(moment: dt.datetime, zone: dt.tzinfo, name: str) -> str:
    return formatted(moment.astimezone(zone), name)


# For messages rendered later in their reader's language (email and text message contexts):
# the words are made when the message is drawn, in the language active then.
lazy_clinic_time_words = lazy(clinic_time_words, str)
lazy_moment_words = lazy(_moment_words, str)
