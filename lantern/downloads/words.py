"""Results in plain words: the value, the normal range and the flag (never colour alone)."""

from __future__ import annotations

from lantern.clinical import models as clinical

FLAG_WORDS = {
    "H": "High",
    "HH": "Very high",
    "HU": "Very high",
    "L": "Low",
    "LL": "Very low",
    "LU": "Very low",
    "A": "Not normal",
    "AA": "Very abnormal",
    "N": "Normal",
    "POS": "Positive",
    "NEG": "Negative",
}


def number(value: float) -> str:
    return f"{value:g}"


def value_words(observation: clinical.Observation) -> str:
    if observation.value_quantity is not None:
        return f"{number(observation.value_quantity)} {observation.value_unit}".strip()
    if observation.components:
        parts = []
        for component in observation.components:
            value = component.get("value")
            shown = (
                f"{number(value)} {component.get('unit', '')}".strip()
                if value is not None
                else component.get("text", "")
            )
            parts.append(f"{component.get('display') or component.get('code', '')}: {shown}")
        return "; ".join(parts)
    return observation.value_string or observation.value_code_display or observation.value_code


def range_words(observation: clinical.Observation) -> str:
    unit = f" {observation.value_unit}" if observation.value_unit else ""
    low, high = observation.reference_low, observation.reference_high
    if low is not None and high is not None:
        return f"{number(low)} to {number(high)}{unit}"
    if low is not None:
        return f"{number(low)}{unit} or more"
    if high is not None:
        return f"{number(high)}{unit} or less"
    return observation.reference_text


def flag_words(observation: clinical.Observation) -> str:
    """The flag the lab gave, in words; without one, whether the value is outside the range."""
    if observation.interpretation:
        return FLAG_WORDS.get(
            observation.interpretation.upper(),
            observation.interpretation_display or observation.interpretation,
        )
    if observation.interpretation_display:
        return observation.interpretation_display
    value = observation.value_quantity
    if value is None:
        return ""
    if observation.reference_high is not None and value > observation.reference_high:
        return "High"
    if observation.reference_low is not None and value < observation.reference_low:
        return "Low"
    if observation.reference_low is not None or observation.reference_high is not None:
        return "Normal"
    return ""
