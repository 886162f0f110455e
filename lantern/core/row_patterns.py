"""Table rows worded in Python as `str.format` patterns (`record.presenters`,
`home.presenters`): a row's fixed words (its cells' column names) go into the pattern once per
process and language, so they are escaped for HTML and for `str.format` there."""

from __future__ import annotations

import html


def pattern_words(words: str) -> str:
    """`words` escaped for HTML, with any brace doubled so `str.format` keeps it as it is."""
    return html.escape(words).replace("{", "{{").replace("}", "}}")
