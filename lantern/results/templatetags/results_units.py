from __future__ import annotations

from django import template

from lantern.clinical.models import Observation
from lantern.results.flags import number as number_words
from lantern.results.flags import observation_number, unit_words
from lantern.results.plain_names import names_of

register = template.Library()


@register.filter
def unit(value: str) -> str:
    """A UCUM unit as people read it ("mm[Hg]" becomes "mmHg")."""
    return unit_words(value or "")


@register.filter
def number(value: float | None) -> str:
    """A value as people write it: 7.9, 142, 0.25 ("7.9", not floatformat's "7.900")."""
    return "" if value is None else number_words(value)


@register.filter
def value_number(observation: Observation) -> str:
    """The observation's value with the precision of its normal range (see `flags.number`)."""
    return observation_number(observation)


@register.filter
def main_name(item: object) -> str:
    """The short plain name of a test where we have one ("Total cholesterol"), else its name."""
    return names_of(item)[0]


@register.filter
def long_name(item: object) -> str:
    """The recorded (LOINC) name to show smaller beside the plain one; "" when there is none."""
    return names_of(item)[1]
