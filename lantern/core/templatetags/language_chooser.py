"""The language chooser in the page header and the account menu: one button for each other
language, named in itself and marked with its `lang`, in a form that POSTs to `choose_language`
and comes back to this page. It works without JavaScript.

`{% language_chooser chooser_class="…" button_class="…" %}` draws it (the form's classes and each
button's). Its buttons depend only on the page's language, so they are drawn once per process;
each page adds its CSRF token and the address to come back to. A page drawn without a request
(the CSRF failure page, the offline page) has no CSRF token to send, so it shows no chooser; nor
does a page of a URL configuration without `choose_language` (some tests). The context's
`language_next` is where to come back to instead of this page: error pages come back to the home
page rather than repeat the address that was refused; Django's own 404 page, with
`request_path`, too. `{% language_choices as choices %}` lists the languages.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


@register.simple_tag(takes_context=True)
def language_chooser(
    context: template.Context, chooser_class: str = "", button_class: str = ""
) -> SafeString:
    token = str(context.get("csrf_token") or "")
    if not token:
        return mark_safe("")
    try:
        action = reverse("choose_language")
    except NoReverseMatch:
        return mark_safe("")
    request = context.get("request")
    come_back = ""
    if request is not None:
        if context.get("language_next"):
            next_path = str(context["language_next"])
        elif context.get("request_path"):
            next_path = "/"
        else:
            next_path = request.get_full_path()
        come_back = f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
    # As `{% csrf_token %}`: no input for Django's word for no token.
    token_input = (
        ""
        if token == "NOTPROVIDED"  # noqa: S105 (not a secret)
        else f'<input type="hidden" name="csrfmiddlewaretoken" value="{html.escape(token)}">'
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<form method="post" action="{html.escape(action)}" '
        f'class="{html.escape(chooser_class)}" aria-label="{_language_label()}" '
        f"data-language-chooser>{token_input}{come_back}"
        f"{_buttons(translation.get_language(), button_class)}</form>"
    )


def _language_label() -> str:
    return html.escape(_("Language"))


@functools.lru_cache(maxsize=32)
def _buttons(language: str | None, button_class: str) -> str:
    """A button for each language but the page's, drawn once per process and language."""
    return "".join(
        f'<button type="submit" name="language" value="{choice.code}" lang="{choice.code}" '
        f'class="{html.escape(button_class)}">{html.escape(choice.name)}</button>'
        for choice in language_choices()
        if not choice.current
    )


def _buttons_forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE"}:
        _buttons.cache_clear()


setting_changed.connect(_buttons_forget)
