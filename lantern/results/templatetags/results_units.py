from __future__ import annotations

from django import template

from lantern.results.flags import unit_words

register = template.Library()


@register.filter
def unit(value: str) -> str:
    """A UCUM unit as people read it ("mm[Hg]" becomes "mmHg")."""
    return unit_words(value or "")
