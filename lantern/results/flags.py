"""Results in words: values, normal ranges and out-of-range flags (never colour alone).

The one place that words a result, for the result pages, the health record pages and the PDFs.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.utils import dateformat, formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from lantern.clinical.models import Observation, ObservationValueType
from lantern.results.templatetags.lantern_dates import moment, partial_day

CRITICAL_CODES = frozenset({"HH", "LL", "AA", "HU", "LU"})
HIGH_CODES = frozenset({"H", "HX"})
LOW_CODES = frozenset({"L", "LX"})
ABNORMAL_CODES = frozenset({"A", "POS", "DET", "R"})
NORMAL_CODES = frozenset({"N", "NEG", "ND", "S"})


@dataclass(frozen=True)
class Flag:
    """A flag as a word and the USWDS tag style that goes with it (never colour alone)."""

    # Lazy, so each page words it in the language it is shown in ("High", "Alto").
    word: str
    tag_class: str
    # A calm tag for "Normal" and for the statuses that say nothing is known to be wrong.
    is_neutral: bool = False

    @property
    def is_normal(self) -> bool:
        return self.tag_class == NORMAL_TAG


def flag_tag(flag: Flag | None) -> str:
    """A flag as a word in a USWDS tag (HTML), so it never relies on colour; "" for no flag."""
    if not flag:
        return ""
    style = "bg-base-lighter text-ink" if flag.is_neutral else "bg-secondary-dark"
    return (
        f'<span class="usa-tag {html.escape(flag.tag_class)} {style}">'
        f"{html.escape(str(flag.word))}</span>"
    )


NORMAL_TAG = "lantern-tag--normal"
CRITICAL = Flag(gettext_lazy("Critical"), "lantern-tag--critical")
HIGH = Flag(gettext_lazy("High"), "lantern-tag--high")
LOW = Flag(gettext_lazy("Low"), "lantern-tag--low")
ABNORMAL = Flag(gettext_lazy("Abnormal"), "lantern-tag--abnormal")
NORMAL = Flag(gettext_lazy("Normal"), NORMAL_TAG, is_neutral=True)
# Neither a range nor the lab's interpretation says whether the value is normal: we do not
# guess (clinical safety), we say so in words.
NO_RANGE = Flag(gettext_lazy("No range given"), "lantern-tag--no-range", is_neutral=True)
# The lab gave its range only in words ("Negative") and no interpretation, so we cannot compare.
NOT_FLAGGED = Flag(gettext_lazy("Not flagged"), "lantern-tag--not-flagged", is_neutral=True)
KNOWN_CODES = CRITICAL_CODES | HIGH_CODES | LOW_CODES | ABNORMAL_CODES | NORMAL_CODES


def flag_for(
    *,
    interpretation: str,
    value: float | None,
    low: float | None,
    high: float | None,
) -> Flag | None:
    """The flag for one value; None when neither an interpretation nor a range says anything."""
    code = interpretation.strip().upper()
    if code in CRITICAL_CODES:
        return CRITICAL
    if code in HIGH_CODES:
        return HIGH
    if code in LOW_CODES:
        return LOW
    if code in ABNORMAL_CODES:
        return ABNORMAL
    if code in NORMAL_CODES:
        return NORMAL
    if value is None or (low is None and high is None):
        return None
    if high is not None and value > high:
        return HIGH
    if low is not None and value < low:
        return LOW
    return NORMAL


class StatusFields(NamedTuple):
    """The fields of a value that its status depends on: what a list reads, as plain values,
    instead of building each value's model."""

    interpretation: str
    value_quantity: float | None
    reference_low: float | None
    reference_high: float | None
    reference_text: str


def observation_flag(observation: Observation | StatusFields) -> Flag | None:
    return flag_for(
        interpretation=observation.interpretation,
        value=observation.value_quantity,
        low=observation.reference_low,
        high=observation.reference_high,
    )


def observation_status(observation: Observation | StatusFields) -> Flag:
    """The status of one value, always in words: the decision every page and PDF shows.

    "Normal" only when a range or the lab's interpretation says so; a value with neither is
    "No range given", and one whose range is only in words (and no interpretation) is
    "Not flagged". A report takes its most serious value's (`selectors.rows_with_status`).
    """
    flag = observation_flag(observation)
    if flag is not None:
        return flag
    has_range = (
        observation.reference_low is not None
        or observation.reference_high is not None
        or bool(observation.reference_text)
    )
    return NOT_FLAGGED if has_range else NO_RANGE


