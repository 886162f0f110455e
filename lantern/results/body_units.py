"""Weight and height in US units beside the recorded metric value (issue 10, point 6).

Each account chooses "Units for weight and height" on its settings page; an account that has not
chosen follows the clinic's DEFAULT_BODY_UNITS setting. The recorded value is what the pages
show first and what the downloads carry; the US value is only shown beside it.
"""

from __future__ import annotations

import html
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .flags import number

WEIGHT_CODE = "29463-7"
HEIGHT_CODE = "8302-2"
METRIC = "metric"
US = "us"

POUNDS_PER_KILOGRAM = 2.20462
CENTIMETRES_PER_INCH = 2.54
# Heights under three feet (babies) are given in inches alone.
INCHES_PER_FOOT = 12
FEET_AND_INCHES_FROM = 36

# Recorded units (UCUM) and how many kilograms or centimetres one of them is.
_IN_KILOGRAMS = {"kg": 1.0, "g": 0.001}
_IN_CENTIMETRES = {"cm": 1.0, "m": 100.0, "mm": 0.1}


def kilograms_to_pounds(kilograms: float) -> float:
    return kilograms * POUNDS_PER_KILOGRAM


def centimetres_to_inches(centimetres: float) -> float:
    return centimetres / CENTIMETRES_PER_INCH


def pounds_words(kilograms: float) -> str:
    """ "190 lb" for 85.96 kg: whole pounds from 100, one decimal from 10 (see flags.number)."""
    return f"{number(kilograms_to_pounds(kilograms))} lb"


def height_words(centimetres: float) -> str:
    """ "5 ft 9 in" for 175.3 cm, to the nearest inch; "19.7 in" under three feet."""
    inches = centimetres_to_inches(centimetres)
    if inches < FEET_AND_INCHES_FROM:
        return _("%(inches)s in") % {"inches": number(inches)}
    whole = round(inches)
    feet, rest = divmod(whole, INCHES_PER_FOOT)
    return _("%(feet)s ft %(inches)s in") % {"feet": feet, "inches": rest}


def us_words(*, code: str, value: float | None, unit: str) -> str:
    """A weight or height in US words ("190 lb", "5 ft 9 in"); "" for anything else, for a
    value in a unit we do not convert, or for no value."""
    if value is None:
        return ""
    if code == WEIGHT_CODE and unit in _IN_KILOGRAMS:
        return pounds_words(float(value) * _IN_KILOGRAMS[unit])
    if code == HEIGHT_CODE and unit in _IN_CENTIMETRES:
        return height_words(float(value) * _IN_CENTIMETRES[unit])
    return ""


def clinic_default() -> str:
    """The clinic's choice for accounts that have not made one (DEFAULT_BODY_UNITS)."""
    chosen = getattr(settings, "DEFAULT_BODY_UNITS", METRIC)
    return US if str(chosen).strip().lower() == US else METRIC


def units_for(user: Any) -> str:
    """ "us" or "metric": the account's own choice, else the clinic's default."""
    chosen = getattr(user, "body_units", "") or ""
    return chosen if chosen in (US, METRIC) else clinic_default()


def shows_us_units(user: Any) -> bool:
    return units_for(user) == US


def us_words_for(observation: Any, user: Any) -> str:
    """The observation's US value for this account ("190 lb"), or "" when it shows metric only."""
    if observation is None or not shows_us_units(user):
        return ""
    return us_words(
        code=observation.code, value=observation.value_quantity, unit=observation.value_unit
    )


def us_words_beside(observation: Any, user: Any) -> str:
    """`us_words_for` as HTML beside the recorded value (" (190 lb)" in its own span, escaped),
    or "" when there is nothing to add."""
    words = us_words_for(observation, user)
    if not words:
        return ""
    return f' <span class="text-no-wrap" data-testid="us-units">({html.escape(words)})</span>'


def us_heading(code: str) -> str:
    """The heading of a trend table's column of US values; "" for a test without one."""
    headings = {WEIGHT_CODE: _("In pounds"), HEIGHT_CODE: _("In feet and inches")}
    return headings.get(code, "")
