"""A document's words as the page shows them: plain text, never markup.

A note sent as HTML (`text/html`) is read for its words: tags are dropped, entities read, blocks
and line breaks become new lines, and what a browser would not show as text (scripts, styles)
is left out. The page still escapes the result; nothing of the source is ever rendered as HTML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lantern.clinical.document_files import media_type
from lantern.clinical.models import DocumentReference

# Elements whose content is not text a reader sees.
HIDDEN = {"script", "style", "head", "title", "template", "noscript"}
# Elements that start a new line.
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
    "table", "tr", "ul",
}  # fmt: skip
SPACES = re.compile(r"\s+")
BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(SPACES.sub(" ", data))


def html_as_text(html: str) -> str:
    parser = _Words()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def document_text(document: DocumentReference) -> str:
    """The document's text to show: an HTML note as its words, any other text as written."""
    if media_type(document.content_type) in {"text/html", "application/xhtml+xml"}:
        return html_as_text(document.content_text)
    return document.content_text
