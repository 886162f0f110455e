"""`pattern_words`: a row pattern's fixed words, escaped for HTML and for `str.format`."""

from __future__ import annotations

from lantern.core.row_patterns import pattern_words


def test_pattern_words_are_escaped_and_their_braces_kept_through_format():
    label = pattern_words('Dose {mg} <per day> & "note"')
    pattern = f'<td data-label="{label}">{{}}</td>'

    assert pattern.format("5") == (
        '<td data-label="Dose {mg} &lt;per day&gt; &amp; &quot;note&quot;">5</td>'
    )
