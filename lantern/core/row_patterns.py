"""Table rows worded in Python as `str.format` patterns (`record.presenters`,
`home.presenters`): a row's fixed words (its cells' column names) go into the pattern once per
process and language, so they are escaped for HTML and for `str.format` there."""

from __future__ import annotations

import functools
import html

from django.utils.translation import get_language, pgettext


def pattern_words(words: str) -> str:
    """`words` escaped for HTML, with any brace doubled so `str.format` keeps it as it is."""
    return html.escape(words).replace("{", "{{").replace("}", "}}")


@functools.lru_cache(maxsize=8)
def _new_tag(language: str | None) -> str:
    return f' <span class="usa-tag bg-primary">{html.escape(pgettext("result", "New"))}</span>'


def new_tag() -> str:
    """The "New" tag beside a result not yet opened (HTML, a space before it), in the page's
    language, worded once per process and language."""
    return _new_tag(get_language())
