"""Helpers for the tests of pages in another language (issue 17)."""

from __future__ import annotations


def main_content(html: str) -> str:
    """A page's own content, without the frame (the header and footer are translated apart)."""
    return html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]


def speaking(user, language: str = "es"):
    """`user`, having chosen `language` for pages, emails and text messages."""
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user
