"""A small reader for the home page's HTML: one marked part's text, links and forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_TAGS = frozenset({"br", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass
class Part:
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return " ".join(self.text.split())


class _Reader(HTMLParser):
    """Collects the text, links, forms and table rows inside elements with `data-testid`."""

    def __init__(self, testid: str | None) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0 if testid is None else -1
        self.found = testid is None
        self.part = Part()
        self._link: str | None = None
        self._link_text = ""
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth < 0:
            if attributes.get("data-testid") == self.testid and not self.found:
                self.found = True
                self.depth = 0 if tag in VOID_TAGS else 1
            return
        if tag not in VOID_TAGS:
            self.depth += 1
        self.part.tags.append(tag)
        if tag == "a":
            self._link, self._link_text = attributes.get("href", ""), ""
        if tag == "form":
            self.part.forms.append({k: v or "" for k, v in attributes.items()})
        if tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if self.depth <= 0:
            return
        if tag == "a" and self._link is not None:
            self.part.links.append((" ".join(self._link_text.split()), self._link))
            self._link = None
        if tag == "tr" and self._row is not None:
            self.part.rows.append(" ".join(" ".join(self._row).split()))
            self._row = None
        self.depth -= 1
        if self.depth == 0 and self.testid is not None:
            self.depth = -1

    def handle_data(self, data):
        if self.depth <= 0 and self.testid is not None:
            return
        self.part.text += data
        if self._link is not None:
            self._link_text += data
        if self._row is not None:
            self._row.append(data)


def read(html: str, testid: str | None = None) -> Part | None:
    """The part marked `data-testid=testid` (the whole page when None); None when absent."""
    reader = _Reader(testid)
    reader.feed(html)
    return reader.part if reader.found else None
