"""Results in words: values, normal ranges and out-of-range flags (never colour alone).

The one place that words a result, for the result pages, the health record pages and the PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "Not flagged". The results list works out the same in SQL (`selectors.row_status`).
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


# UCUM units people would not read as written.
UNIT_WORDS = {"/min": "per minute", "Cel": "°C", "[degF]": "°F", "kg/m2": "kg/m²"}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"


def unit_words(unit: str) -> str:
    """A UCUM unit as people read it: "mm[Hg]" is "mmHg", "{beats}/min" is "beats/min"."""
    if unit in UNIT_WORDS:
        return UNIT_WORDS[unit]
    return unit.replace("[", "").replace("]", "").replace("{", "").replace("}", "")


def number(value: float) -> str:
    """A value as people write it: 5.4, 120, 0.25 (no trailing ".0")."""
    return f"{value:g}"


def range_words(observation: Observation) -> str:
    """ "70 to 99 mg/dL", "5.7 % or lower", the lab's own words, or "" when there is none."""
    low, high = observation.reference_low, observation.reference_high
    unit = unit_words(observation.value_unit)
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{number(low)} to {number(high)}{suffix}"
    if high is not None:
        return f"{number(high)}{suffix} or lower"
    if low is not None:
        return f"{number(low)}{suffix} or higher"
    return observation.reference_text


def range_in_words(observation: Observation) -> str:
    """ "Normal range: 70 to 99 mg/dL", or "" when the result has no range."""
    words = range_words(observation)
    return f"Normal range: {words}" if words else ""


def value_in_words(observation: Observation) -> str:
    """A value as a person reads it: "72 per minute", "120/80 mmHg", or the recorded text."""
    if observation.components:
        parts = {part.get("code"): part for part in observation.components}
        systolic, diastolic = parts.get(SYSTOLIC), parts.get(DIASTOLIC)
        if systolic and diastolic and None not in (systolic.get("value"), diastolic.get("value")):
            unit = unit_words(systolic.get("unit", ""))
            return f"{number(systolic['value'])}/{number(diastolic['value'])} {unit}".strip()
        return "; ".join(
            f"{part.get('display', '')}: {number(part['value'])} "
            f"{unit_words(part.get('unit', ''))}".strip()
            for part in observation.components
            if part.get("value") is not None
        )
    if observation.value_quantity is not None:
        return f"{number(observation.value_quantity)} {unit_words(observation.value_unit)}".strip()
    return observation.value_string or observation.value_code_display


def flag_word(observation: Observation) -> str:
    """The status in words: "High", "Normal", "No range given"..."""
    return observation_status(observation).word