# UCUM units in people's words (in the page's language); any other code is shown as recorded,
# without its brackets.
UNIT_WORDS = {
    "10*3/uL": gettext_lazy("thousand per microliter"),
    "10*3/mm3": gettext_lazy("thousand per microliter"),
    "10*6/uL": gettext_lazy("million per microliter"),
    "10*6/mm3": gettext_lazy("million per microliter"),
    "[in_i]": pgettext_lazy("unit", "in"),
    "[lb_av]": "lb",
    "mm[Hg]": "mmHg",
    "/min": gettext_lazy("per minute"),
    "{beats}/min": gettext_lazy("beats per minute"),
    "{breaths}/min": gettext_lazy("breaths per minute"),
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "Cel": "°C",
    "[degF]": "°F",
    "kg/m2": "kg/m²",
    "{score}": "",
    "1": "",
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# SNOMED CT's semantic tags, which say what kind of concept a name is, not what it means:
# "Latex (substance)", "Product containing sulfonamide (product)", "Unknown (qualifier value)".
SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|procedure|situation|morphologic abnormality|event|"
    r"regime/therapy|observable entity|substance|product|medicinal product|"
    r"medicinal product form|clinical drug|qualifier value|body structure|physical object|"
    r"organism|specimen|record artifact|assessment scale|environment|social concept|"
    r"person|occupation|life style|physical force|disposition)\)\s*$"
)


def unit_words(unit: str) -> str:
    """A UCUM unit as people read it: "10*3/uL" is "thousand per microliter", "mm[Hg]" is "mmHg",
    "{score}" and "1" are nothing; a code we have no words for is shown without its brackets."""
    if unit in UNIT_WORDS:
        return str(UNIT_WORDS[unit])
    return unit.replace("[", "").replace("]", "").replace("{", "").replace("}", "")


def plain_name(name: str) -> str:
    """A clinical name without SNOMED's "(disorder)", "(finding)"... tag at its end."""
    return SEMANTIC_TAG.sub("", name or "")


def localized(text: str) -> str:
    """A number written with "." as people write it in the page's language ("4,5" in Spanish)."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text


def recorded_number(value: float) -> str:
    """A number as recorded, without a trailing ".0": used for normal ranges."""
    return localized(f"{value:g}")


def _decimals(value: float) -> int:
    text = f"{value:g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _rounded(value: float, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = format(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def number(value: float, *, low: float | None = None, high: float | None = None) -> str:
    """A value with the precision a clinician would write it (the recorded value stays exact in
    the FHIR downloads).

    With a normal range, the value gets as many decimals as the range is written with (at most
    3): cholesterol 187.215 with a range of 0 to 200 is "187", white cells 4.55597 with 4.5 to
    11 is "4.6". Without a range, or when the range's decimals would leave fewer than two
    significant digits (0.5 against 70 to 99), by size: whole numbers from 100 ("187"), one
    decimal from 10 ("86" for 85.9597, "12.3"), three significant digits below 10 ("4.56",
    "0.123"). Trailing zeros are dropped ("5", not "5.0"), rounding half up.
    """
    return localized(_number(float(value), low=low, high=high))


def _number(value: float, *, low: float | None, high: float | None) -> str:
    bounds = [bound for bound in (low, high) if bound is not None]
    if bounds:
        places = min(max(_decimals(bound) for bound in bounds), 3)
        if abs(value) >= 10 ** (1 - places):
            return _rounded(value, places)
    size = abs(value)
    if size >= 100:
        return _rounded(value, 0)
    if size >= 10:
        return _rounded(value, 1)
    if size == 0:
        return "0"
    return _rounded(value, min(2 - math.floor(math.log10(size)), 9))


def range_words(observation: Observation) -> str:
    """ "70 to 99 mg/dL", "5.7 % or lower", the lab's own words, or "" when there is none.

    Every range the source gave, each with whom it applies to and its words where it has them:
    "Women: 12 to 15.5 g/dL; Men: 13.5 to 17.5 g/dL". A record that holds only the first
    range's columns (written before every range was kept) says that one.
    """
    unit = unit_words(observation.value_unit)
    if observation.reference_ranges:
        words = (one_range_words(given, unit) for given in observation.reference_ranges)
        return "; ".join(w for w in words if w)
    numbers = bounds_words(observation.reference_low, observation.reference_high, unit)
    return numbers or observation.reference_text


def bounds_words(low: float | None, high: float | None, unit: str) -> str:
    """ "70 to 99 mg/dL", "5.7 % or lower", "40 mg/dL or higher"; "" for no bound."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return _("%(low)s to %(high)s%(unit)s") % {
            "low": recorded_number(low),
            "high": recorded_number(high),
            "unit": suffix,
        }
    if high is not None:
        return _("%(high)s%(unit)s or lower") % {"high": recorded_number(high), "unit": suffix}
    if low is not None:
        return _("%(low)s%(unit)s or higher") % {"low": recorded_number(low), "unit": suffix}
    return ""


