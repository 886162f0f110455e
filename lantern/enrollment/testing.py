"""Helpers for other apps' tests (lantern.testing.auth signs personas in with these)."""

from __future__ import annotations

from .selectors import terms_current
from .services import terms_accept


def accept_current_terms(user) -> None:
    """Accept the current terms for the account, so tests of other pages are not held up."""
    version = terms_current()
    if version is not None:
        terms_accept(user=user, version=version)
