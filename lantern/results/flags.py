"""Results in words: values, normal ranges and out-of-range flags (never colour alone).

The one place that words a result, for the result pages, the health record pages and the PDFs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lantern.clinical.models import Observation

CRITICAL_CODES = frozenset({"HH", "LL", "AA", "HU", "LU"})
HIGH_CODES = frozenset({"H", "HX"})
LOW_CODES = frozenset({"L", "LX"})
ABNORMAL_CODES = frozenset({"A", "POS", "DET", "R"})
NORMAL_CODES = frozenset({"N", "NEG", "ND", "S"})


@dataclass(frozen=True)
class Flag:
    """A flag as a word and the USWDS tag style that goes with it (never colour alone)."""

    word: str
    tag_class: str
    # A calm tag for "Normal" and for the statuses that say nothing is known to be wrong.
    is_neutral: bool = False

    @property
    def is_normal(self) -> bool:
        return self.word == "Normal"


CRITICAL = Flag("Critical", "lantern-tag--critical")
HIGH = Flag("High", "lantern-tag--high")
LOW = Flag("Low", "lantern-tag--low")
ABNORMAL = Flag("Abnormal", "lantern-tag--abnormal")
NORMAL = Flag("Normal", "lantern-tag--normal", is_neutral=True)
# Neither a range nor the lab's interpretation says whether the value is normal: we do not
# guess (clinical safety), we say so in words.
NO_RANGE = Flag("No range given", "lantern-tag--no-range", is_neutral=True)
# The lab gave its range only in words ("Negative") and no interpretation, so we cannot compare.
NOT_FLAGGED = Flag("Not flagged", "lantern-tag--not-flagged", is_neutral=True)
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


def observation_flag(observation: Observation) -> Flag | None:
    return flag_for(
        interpretation=observation.interpretation,
        value=observation.value_quantity,
        low=observation.reference_low,
        high=observation.reference_high,
    )


def observation_status(observation: Observation) -> Flag:
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


# UCUM units in people's words; any other code is shown as recorded, without its brackets.
UNIT_WORDS = {
    "10*3/uL": "thousand per microliter",
    "10*3/mm3": "thousand per microliter",
    "10*6/uL": "million per microliter",
    "10*6/mm3": "million per microliter",
    "[in_i]": "in",
    "[lb_av]": "lb",
    "mm[Hg]": "mmHg",
    "/min": "per minute",
    "{beats}/min": "beats per minute",
    "{breaths}/min": "breaths per minute",
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "Cel": "°C",
    "[degF]": "°F",
    "kg/m2": "kg/m²",
    "{score}": "",
    "1": "",
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# SNOMED CT's semantic tags, which say what kind of concept a name is, not what it means.
SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|procedure|situation|morphologic abnormality|event|"
    r"regime/therapy|observable entity)\)\s*$"
)


def unit_words(unit: str) -> str:
    """A UCUM unit as people read it: "10*3/uL" is "thousand per microliter", "mm[Hg]" is "mmHg",
    "{score}" and "1" are nothing; a code we have no words for is shown without its brackets."""
    if unit in UNIT_WORDS:
        return UNIT_WORDS[unit]
    return unit.replace("[", "").replace("]", "").replace("{", "").replace("}", "")


def plain_name(name: str) -> str:
    """A clinical name without SNOMED's "(disorder)", "(finding)"... tag at its end."""
    return SEMANTIC_TAG.sub("", name or "")


def recorded_number(value: float) -> str:
    """A number as recorded, without a trailing ".0": used for normal ranges."""
    return f"{value:g}"


def _decimals(value: float) -> int:
    text = recorded_number(value)
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
    value = float(value)
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
    """ "70 to 99 mg/dL", "5.7 % or lower", the lab's own words, or "" when there is none."""
    low, high = observation.reference_low, observation.reference_high
    unit = unit_words(observation.value_unit)
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{recorded_number(low)} to {recorded_number(high)}{suffix}"
    if high is not None:
        return f"{recorded_number(high)}{suffix} or lower"
    if low is not None:
        return f"{recorded_number(low)}{suffix} or higher"
    return observation.reference_text


def range_in_words(observation: Observation) -> str:
    """ "Normal range: 70 to 99 mg/dL", or "" when the result has no range."""
    words = range_words(observation)
    return f"Normal range: {words}" if words else ""


def pressure_number(value: float) -> str:
    """A blood pressure in whole mmHg, as it is measured and written ("80", not "80.2")."""
    return _rounded(float(value), 0)


def value_in_words(observation: Observation) -> str:
    """A value as a person reads it: "72 per minute", "120/80 mmHg", or the recorded text."""
    if observation.components:
        parts = {part.get("code"): part for part in observation.components}
        systolic, diastolic = parts.get(SYSTOLIC), parts.get(DIASTOLIC)
        if systolic and diastolic and None not in (systolic.get("value"), diastolic.get("value")):
            unit = unit_words(systolic.get("unit", ""))
            pressure = f"{pressure_number(systolic['value'])}/{pressure_number(diastolic['value'])}"
            return f"{pressure} {unit}".strip()
        return "; ".join(
            f"{part.get('display', '')}: {number(part['value'])} "
            f"{unit_words(part.get('unit', ''))}".strip()
            for part in observation.components
            if part.get("value") is not None
        )
    if observation.value_quantity is not None:
        return f"{observation_number(observation)} {unit_words(observation.value_unit)}".strip()
    return observation.value_string or observation.value_code_display


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
    return observation_status(observation).word
