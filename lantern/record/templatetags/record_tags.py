"""Words for values and flags on the health record pages."""

from __future__ import annotations

from django import template

from lantern.clinical.models import MedicationRequest, Observation
from lantern.record.dosage import dosage_in_words
from lantern.results.flags import Flag, observation_status, plain_name, value_in_words

register = template.Library()


@register.filter
def result_flag(observation: Observation) -> Flag:
    """The value's status ("High", "Normal", "No range given"...), as the results pages say it."""
    return observation_status(observation)


@register.filter
def value_text(observation: Observation) -> str:
    return value_in_words(observation)


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


@register.filter
def clinical_name(name: str) -> str:
    """A clinical name without SNOMED's "(disorder)", "(finding)"... tag."""
    return plain_name(name)


@register.filter
def dosage_words(medication: MedicationRequest) -> str:
    """How to take it: the dosage text, else "1 tablet twice a day" from the structured dosage."""
    return dosage_in_words(medication)


@register.filter
def reasons_text(names: list[str]) -> str:
    """Every reason by its plain name: "Atrial fibrillation; Chronic pain"."""
    return "; ".join(plain_name(name) for name in names if name)
