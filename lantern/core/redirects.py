"""Where to send the browser after a form: the one place a `next` address is checked.

A `next` value comes from the query string or a posted field, so anyone can write it. Only a
path on this site is followed: it starts with exactly one "/" (not "//" or "/\\", which browsers
read as another host), has no scheme or host, and no control characters. Anything else falls back
to the page's default, so a bad value can neither send a patient to another site nor make
`redirect()` try to read it as a view name and fail (a 500 that used to come after a one-time
code had already been spent).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_FIELD = "next"


def is_local_path(candidate: str) -> bool:
    """True for a path on this site such as "/results/?page=2"; False for anything else."""
    if not candidate or not candidate.startswith("/"):
        return False
    if candidate.startswith(("//", "/\\")):
        return False
    if any(ord(character) < 32 or ord(character) == 127 for character in candidate):
        return False
    # Django's own check as well: it also refuses schemes and hosts hidden by odd encodings.
    return url_has_allowed_host_and_scheme(candidate, allowed_hosts=None)


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The posted or query-string `next` if it is a local path, else `default`."""
    candidate = request.POST.get(NEXT_FIELD) or request.GET.get(NEXT_FIELD) or ""
    return candidate if is_local_path(candidate) else default
