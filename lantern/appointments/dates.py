"""Appointment days and times as patients read them, in the language of the page or message
(issue 17): "Mon, Nov 30" and "2:05 PM EST" in English, "lun 30 nov" and "14:05 EST" in Spanish,
from the one table of formats in lantern/core/dates.py.

Times are always clinic time, the place's own time zone; the caller converts to it first.
Staff pages keep their own English formats.
"""

from __future__ import annotations

import datetime as dt

from django.utils.functional import lazy
from django.utils.translation import gettext as _

from lantern.core.dates import formatted

__all__ = ["clinic_time_words", "formatted", "lazy_clinic_time_words", "lazy_moment_words"]


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