# Age units (UCUM) in words, for a range that applies to an age ("age 18 to 65 years").
AGE_UNITS = {
    "a": gettext_lazy("years"),
    "mo": gettext_lazy("months"),
    "wk": gettext_lazy("weeks"),
    "d": gettext_lazy("days"),
    "h": gettext_lazy("hours"),
}


def one_range_words(given: dict[str, Any], unit: str) -> str:
    """One FHIR reference range in words: "Women, age 18 to 65 years: 12 to 15.5 g/dL
    (fasting)". Its own unit where its bounds carry one, else the value's (`unit`)."""
    low, high = given.get("low") or {}, given.get("high") or {}
    own_unit = quantity_unit(high) or quantity_unit(low)
    numbers = bounds_words(low.get("value"), high.get("value"), unit_words(own_unit) or unit)
    text = given.get("text", "")
    words = f"{numbers} ({text})" if numbers and text else numbers or text
    label = ", ".join(part for part in range_applies_to(given) if part)
    if label and words:
        return f"{label[0].upper()}{label[1:]}: {words}"
    return words


def range_applies_to(given: dict[str, Any]) -> list[str]:
    """Whom a range is for, in words: its meaning (unless plain "normal"), the groups it
    applies to, and the ages."""
    parts = []
    meaning = given.get("type") or {}
    if not any(c.get("code") == "normal" for c in meaning.get("coding", [])):
        parts.append(concept_words(meaning))
    parts += [concept_words(group) for group in given.get("appliesTo", [])]
    age = given.get("age") or {}
    if age:
        age_low, age_high = age.get("low") or {}, age.get("high") or {}
        age_unit = quantity_unit(age_high) or quantity_unit(age_low)
        bounds = bounds_words(
            age_low.get("value"), age_high.get("value"), str(AGE_UNITS.get(age_unit, age_unit))
        )
        parts.append(_("age %(ages)s") % {"ages": bounds})
    return parts


def quantity_unit(quantity: dict[str, Any]) -> str:
    return quantity.get("unit") or quantity.get("code") or ""


def concept_words(concept: dict[str, Any]) -> str:
    """A CodeableConcept as people read it: its text, else its first coding's display or code."""
    codings = concept.get("coding") or [{}]
    return concept.get("text") or codings[0].get("display") or codings[0].get("code") or ""


def range_in_words(observation: Observation) -> str:
    """ "Normal range: 70 to 99 mg/dL", or "" when the result has no range."""
    words = range_words(observation)
    return _("Normal range: %(range)s") % {"range": words} if words else ""


def pressure_number(value: float) -> str:
    """A blood pressure in whole mmHg, as it is measured and written ("80", not "80.2")."""
    return _rounded(float(value), 0)


def value_in_words(observation: Observation) -> str:
    """A value as a person reads it: "72 per minute", "120/80 mmHg", "Yes", "1:128",
    "2.5 to 5 mg/L", a coded answer by its name, or the recorded text.

    Components follow the observation's own value, each by its name: a pulse oximeter's "95 %;
    Inhaled oxygen flow rate: 6 liters/min" (the oxygen level first, not hidden by the flow).
    """
    if observation.components:
        parts = {part.get("code"): part for part in observation.components}
        systolic, diastolic = parts.get(SYSTOLIC), parts.get(DIASTOLIC)
        if systolic and diastolic and None not in (systolic.get("value"), diastolic.get("value")):
            unit = unit_words(systolic.get("unit", ""))
            pressure = f"{pressure_number(systolic['value'])}/{pressure_number(diastolic['value'])}"
            return f"{pressure} {unit}".strip()
        own = _own_value_in_words(observation)
        named_parts = [
            f"{part.get('display', '')}: {words}"
            for part in observation.components
            if (words := component_value_in_words(part))
        ]
        return "; ".join([own, *named_parts] if own else named_parts)
    return _own_value_in_words(observation)


def _own_value_in_words(observation: Observation) -> str:
    """The observation's own value in words (not its components'); "" when it has none."""
    if observation.value_quantity is not None:
        return f"{observation_number(observation)} {unit_words(observation.value_unit)}".strip()
    return typed_value_words(
        observation.kind_of_value,
        data=observation.value_data,
        text=observation.value_string or observation.value_code_display,
    )


def component_rows_in_words(observation: Observation) -> list[tuple[str, str]]:
    """(name, value in words) of each component: blood pressure's parts as "Systolic" and
    "Diastolic", every other by its recorded name."""
    names = {SYSTOLIC: _("Systolic"), DIASTOLIC: _("Diastolic")}
    return [
        (names.get(part.get("code", "")) or part.get("display", ""), component_value_in_words(part))
        for part in observation.components or []
        if isinstance(part, dict)
    ]


