from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from lantern.clinical.models import Observation
from lantern.results.body_units import us_words_beside, us_words_for
from lantern.results.flags import (
    Flag,
    component_rows_in_words,
    observation_number,
    unit_words,
    value_in_words,
)
from lantern.results.flags import flag_tag as flag_tag_html
from lantern.results.flags import number as number_words
from lantern.results.plain_names import names_of
from lantern.results.presenters import kind_words as kind_in_words

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
def value_words(observation: Observation) -> str:
    """The value in words, of whatever type it is ("Yes", "1:128", "2.5 to 5 mg/L")."""
    return value_in_words(observation)


@register.filter
def component_words(observation: Observation) -> list[tuple[str, str]]:
    """(name, value in words) of each of the observation's components."""
    return component_rows_in_words(observation)


@register.filter
def kind_words(kind: str) -> str:
    """A report's kind ("laboratory") as the page's language says it ("Lab", "Laboratorio")."""
    return kind_in_words(kind)


@register.filter
def main_name(item: object) -> str:
    """The short plain name of a test where we have one ("Total cholesterol"), else its name."""
    return names_of(item)[0]


@register.filter
def long_name(item: object) -> str:
    """The recorded (LOINC) name to show smaller beside the plain one; "" when there is none."""
    return names_of(item)[1]


@register.simple_tag(takes_context=True)
def us_units(context: template.Context, observation: Observation | None, bare: bool = False) -> str:
    """A weight or height in US units, for an account that shows them: " (190 lb)" beside the
    recorded value, or "190 lb" alone with `bare`; "" otherwise (see `body_units`)."""
    user = getattr(context.get("request"), "user", None)
    if not bare:
        return mark_safe(us_words_beside(observation, user))  # noqa: S308 (escaped there)
    words = us_words_for(observation, user)
    return format_html('<span data-testid="us-units">{}</span>', words) if words else ""


@register.filter
def flag_tag(flag: Flag | None) -> str:
    """A flag as a word in a USWDS tag, so it never relies on colour; "" for no flag."""
    return mark_safe(flag_tag_html(flag))  # noqa: S308 (its word and class escaped)
