"""Words for values and flags on the health record pages."""

from __future__ import annotations

from django import template

from lantern.clinical.models import Observation
from lantern.record.selectors import observation_value_text

register = template.Library()

# HL7 v3 ObservationInterpretation codes in plain words; "Normal" is not flagged.
FLAG_WORDS = {
    "H": "High",
    "HH": "Very high",
    "HU": "Very high",
    "L": "Low",
    "LL": "Very low",
    "LU": "Very low",
    "A": "Not normal",
    "AA": "Not normal",
    "POS": "Positive",
}


@register.filter
def result_flag(observation: Observation) -> str:
    """The out-of-range flag in words, or "" for a normal or unflagged value."""
    return FLAG_WORDS.get(observation.interpretation.upper(), "")


@register.filter
def value_text(observation: Observation) -> str:
    return observation_value_text(observation)


@register.filter
def reactions_text(reactions: list) -> str:
    """Allergy reactions as "Hives (mild), Swelling"."""
    parts = []
    for reaction in reactions or []:
        if not isinstance(reaction, dict) or not reaction.get("manifestation"):
            continue
        severity = reaction.get("severity")
        parts.append(
            f"{reaction['manifestation']} ({severity})" if severity else reaction["manifestation"]
        )
    return ", ".join(parts)