def component_value_in_words(part: dict[str, Any]) -> str:
    """A component's value in words, as `value_in_words` words an observation's."""
    if isinstance(part.get("value"), int | float):
        return f"{number(part['value'])} {unit_words(part.get('unit', ''))}".strip()
    value_type = part.get("value_type") or ObservationValueType.STRING
    return typed_value_words(value_type, data=part.get("value_data"), text=part.get("text", ""))


def typed_value_words(value_type: str, *, data: Any, text: str) -> str:
    """A value that is no number in words: yes or no, a ratio ("1:128"), a range, a period or
    a date as dates, a time as a time; text (a string, a coded answer's name) as recorded."""
    if value_type == ObservationValueType.BOOLEAN and isinstance(data, bool):
        return _("Yes") if data else _("No")
    if value_type == ObservationValueType.RATIO and isinstance(data, dict):
        return ratio_words(data)
    if value_type == ObservationValueType.RANGE and isinstance(data, dict):
        low, high = data.get("low") or {}, data.get("high") or {}
        unit = unit_words(quantity_unit(high) or quantity_unit(low))
        return range_value_words(low.get("value"), high.get("value"), unit)
    if value_type == ObservationValueType.PERIOD and isinstance(data, dict):
        return period_words(data.get("start", ""), data.get("end", ""))
    if value_type == ObservationValueType.SAMPLED_DATA:
        return _("A series of measurements (in the FHIR download)")
    if value_type == ObservationValueType.TIME and text:
        return time_words(text)
    if value_type == ObservationValueType.DATE_TIME and text:
        return date_words(text)
    return text


def ratio_words(ratio: dict[str, Any]) -> str:
    """ "1:128" (a titer); with units, each side with its own: "5 mg : 1 mL"."""
    sides = [ratio.get("numerator") or {}, ratio.get("denominator") or {}]
    if any(side.get("value") is None for side in sides):
        return ""
    units = [unit_words(quantity_unit(side)) for side in sides]
    words = [
        f"{recorded_number(s['value'])} {u}".strip() for s, u in zip(sides, units, strict=True)
    ]
    return " : ".join(words) if any(units) else ":".join(words)


def range_value_words(low: float | None, high: float | None, unit: str) -> str:
    """A value given as a range: "2.5 to 5 mg/L", "more than 10", "less than 0.5"."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return _("%(low)s to %(high)s%(unit)s") % {
            "low": recorded_number(low),
            "high": recorded_number(high),
            "unit": suffix,
        }
    if low is not None:
        return _("%(low)s%(unit)s or more") % {"low": recorded_number(low), "unit": suffix}
    if high is not None:
        return _("%(high)s%(unit)s or less") % {"high": recorded_number(high), "unit": suffix}
    return ""


def period_words(start: str, end: str) -> str:
    """ "May 1, 2012 to May 3, 2012", "From May 1, 2012", "Until May 3, 2012"."""
    if start and end:
        return _("%(start)s to %(end)s") % {"start": date_words(start), "end": date_words(end)}
    if start:
        return _("From %(start)s") % {"start": date_words(start)}
    return _("Until %(end)s") % {"end": date_words(end)} if end else ""


# A FHIR date without a time, by its length: "1990", "2011-05", "2011-04-30".
PRECISION_OF_LENGTH = {4: "year", 7: "month", 10: "day"}


def date_words(value: str) -> str:
    """A FHIR date or dateTime as the pages write dates: "May 2012" for a month, never shifted;
    an instant as a moment in the clinic's time zone. Text that is no date stays as it is."""
    precision = PRECISION_OF_LENGTH.get(len(value)) if "T" not in value else None
    try:
        if precision:
            year, month, day = ([*value.split("-"), "01", "01"])[:3]
            return partial_day(dt.date(int(year), int(month), int(day)), precision)
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment(instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC))


def time_words(value: str) -> str:
    """A time of day as people write it: "2:30 PM" for "14:30:00" ("14:30" in Spanish)."""
    english = (translation.get_language() or "en").startswith("en")
    try:
        return dateformat.time_format(dt.time.fromisoformat(value), "g:i A" if english else "H:i")
    except ValueError:
        return value


def observation_number(observation: Observation) -> str:
    """The observation's value as people read it, with the precision of its range."""
    if observation.value_quantity is None:
        return ""
    return number(
        observation.value_quantity,
        low=observation.reference_low,
        high=observation.reference_high,
    )


def flag_word(observation: Observation) -> str:
    """The status in words: "High", "Normal", "No range given"..."""
    return str(observation_status(observation).word)
