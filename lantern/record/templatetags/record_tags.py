"""Words for values and flags on the health record pages."""

from __future__ import annotations

from django import template

from lantern.clinical.models import Observation
from lantern.results.flags import observation_flag, value_in_words

register = template.Library()


@register.filter
def result_flag(observation: Observation) -> str:
    """The out-of-range flag in words, or "" for a normal or unflagged value."""
    flag = observation_flag(observation)
    return "" if flag is None or flag.is_normal else flag.word


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
