"""Every page a patient, a proxy or a visitor reaches reads in Spanish when Spanish is chosen
(issue 17). The template check (test_translations.py) cannot see English built in Python and
never marked; this crawls the pages as each person would and looks for everyday English words in
what the page says. The record's own words (test and medicine names, what a person wrote) stay as
recorded, so the test data is chosen to hold none of the words looked for.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from lantern.testing.auth import sign_in
from lantern.testing.crawl import crawl, give_a_full_record, lantern_pages

pytestmark = pytest.mark.django_db

# Everyday English words no Spanish sentence uses and no test record holds.
ENGLISH_WORDS = frozenset(
    [
        "your",
        "you",
        "the",
        "this",
        "these",
        "there",
        "here",
        "has",
        "have",
        "are",
        "will",
        "can",
        "please",
        "yet",
        "were",
        "which",
        "about",
        "before",
        "after",
        "what",
        "when",
        "where",
        "who",
        "how",
        "with",
        "without",
        "been",
    ]
)


class _PageWords(HTMLParser):
    """The words a page shows, outside scripts and styles, with its spoken attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value:
                self.words.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words.append(data)


def english_left(html: str) -> list[str]:
    parser = _PageWords()
    parser.feed(html)
    found = []
    for piece in parser.words:
        words = {w.lower() for w in re.findall(r"[A-Za-z']+", piece)}
        if words & ENGLISH_WORDS:
            found.append(" ".join(piece.split())[:120])
    return found


def english_on_pages(client, starts: list[str], **headers) -> dict[str, list[str]]:
    result = crawl(client, starts)
    pages = lantern_pages(result)
    assert len(pages) > 3, pages
    found = {}
    for address in pages:
        left = english_left(client.get(address, **headers).content.decode())
        if left:
            found[address] = left
    return found


def test_a_visitor_whose_browser_asks_for_spanish_reads_spanish(client, alice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    assert english_on_pages(client, ["/", "/signin/"]) == {}


def test_a_patient_who_chose_spanish_reads_every_page_in_spanish(client, alice):
    give_a_full_record(alice)
    alice.preferred_language = "es"
    alice.save()
    assert english_on_pages(sign_in(client, alice), ["/"]) == {}


def test_a_proxy_who_chose_spanish_reads_every_page_in_spanish(client, alice, bob):
    give_a_full_record(alice)
    bob.preferred_language = "es"
    bob.save()
    assert english_on_pages(sign_in(client, bob), ["/"]) == {}
