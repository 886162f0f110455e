"""`{% language_choices as choices %}`: the languages a person may switch to, for the chooser in
the page header and the account menu (templates/includes/_language_chooser.html)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()


@dataclass(frozen=True)
class LanguageChoice:
    """One language, named in itself ("Español" on an English page), so its speakers find it."""

    code: str
    name: str
    current: bool


@register.simple_tag
def language_choices() -> list[LanguageChoice]:
    # settings.LANGUAGES names each language in itself; Django's own tag would translate the
    # names into the page's language ("Inglés"), which its speakers may not recognise.
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return [
        LanguageChoice(code=code, name=name, current=code == current)
        for code, name in settings.LANGUAGES
    ]
